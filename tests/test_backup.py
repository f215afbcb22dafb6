"""Backups: a restore drill on the backend under test, and what a restore refuses.

One source database is built for the module (the example files, a witness sealed with a key,
audit entries, and evidence files written into the store by hand, one of them stored
encrypted so that its name is not the hash of its bytes) and backed up once.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import BACKEND, EXAMPLES, SERVER_URL, civharm

# Counts every table, the audit log's head, and checks its chain, in a process of its own.
DESCRIBE = """
import json, sys
from civharm.services import audit, database
database.configure(sys.argv[1])
database.require_ready()
from django.db import connection
with connection.cursor() as cursor:
    tables = {}
    for name in sorted(connection.introspection.table_names(cursor)):
        cursor.execute('SELECT count(*) FROM "%s"' % name)
        tables[name] = cursor.fetchone()[0]
count, head = audit.head()
print(json.dumps({"tables": tables, "entries": count, "head": head,
                  "intact": audit.verify(expected_head=head).intact}))
"""

RECORD = """
import sys
from civharm.services import audit, database
database.configure(sys.argv[1])
database.require_ready()
for number in range(1, 4):
    audit.record("incident.review", actor="cli:drill", target=f"incident:RQ000{number}",
                 details={"note": "restore drill", "n": number})
"""


def _python(script: str, db: str, env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-c", script, db], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _describe(db: str, evidence: Path) -> dict[str, object]:
    return dict(json.loads(_python(DESCRIBE, db, {"CIVHARM_EVIDENCE_DIR": str(evidence)})))


def _store_path(name: str) -> str:
    return f"{name[:2]}/{name[2:4]}/{name}"


def _store_files(folder: Path) -> dict[str, str]:
    """Every file under the store (tmp/ excluded), relative path -> SHA-256 of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] != "tmp"}


def _make_database(folder: Path) -> tuple[str, Callable[[], None]]:
    name = f"civharm_t_{uuid.uuid4().hex[:12]}"
    if BACKEND == "sqlite":
        return str(folder / f"{name}.db"), lambda: None
    import psycopg

    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(SERVER_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{SERVER_URL.rsplit('/', 1)[0]}/{name}", drop


@dataclass(frozen=True)
class Source:
    db: str
    evidence: Path
    key: Path
    archive: Path
    described: dict[str, object]
    backup_output: str


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    root = tmp_path_factory.mktemp("backup-source")
    db, drop = _make_database(root)
    evidence = root / "evidence"
    vault = root / "vault"
    vault.mkdir(mode=0o700)
    key = vault / "witness.key"
    env = {"CIVHARM_EVIDENCE_DIR": str(evidence), "CIVHARM_SECRET_KEY_FILE": str(key)}
    civharm("init", db=db, check=True, env=env)
    civharm("keygen", str(key), db=db, check=True, env=env)
    civharm("import", *(str(EXAMPLES / f) for f in (
        "incidents.csv", "sources.csv", "claims.csv", "victims.csv")), db=db, check=True,
        env=env)
    civharm("witness", "add", "--incident", "RQ0001", "--name", "Drill Witness",
            "--contact", "+000 0000", db=db, check=True, env=env)
    _python(RECORD, db, env)
    # Evidence written into the store's layout by hand: a plain file named by its hash, and
    # an "encrypted" one whose name is the plaintext's hash while its bytes differ.
    plain = b"%PDF-1.4 an example report\n" + bytes(range(256)) * 40
    name = hashlib.sha256(plain).hexdigest()
    (evidence / _store_path(name)).parent.mkdir(parents=True)
    (evidence / _store_path(name)).write_bytes(plain)
    sealed_name = hashlib.sha256(b"interview audio").hexdigest()
    (evidence / _store_path(sealed_name)).parent.mkdir(parents=True, exist_ok=True)
    (evidence / _store_path(sealed_name)).write_bytes(os.urandom(3000))
    (evidence / "tmp").mkdir()
    (evidence / "tmp" / "partial-upload").write_bytes(b"half a file")
    # A key copied into the store folder by mistake must not reach the backup either.
    (evidence / "stray.key").write_bytes(key.read_bytes())
    archive = root / "drill.civharm-backup.tar.gz"
    made = civharm("backup", str(archive), db=db, check=True, env=env)
    try:
        yield Source(db, evidence, key, archive, _describe(db, evidence), made.stdout)
    finally:
        drop()


def _restore(archive: Path, target: str, evidence: Path) -> subprocess.CompletedProcess[str]:
    return civharm("restore", str(archive), "--to", target,
                   env={"CIVHARM_EVIDENCE_DIR": str(evidence)})


def _assert_nothing_written(target: str, evidence: Path) -> None:
    assert not evidence.exists()
    assert not [p.name for p in evidence.parent.iterdir() if ".restore" in p.name]
    if BACKEND == "sqlite":
        assert not [p for p in Path(target).parent.iterdir() if p.name.startswith(
            (Path(target).name, f".{Path(target).name}"))]
        return
    import psycopg

    with psycopg.connect(target) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert tables.fetchone() == (0,)


def test_backup_holds_database_evidence_and_manifest(source: Source) -> None:
    with tarfile.open(source.archive, "r:gz") as archive:
        names = archive.getnames()
        manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
    expected_member = "database.sqlite3" if BACKEND == "sqlite" else "database.pgdump"
    assert names[0] == "manifest.json"
    assert expected_member in names
    assert sorted(n for n in names if n.startswith("evidence/")) == sorted(
        f"evidence/{p}" for p in _store_files(source.evidence) if p != "stray.key")
    assert not any("tmp" in n.split("/") or n.endswith(".key") for n in names)
    assert manifest["backend"] == BACKEND
    assert manifest["tables"] == source.described["tables"]
    assert manifest["audit"] == {"entries": source.described["entries"],
                                 "head": source.described["head"]}
    assert {e["path"]: e["sha256"] for e in manifest["evidence"]} == {
        p: h for p, h in _store_files(source.evidence).items() if p != "stray.key"}
    assert (source.archive.stat().st_mode & 0o077) == 0
    assert str(source.described["head"]) in source.backup_output
    assert "not in the backup" in source.backup_output


def test_restore_drill_gives_back_the_same_records_audit_log_and_evidence(
        source: Source, new_database: Callable[[], str], tmp_path: Path) -> None:
    target = new_database()
    evidence = tmp_path / "restored-evidence"
    restored = _restore(source.archive, target, evidence)
    assert restored.returncode == 0, restored.stderr
    assert "chain intact" in restored.stdout
    after = _describe(target, evidence)
    assert after["tables"] == source.described["tables"]
    assert after["entries"] == source.described["entries"]
    assert int(str(after["entries"])) >= 3
    assert after["head"] == source.described["head"]
    assert after["intact"] is True
    assert _store_files(evidence) == {
        p: h for p, h in _store_files(source.evidence).items() if p != "stray.key"}
    # The restored database works, and the witness is still sealed under the same key.
    listed = civharm("witness", "list", "--show-identities", "--json", db=target,
                     env={"CIVHARM_EVIDENCE_DIR": str(evidence),
                          "CIVHARM_SECRET_KEY_FILE": str(source.key)})
    assert listed.returncode == 0, listed.stderr
    assert "Drill Witness" in listed.stdout


def _tampered(archive: Path, out: Path, member_prefix: str) -> None:
    """Change one byte inside a member's data and write a well-formed archive again."""
    raw = bytearray(gzip.decompress(archive.read_bytes()))
    with tarfile.open(fileobj=io.BytesIO(bytes(raw))) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith(member_prefix))
        offset = member.offset_data + member.size // 2
    raw[offset] ^= 0x01
    out.write_bytes(gzip.compress(bytes(raw)))


@pytest.mark.parametrize("member", ["evidence/", "database."])
def test_a_tampered_archive_is_refused_and_nothing_is_written(
        source: Source, new_database: Callable[[], str], tmp_path: Path, member: str) -> None:
    bad = tmp_path / "tampered.tar.gz"
    _tampered(source.archive, bad, member)
    target = new_database()
    evidence = tmp_path / "restored-evidence"
    refused = _restore(bad, target, evidence)
    assert refused.returncode == 1
    assert "does not match its SHA-256" in refused.stderr
    assert member in refused.stderr
    assert "Traceback" not in refused.stderr
    _assert_nothing_written(target, evidence)


def test_a_damaged_file_is_refused(source: Source, new_database: Callable[[], str],
                                   tmp_path: Path) -> None:
    data = bytearray(source.archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "damaged.tar.gz"
    bad.write_bytes(bytes(data))
    target = new_database()
    evidence = tmp_path / "restored-evidence"
    refused = _restore(bad, target, evidence)
    assert refused.returncode == 1
    assert "error: the backup" in refused.stderr and "Traceback" not in refused.stderr
    _assert_nothing_written(target, evidence)


def test_restore_refuses_a_database_or_evidence_folder_that_holds_data(
        source: Source, new_database: Callable[[], str], tmp_path: Path) -> None:
    refused = _restore(source.archive, source.db, tmp_path / "empty-evidence")
    assert refused.returncode == 1
    assert "already holds" in refused.stderr
    assert not (tmp_path / "empty-evidence").exists()
    target = new_database()
    refused = _restore(source.archive, target, source.evidence)
    assert refused.returncode == 1
    assert "evidence folder" in refused.stderr and "already holds files" in refused.stderr
    after = _describe(source.db, source.evidence)
    assert after == source.described


def test_restore_refuses_the_other_backend(source: Source, tmp_path: Path) -> None:
    other = (f"{tmp_path}/other.db" if BACKEND == "postgresql"
             else "postgresql://nobody@127.0.0.1:1/none")
    refused = _restore(source.archive, other, tmp_path / "evidence")
    assert refused.returncode == 1
    assert "can only be restored into" in refused.stderr


def test_backup_never_overwrites(source: Source) -> None:
    before = source.archive.read_bytes()
    again = civharm("backup", str(source.archive), db=source.db,
                    env={"CIVHARM_EVIDENCE_DIR": str(source.evidence)})
    assert again.returncode == 1 and "already exists" in again.stderr
    assert source.archive.read_bytes() == before


def test_the_key_is_never_in_a_backup(source: Source) -> None:
    key_text = source.key.read_bytes().strip()
    secret = __import__("base64").urlsafe_b64decode(key_text.split(b":")[2])
    everything = gzip.decompress(source.archive.read_bytes())
    assert key_text not in everything
    assert secret not in everything
    assert key_text.split(b":")[2] not in everything


def test_a_restore_that_fails_its_checks_removes_what_it_wrote(
        source: Source, new_database: Callable[[], str], tmp_path: Path) -> None:
    """Members that match a manifest whose counts do not match the database: the restore
    installs, checks, finds the difference, and takes everything away again."""
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(source.archive, "r:gz") as old, tarfile.open(forged, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["tables"]["civharm_incident"] += 1
                data = json.dumps(manifest).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    target = new_database()
    evidence = tmp_path / "restored-evidence"
    refused = _restore(forged, target, evidence)
    assert refused.returncode == 1
    assert "civharm_incident" in refused.stderr and "nothing was restored" in refused.stderr
    _assert_nothing_written(target, evidence)
