"""The evidence store: content addressing, working copies, sealed confidential files, the
chain of custody, and ``civharm verify``. The services run in-process (fast); one test drives
the whole command line as a user would."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from civharm.domain.sealing import write_key_file
from civharm.services import audit
from civharm.services import evidence as ev
from civharm.services.errors import NotFound, UserError
from conftest import civharm

CANARY = "CANARY-7f3a9c-witness-voice"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "store"
    monkeypatch.setenv("CIVHARM_EVIDENCE_DIR", str(folder))
    monkeypatch.delenv("CIVHARM_SECRET_KEY_FILE", raising=False)
    return folder


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "civharm.key"
    path.parent.mkdir()
    write_key_file(path)
    return path


def write(path: Path, data: bytes) -> tuple[Path, str]:
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def at(store: Path, sha: str) -> Path:
    return store / sha[:2] / sha[2:4] / sha


def actions(sha: str) -> list[str]:
    return [line.action for line in ev.evidence_custody(sha)[1]]


def row(sha: str) -> Any:
    from civharm.store.models import EvidenceFile

    return EvidenceFile.objects.get(sha256=sha)


def database_text() -> str:
    """Every row of every table, as text to search."""
    from django.db import connection

    text = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            text.append(repr(cursor.fetchall()))
    return "\n".join(text)


@pytest.mark.django_db
def test_content_addressing_and_idempotent_re_add(store: Path, tmp_path: Path) -> None:
    data = os.urandom(300_000)
    path, sha = write(tmp_path / "strike-site.jpg", data)
    added = ev.add_evidence(path, reason="photographed at the site")
    assert (added.sha256, added.size, added.created, added.stored_now) == (sha, 300_000, True,
                                                                            True)
    assert at(store, sha).read_bytes() == data
    stored = row(sha)
    assert (stored.stored, stored.confidential, stored.size) == (True, False, 300_000)
    assert (stored.original_name, stored.media_type) == ("strike-site.jpg", "image/jpeg")

    # The same bytes under another name are the same evidence: nothing changes.
    copy, _ = write(tmp_path / "copy.jpg", data)
    for again in (path, copy):
        assert not ev.add_evidence(again, reason="again").changed
    assert [line.sha256 for line in ev.evidence_lines()] == [sha]
    assert actions(sha[:10]) == ["evidence.add"]
    assert [p.name for p in store.rglob("*") if p.is_file()] == [sha]
    report = ev.verify_store()
    assert report.ok and report.checked == 1 and report.audit_entries == 1


@pytest.mark.django_db
def test_a_cited_file_becomes_stored_and_links_to_its_source(store: Path,
                                                             tmp_path: Path) -> None:
    from civharm.services.importing import import_files

    path, sha = write(tmp_path / "report.pdf", b"%PDF-1.4 a report")
    sources = tmp_path / "sources.csv"
    sources.write_text(f"source_id,kind,evidence_sha256\nNGO-1,ngo_report,{sha}\n"
                       "NGO-2,ngo_report,\n", encoding="utf-8")
    import_files([sources])
    assert row(sha).stored is False
    report = ev.verify_store()
    assert report.ok and report.never_stored == 1  # informational only

    with pytest.raises(NotFound, match="no source with key 'NOPE'"):
        ev.add_evidence(path, source_key="NOPE")
    added = ev.add_evidence(path, source_key="NGO-2", reason="received")
    assert (added.created, added.stored_now, added.linked_source) == (False, True, "NGO-2")
    assert row(sha).stored is True
    assert sorted(s.key for s in row(sha).sources.all()) == ["NGO-1", "NGO-2"]
    entries = ev.evidence_custody(sha)[1]
    assert [e.action for e in entries] == ["evidence.add", "evidence.link"]
    assert entries[0].details["was_cited_before"] is True
    assert entries[1].details == {"reason": "received", "source": "NGO-2"}
    assert ev.verify_store().never_stored == 0


@pytest.mark.django_db
def test_working_copies_name_their_original_which_never_changes(store: Path,
                                                                tmp_path: Path) -> None:
    original, original_sha = write(tmp_path / "video.mp4", os.urandom(50_000))
    copy, copy_sha = write(tmp_path / "still.png", os.urandom(20_000))
    ev.add_evidence(original, reason="from the witness")
    before = at(store, original_sha).read_bytes()

    with pytest.raises(UserError, match="--derivation"):
        ev.add_evidence(copy, derived_from=original_sha[:8])
    with pytest.raises(NotFound, match="no evidence file"):
        ev.add_evidence(copy, derived_from="ab" * 32, derivation="a still")
    with pytest.raises(UserError, match="identical to its original"):
        ev.add_evidence(original, derived_from=original_sha, derivation="itself")

    ev.add_evidence(copy, derived_from=original_sha[:8], derivation="still at 00:41, faces "
                    "blurred", reason="for the report")
    working = row(copy_sha)
    assert working.derived_from.sha256 == original_sha
    assert working.derivation == "still at 00:41, faces blurred"
    assert row(original_sha).derived_from is None
    assert at(store, original_sha).read_bytes() == before == original.read_bytes()
    entries = ev.evidence_custody(copy_sha)[1]
    assert [e.action for e in entries] == ["evidence.derive"]
    assert entries[0].details["derived_from"] == original_sha
    assert actions(original_sha) == ["evidence.add", "evidence.derived"]
    assert ev.verify_store().ok


@pytest.mark.django_db
def test_confidential_files_are_sealed_at_rest(store: Path, tmp_path: Path, key_file: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    data = (f"interview audio transcript: {CANARY}\n" * 200_000).encode()  # several chunks
    path, sha = write(tmp_path / f"{CANARY}.txt", data)
    with pytest.raises(UserError, match="no key is configured"):
        ev.add_evidence(path, confidential=True)
    assert not store.exists() or not any(p.is_file() for p in store.rglob("*"))

    monkeypatch.setenv("CIVHARM_SECRET_KEY_FILE", str(key_file))
    ev.add_evidence(path, confidential=True, reason="interview")
    on_disk = b"".join(p.read_bytes() for p in store.rglob("*") if p.is_file())
    assert at(store, sha).is_file()
    assert CANARY.encode() not in on_disk and b"interview audio" not in on_disk
    assert CANARY not in database_text()
    stored = row(sha)
    assert stored.confidential and stored.size == len(data)
    assert stored.original_name == ""  # a file's name often names the person

    # With the key, the exact bytes come back; without it, nothing does.
    out = tmp_path / "out.txt"
    ev.get_evidence(sha, out, reason="transcribe")
    assert out.read_bytes() == data
    report = ev.verify_store()
    assert report.ok and report.checked == 1 and report.unchecked == []

    # Adding the same bytes in the clear never stores an unsealed copy.
    assert not ev.add_evidence(path).changed
    assert CANARY.encode() not in at(store, sha).read_bytes()

    monkeypatch.delenv("CIVHARM_SECRET_KEY_FILE")
    with pytest.raises(UserError, match="no key is configured"):
        ev.get_evidence(sha, tmp_path / "again.txt", reason="transcribe")
    assert not (tmp_path / "again.txt").exists()
    report = ev.verify_store()
    assert report.ok and report.checked == 0 and report.unchecked == [sha]

    # A sealed file with one byte flipped, or cut short, no longer opens: altered.
    monkeypatch.setenv("CIVHARM_SECRET_KEY_FILE", str(key_file))
    sealed = at(store, sha).read_bytes()
    flipped = bytearray(sealed)
    flipped[-5] ^= 0x01
    for damaged in (bytes(flipped), sealed[:1024 * 1024 + 16 + 22]):
        at(store, sha).write_bytes(damaged)
        assert ev.verify_store().altered == [sha]
        with pytest.raises(UserError, match="does not open"):
            ev.get_evidence(sha, tmp_path / "bad.txt", reason="r")
    # Adding the original again restores it.
    assert ev.add_evidence(path, confidential=True, reason="from the field copy").action == \
        "evidence.restore"
    assert ev.verify_store().ok


@pytest.mark.django_db
def test_files_stored_in_the_clear_can_be_sealed_later(store: Path, tmp_path: Path,
                                                      key_file: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path, sha = write(tmp_path / "photo.jpg", f"a witness photo {CANARY}".encode())
    ev.add_evidence(path)
    monkeypatch.setenv("CIVHARM_SECRET_KEY_FILE", str(key_file))
    sealed = ev.add_evidence(path, confidential=True, reason="it shows a witness")
    assert sealed.action == "evidence.seal"
    assert CANARY.encode() not in at(store, sha).read_bytes()
    assert row(sha).confidential and row(sha).original_name == ""
    assert actions(sha) == ["evidence.add", "evidence.seal"]
    assert ev.verify_store().ok


@pytest.mark.django_db
def test_get_needs_a_reason_and_is_in_the_chain_of_custody(store: Path, tmp_path: Path) -> None:
    data = os.urandom(10_000)
    path, sha = write(tmp_path / "audio.ogg", data)
    ev.add_evidence(path, reason="interview in the field")
    out = tmp_path / "copy.ogg"
    for blank in ("", "  "):
        with pytest.raises(UserError, match="reason"):
            ev.get_evidence(sha, out, reason=blank)
    assert not out.exists()
    ev.get_evidence(sha[:12], out, reason="court filing", actor="web:analyst-1")
    assert out.read_bytes() == data
    with pytest.raises(UserError, match="already exists"):
        ev.get_evidence(sha, out, reason="again")
    with pytest.raises(UserError, match="at least"):
        ev.get_evidence(sha[:3], tmp_path / "x", reason="r")

    entries = ev.evidence_custody(sha)[1]
    assert [(e.action, e.details["reason"], e.actor) for e in entries] == [
        ("evidence.add", "interview in the field", audit.cli_actor()),
        ("evidence.download", "court filing", "web:analyst-1")]
    assert audit.verify().intact
    assert ev.verify_store().audit_problem == ""


@pytest.mark.django_db
def test_verify_names_missing_altered_and_orphan_files(store: Path, tmp_path: Path) -> None:
    files = [write(tmp_path / f"f{n}.bin", os.urandom(5_000 + n)) for n in range(4)]
    for path, _ in files:
        ev.add_evidence(path)
    (_, missing), (_, altered), (_, kept), (gone_path, restored) = files
    at(store, missing).unlink()
    at(store, restored).unlink()
    flipped = bytearray(at(store, altered).read_bytes())
    flipped[100] ^= 0xFF
    at(store, altered).write_bytes(bytes(flipped))
    orphan_bytes = os.urandom(3_000)
    orphan = hashlib.sha256(orphan_bytes).hexdigest()
    at(store, orphan).parent.mkdir(parents=True, exist_ok=True)
    at(store, orphan).write_bytes(orphan_bytes)
    (store / "notes.txt").write_text("put here by hand")
    leftover = store / "tmp" / "123-abc.part"
    leftover.write_bytes(b"half a file")
    os.utime(leftover, (time.time() - 3600, time.time() - 3600))

    report = ev.verify_store()
    assert not report.ok
    assert report.missing == sorted([missing, restored])
    assert report.altered == [altered]
    assert report.orphans == [orphan]
    assert report.strays == ["notes.txt"]
    assert report.temporaries == ["tmp/123-abc.part"]
    assert report.checked == 2 and kept not in report.missing

    # An altered file is never handed out.
    with pytest.raises(UserError, match="altered"):
        ev.get_evidence(altered, tmp_path / "bad", reason="r")
    assert not (tmp_path / "bad").exists()

    # Temporary leftovers are not evidence: nobody holds them, so they are swept.
    assert ev.remove_stale_temporaries(store) == 1 and not leftover.exists()

    # Adding the original again restores it, and says so in its chain of custody; adding
    # the orphan's bytes adopts it.
    assert ev.add_evidence(gone_path, reason="from the field copy").action == "evidence.restore"
    assert actions(restored) == ["evidence.add", "evidence.restore"]
    orphan_path, _ = write(tmp_path / "orphan.bin", orphan_bytes)
    assert ev.add_evidence(orphan_path).action == "evidence.add"
    report = ev.verify_store()
    assert report.orphans == [] and report.missing == [missing]


def test_the_command_line(tmp_path: Path, fresh_database_url: str) -> None:
    """add, list, get, custody and verify as a user runs them, with their exit statuses."""
    db = fresh_database_url
    store = tmp_path / "store"
    env = {"CIVHARM_EVIDENCE_DIR": str(store), "CIVHARM_SECRET_KEY_FILE": ""}

    def run(*args: str):  # type: ignore[no-untyped-def]
        return civharm(*args, db=db, env=env)

    civharm("init", db=db, check=True)
    path, sha = write(tmp_path / "audio.ogg", os.urandom(20_000))
    first = run("evidence", "add", str(path), "--reason", "interview in the field")
    assert first.returncode == 0 and f"{sha}  audio.ogg: added" in first.stdout
    again = run("evidence", "add", str(path))
    assert "already stored; nothing changed" in again.stdout
    listed = [json.loads(line) for line in run("evidence", "list", "--json").stdout.splitlines()]
    assert [(r["sha256"], r["stored"]) for r in listed] == [(sha, True)]

    out = tmp_path / "copy.ogg"
    assert run("evidence", "get", sha, "--out", str(out)).returncode == 2  # --reason missing
    got = run("evidence", "get", sha[:10], "--out", str(out), "--reason", "court filing")
    assert got.returncode == 0 and out.read_bytes() == path.read_bytes()
    custody = run("evidence", "custody", sha[:10]).stdout
    assert "evidence.add" in custody and "interview in the field" in custody
    assert "evidence.download" in custody and "court filing" in custody
    refused = run("evidence", "add", str(path), "--confidential")
    assert refused.returncode == 1 and refused.stderr.splitlines()[-1].startswith("error: ")
    assert "no key is configured" in refused.stderr

    fine = run("verify")
    assert fine.returncode == 0 and "everything checks out" in fine.stdout
    assert "chain intact" in fine.stdout
    at(store, sha).write_bytes(b"not the recording")
    bad = run("verify")
    assert bad.returncode == 1 and "ALTERED" in bad.stderr and sha in bad.stderr
