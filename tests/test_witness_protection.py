"""Canary tests: a witness's identity never leaves the ciphertext without the key.

A witness is added whose name, contact, home and statement carry a unique canary string.
The canary must be absent from the database as stored (the SQLite file and its write-ahead
log, or a pg_dump), every export, every listing and every error, and present only when the
holder of the key asks for identities.
"""

from __future__ import annotations

import base64
import glob
import json
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import BACKEND, civharm, rename_table


def _canary() -> str:
    return f"CANARY{uuid.uuid4().hex.upper()}"


def _key_env(key: Path) -> dict[str, str]:
    return {"CIVHARM_SECRET_KEY_FILE": str(key)}


def _make_key(tmp_path: Path, db: str) -> Path:
    folder = tmp_path / "vault"
    folder.mkdir(mode=0o700)
    key = folder / "witness.key"
    civharm("keygen", str(key), db=db, check=True)
    return key


def _setup(db: str) -> None:
    civharm("init", db=db, check=True)
    civharm("incident", "add", "--code", "RQ0001", "--date", "2017-06-30", "--place", "Raqqa",
            "--lat", "35.95", "--lon", "39.01", "--precision", "neighbourhood", db=db,
            check=True)


@contextmanager
def _holding_the_write_ahead_log(db: str) -> Iterator[None]:
    """Keep a connection open so the last writer does not fold the -wal file away.

    The canary is then searched for in the log as well as the main file.
    """
    if BACKEND != "sqlite":
        yield
        return
    connection = sqlite3.connect(db)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
        yield
    finally:
        connection.close()


def _stored_bytes(db: str) -> bytes:
    """The database as an attacker who copies it would have it."""
    if BACKEND == "sqlite":
        files = [Path(p) for p in glob.glob(db + "*")]
        assert Path(db) in files
        return b"".join(p.read_bytes() for p in files)
    dumps = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))
    if not dumps:
        pytest.fail("pg_dump not found under /usr/lib/postgresql/*/bin")
    dump = subprocess.run([dumps[-1], "--dbname", db, "--no-owner"], capture_output=True,
                          timeout=120, check=True)
    assert b"civharm_witness" in dump.stdout
    return dump.stdout


def _assert_absent(canary: str, text: str | bytes, where: str) -> None:
    data = text.encode("utf-8") if isinstance(text, str) else text
    assert canary.encode("utf-8") not in data, f"the canary leaked into {where}"


def _failed_plainly(result: subprocess.CompletedProcess[str], canary: str, what: str) -> None:
    assert result.returncode != 0, f"{what} should have failed"
    assert "Traceback" not in result.stdout + result.stderr, what
    _assert_absent(canary, result.stdout + result.stderr, f"the output of failing {what}")


def test_the_canary_is_only_visible_to_the_holder_of_the_key(
    fresh_database_url: str, tmp_path: Path
) -> None:
    db = fresh_database_url
    canary = _canary()
    _setup(db)
    key = _make_key(tmp_path, db)
    statement = tmp_path / "statement.txt"
    statement.write_text(f"I saw the strike from my window. {canary}-statement\n",
                         encoding="utf-8")

    with _holding_the_write_ahead_log(db):
        added = civharm("witness", "add", "--incident", "RQ0001", "--name", f"{canary}-name",
                        "--contact", f"+963 {canary}-contact", "--home", f"{canary}-home",
                        "--statement-file", str(statement), "--code", "W-TEST1",
                        db=db, env=_key_env(key), check=True)
        _assert_absent(canary, added.stdout + added.stderr, "witness add's output")
        if BACKEND == "sqlite":
            assert Path(db + "-wal").exists(), "the write-ahead log was folded away"
        stored = _stored_bytes(db)
    assert b"W-TEST1" in stored and b"RQ0001" in stored  # the search sees the witness row
    _assert_absent(canary, stored, "the stored database")
    # Nor is the key beside the data, in any form.
    secret_text = key.read_text(encoding="ascii").strip()
    secret = base64.urlsafe_b64decode(secret_text.rsplit(":", 1)[1])
    _assert_absent(secret_text, stored, "the stored database (key file text)")
    assert secret not in stored, "the raw key is in the stored database"

    # Every export format.
    exports = tmp_path / "exports"
    exports.mkdir()
    for fmt, target in (("csv", exports / "csv"), ("json", exports / "public.json"),
                        ("geojson", exports / "public.geojson")):
        result = civharm("export", str(target), "--format", fmt, db=db, env=_key_env(key),
                         check=True)
        _assert_absent(canary, result.stdout + result.stderr, f"export --format {fmt} output")
    written = [p for p in exports.rglob("*") if p.is_file()]
    assert len(written) >= 3
    assert b"RQ0001" in b"".join(p.read_bytes() for p in written)
    for path in written:
        _assert_absent(canary, path.read_bytes(), f"the export {path.name}")

    # Every listing that is not asked for identities, even with the key configured.
    for args in (("stats",), ("stats", "--json"), ("incident", "show", "RQ0001"),
                 ("incident", "show", "RQ0001", "--json"), ("incident", "list"),
                 ("witness", "list"), ("witness", "list", "--json")):
        result = civharm(*args, db=db, env=_key_env(key), check=True)
        _assert_absent(canary, result.stdout + result.stderr, " ".join(args))
        assert ("W-TEST1" if args[0] == "witness" else "RQ0001") in result.stdout \
            or args[0] == "stats"
    listed = civharm("witness", "list", "--json", db=db, env=_key_env(key), check=True)
    assert json.loads(listed.stdout) == {"code": "W-TEST1", "incident": "RQ0001"}

    # Failing commands say what is wrong and never echo the identity.
    no_key = {"CIVHARM_SECRET_KEY_FILE": ""}
    other_key = tmp_path / "other" / "witness.key"
    other_key.parent.mkdir(mode=0o700)
    civharm("keygen", str(other_key), db=db, check=True)
    failing = {
        "witness list --show-identities without a key": (
            ("witness", "list", "--show-identities"), no_key),
        "witness list --show-identities with another key": (
            ("witness", "list", "--show-identities"), _key_env(other_key)),
        "witness add without a key": (
            ("witness", "add", "--incident", "RQ0001", "--name", f"{canary}-name2",
             "--contact", f"{canary}-contact2"), no_key),
        "witness add to an unknown incident": (
            ("witness", "add", "--incident", "NOPE", "--name", f"{canary}-name3",
             "--contact", f"{canary}-contact3"), _key_env(key)),
        "witness add with a taken code": (
            ("witness", "add", "--incident", "RQ0001", "--code", "W-TEST1",
             "--name", f"{canary}-name4"), _key_env(key)),
        "witness add without an incident": (
            ("witness", "add", "--name", f"{canary}-name5"), _key_env(key)),
        "witness add with an empty name": (
            ("witness", "add", "--incident", "RQ0001", "--name", " ",
             "--contact", f"{canary}-contact6"), _key_env(key)),
    }
    for what, (args, env) in failing.items():
        _failed_plainly(civharm(*args, db=db, env=env), canary, what)
    without = civharm("witness", "list", "--show-identities", db=db, env=no_key)
    assert "CIVHARM_SECRET_KEY_FILE" in without.stderr and "civharm keygen" in without.stderr
    wrong = civharm("witness", "list", "--show-identities", db=db, env=_key_env(other_key))
    assert "W-TEST1" in wrong.stderr and "key" in wrong.stderr
    # None of the failed adds wrote anything.
    listed = civharm("witness", "list", "--json", db=db, env=_key_env(key), check=True)
    assert listed.stdout.strip().count("\n") == 0

    # The holder of the key sees everything.
    shown = civharm("witness", "list", "--show-identities", "--json", db=db,
                    env=_key_env(key), check=True)
    row = json.loads(shown.stdout)
    assert row["name"] == f"{canary}-name"
    assert row["contact"] == f"+963 {canary}-contact"
    assert row["home"] == f"{canary}-home"
    assert row["statement"] == statement.read_text(encoding="utf-8")
    assert "only to the holder of the key" in shown.stderr
    table = civharm("witness", "list", "--show-identities", db=db, env=_key_env(key),
                    check=True)
    assert "W-TEST1" in table.stdout and "I saw the strike" in table.stdout


def _swap_ciphertexts(db: str, first: str, second: str) -> None:
    query = ("UPDATE civharm_witness SET identity_ciphertext = "
             "(SELECT identity_ciphertext FROM civharm_witness WHERE code = %s) WHERE code = %s")
    if BACKEND == "sqlite":
        with sqlite3.connect(db) as connection:
            connection.execute(query.replace("%s", "?"), (first, second))
        return
    import psycopg

    with psycopg.connect(db, autocommit=True) as connection:
        connection.execute(query, (first, second))


def test_a_ciphertext_moved_to_another_witness_does_not_open(
    fresh_database_url: str, tmp_path: Path
) -> None:
    db = fresh_database_url
    canary = _canary()
    _setup(db)
    key = _make_key(tmp_path, db)
    for code in ("W-A", "W-B"):
        civharm("witness", "add", "--incident", "RQ0001", "--code", code,
                "--name", f"{canary}-{code}", db=db, env=_key_env(key), check=True)
    _swap_ciphertexts(db, "W-A", "W-B")
    result = civharm("witness", "list", "--show-identities", db=db, env=_key_env(key))
    _failed_plainly(result, canary, "witness list after a ciphertext was moved")
    assert "W-B" in result.stderr and "moved from another witness" in result.stderr


def test_keygen_writes_an_owner_only_key_and_never_overwrites(
    fresh_database_url: str, tmp_path: Path
) -> None:
    key = _make_key(tmp_path, fresh_database_url)
    assert key.stat().st_mode & 0o777 == 0o600
    before = key.read_bytes()
    again = civharm("keygen", str(key), db=fresh_database_url)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert "Traceback" not in again.stderr
    assert key.read_bytes() == before


def test_a_key_readable_by_others_is_refused(fresh_database_url: str, tmp_path: Path) -> None:
    db = fresh_database_url
    _setup(db)
    key = _make_key(tmp_path, db)
    key.chmod(0o644)
    result = civharm("witness", "list", "--show-identities", db=db, env=_key_env(key))
    assert result.returncode == 1 and "chmod 600" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(BACKEND != "sqlite", reason="only a SQLite database is a file in a folder")
def test_a_key_beside_the_sqlite_database_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "civharm.db")
    _setup(db)
    beside = tmp_path / "witness.key"
    made = civharm("keygen", str(beside), db=db)
    assert made.returncode == 1 and "same folder as the database" in made.stderr
    assert not beside.exists()
    # A key put there by hand is refused when used, too.
    elsewhere = _make_key(tmp_path, db)
    beside.write_bytes(elsewhere.read_bytes())
    beside.chmod(0o600)
    used = civharm("witness", "add", "--incident", "RQ0001", "--name", "x", db=db,
                   env=_key_env(beside))
    assert used.returncode == 1 and "same folder as the database" in used.stderr


def test_a_failure_while_adding_a_witness_keeps_the_identity_out_of_output_and_log(
    fresh_database_url: str, tmp_path: Path
) -> None:
    db = fresh_database_url
    canary = _canary()
    _setup(db)
    key = _make_key(tmp_path, db)
    # Break the witness table behind civharm's back: the add fails unexpectedly, after the
    # identity has been read and sealed.
    rename_table(db, "civharm_witness", "civharm_witness_gone")
    log = tmp_path / "failures.log"
    failed = civharm("witness", "add", "--incident", "RQ0001", "--name", f"{canary}-name",
                     "--contact", f"{canary}-contact", "--home", f"{canary}-home",
                     db=db, env={**_key_env(key), "CIVHARM_LOG_FILE": str(log)})
    assert failed.returncode == 70, failed.stderr
    assert "error id E-" in failed.stderr
    _assert_absent(canary, failed.stdout + failed.stderr, "the failing command's output")
    kept = log.read_text(encoding="utf-8")
    assert "Traceback" in kept  # the details were kept…
    _assert_absent(canary, kept, "the failure log")  # …and the identity is not among them
