"""Every kind of change made through the command line leaves an audit entry, the chain
verifies, and a witness's identity (a canary) never reaches the log."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

from civharm.domain.sealing import write_key_file
from conftest import BACKEND, EXAMPLES, civharm
from test_matching_service import RELEASE
from test_verdict_linking import REPORT

EXAMPLE_FILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".csv", ".json", ".xlsx"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_working_session_is_audited_end_to_end(fresh_database_url: str, tmp_path: Path) -> None:
    db = fresh_database_url
    canary = f"CANARY{uuid.uuid4().hex.upper()}"
    civharm("init", db=db, check=True)
    civharm("import", *map(str, EXAMPLE_FILES), db=db, check=True)
    civharm("incident", "add", "--code", "RQ9001", "--date", "2017-07-02", "--place", "Raqqa",
            db=db, check=True)
    civharm("victim", "add", "--id", "V9001", "--incident", "RQ0001", "--name", "Unnamed",
            "--fate", "killed", db=db, check=True)
    civharm("incident", "grade", "RQ0002", "--grade", "weak", "--reason", "one source",
            "--by", "analyst-a", db=db, check=True)
    civharm("incident", "not-duplicate", "RQ0001", "RQ0002", db=db, check=True)
    civharm("incident", "merge", "RQ0005", "RQ9001", db=db, check=True)
    release = tmp_path / "2017-06-30.txt"
    release.write_text(RELEASE, encoding="utf-8")
    civharm("parse", "strike-release", str(release), "--import", db=db, check=True)
    report = tmp_path / "2017-11.txt"
    report.write_text(REPORT, encoding="utf-8")
    civharm("parse", "civcas-report", str(report), "--import", db=db, check=True)
    civharm("match", "strikes", db=db, check=True)
    civharm("match", "incidents", db=db, check=True)
    civharm("link", "victims", db=db, check=True)
    civharm("review", "accept", "V0001", "V0002", "--by", "analyst-b", db=db, check=True)

    vault = tmp_path / "vault"
    vault.mkdir(mode=0o700)
    key = vault / "witness.key"
    write_key_file(key)
    with_key = {"CIVHARM_SECRET_KEY_FILE": str(key)}
    statement = tmp_path / "statement.txt"
    statement.write_text(f"I saw it. {canary}-statement\n", encoding="utf-8")
    civharm("witness", "add", "--incident", "RQ0001", "--code", "W-AUDIT1",
            "--name", f"{canary}-name", "--contact", f"{canary}-contact",
            "--home", f"{canary}-home", "--statement-file", str(statement),
            db=db, env=with_key, check=True)
    shown = civharm("witness", "list", "--show-identities", "--json", db=db, env=with_key,
                    check=True)
    assert canary in shown.stdout  # opened for the holder of the key, and recorded below
    civharm("export", str(tmp_path / "public.json"), db=db, check=True)

    listed = civharm("audit", "list", "--json", "--limit", "0", db=db, check=True).stdout
    assert canary not in listed
    entries = [json.loads(line) for line in listed.splitlines()]
    seen = {(e["action"], e["target"]) for e in entries}
    expected = {
        *(("import.file", f"import:{_sha256(p)}") for p in EXAMPLE_FILES),
        ("incident.add", "incident:RQ9001"),
        ("victim.add", "victim:V9001"),
        ("incident.grade", "incident:RQ0002"),
        ("incident.not_duplicate", "incident:RQ0001"),
        ("incident.not_duplicate", "incident:RQ0002"),
        ("incident.merge", "incident:RQ0005"),
        ("incident.merged_into", "incident:RQ9001"),
        ("import.strike_release", f"import:{_sha256(release)}"),
        ("import.civcas_report", f"import:{_sha256(report)}"),
        ("verdicts.link", "verdicts"),
        ("strikes.match", "strike_matches"),
        ("duplicates.suggest", "duplicates"),
        ("victims.link", "linkage"),
        ("victims.same_person", "victim:V0001"),
        ("victims.same_person", "victim:V0002"),
        ("witness.add", "witness:W-AUDIT1"),
        ("witness.identity_opened", "witness:W-AUDIT1"),
        ("export.write", "export:public.json"),
    }
    assert expected <= seen, sorted(expected - seen)
    by_action = {e["action"]: e for e in entries}
    assert by_action["incident.grade"]["actor"] == "analyst-a"
    assert by_action["victims.same_person"]["actor"] == "analyst-b"
    assert by_action["export.write"]["actor"].startswith("cli")
    assert by_action["export.write"]["details"]["path"] == "public.json"
    assert by_action["witness.add"]["details"] == {"incident": "RQ0001"}
    victim = by_action["victim.add"]["details"]
    assert "Unnamed" not in json.dumps(victim) and "name" in victim["fields"]

    verified = civharm("audit", "verify", db=db, check=True)
    assert f"{len(entries)} entries checked" in verified.stdout
    _assert_canary_absent_from_the_stored_log(db, canary)


def _assert_canary_absent_from_the_stored_log(db: str, canary: str) -> None:
    query = "SELECT actor, action, target, details FROM civharm_auditentry"
    if BACKEND == "sqlite":
        import sqlite3

        with sqlite3.connect(db) as connection:
            rows = connection.execute(query).fetchall()
    else:
        import psycopg

        with psycopg.connect(db) as connection:
            rows = connection.execute(query).fetchall()
    assert rows
    assert canary not in json.dumps(rows, ensure_ascii=False)
