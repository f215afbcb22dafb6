"""The audit log: a hash chain that the database will not let anyone change, and that
`civharm audit verify` checks end to end, naming the first entry that does not hold."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import BACKEND, EXAMPLES, SERVER_URL, civharm

EXAMPLE_FILES = sorted(str(p) for p in EXAMPLES.iterdir()
                       if p.suffix in (".csv", ".json", ".xlsx"))


# In-process: the chain itself.

@pytest.mark.django_db
def test_each_entry_links_to_the_one_before_and_verify_rehashes_them() -> None:
    from civharm.services import audit
    from civharm.store.models import AuditEntry

    count, start = audit.head()
    first = audit.record("test.first", actor="tester", target="thing:1",
                         details={"b": 2, "a": "نص"})
    second = audit.record("test.second", actor="tester", target="thing:2")
    rows = list(AuditEntry.objects.order_by("-id")[:2])[::-1]
    assert [r.previous_hash for r in rows] == [start, first.entry_hash]
    assert rows[0].details == '{"a":"نص","b":2}'  # sorted keys, text kept as text
    for row in rows:
        assert audit.entry_hash(row.previous_hash, row.at, row.actor, row.action, row.target,
                                row.details) == row.entry_hash
    assert audit.head() == (count + 2, second.entry_hash)

    check = audit.verify()
    assert check.intact and check.entries == count + 2 and check.head == second.entry_hash
    assert audit.verify(expected_head=second.entry_hash).intact
    behind = audit.verify(expected_head=first.entry_hash)
    assert not behind.intact and behind.first_broken is None and not behind.head_matches
    assert "cut off the end" in behind.reason

    assert [line.action for line in audit.lines(target="thing:1")] == ["test.first"]
    assert [line.target for line in audit.lines(action="test.second")] == ["thing:2"]
    assert [line.action for line in audit.lines(limit=2)] == ["test.second", "test.first"]
    assert next(audit.lines(target="thing:1")).details == {"a": "نص", "b": 2}


@pytest.mark.django_db
def test_an_entry_rolls_back_with_its_change() -> None:
    from django.db import transaction

    from civharm.services import audit

    before = audit.head()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record("test.lost", actor="tester", target="thing:3")
        raise RuntimeError("the change fails")
    assert audit.head() == before
    assert audit.acting(None).startswith("cli") and audit.acting(" analyst ") == "analyst"


@pytest.mark.django_db
def test_services_record_in_the_same_transaction(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    """Imports per file by content hash; a rejected import writes no entry; grades name the
    analyst; a stored estimate names its id (the estimator is stubbed: only the storing and
    its entry are under test here)."""
    import numpy as np

    from civharm.analysis.estimation import Comparison, Estimate
    from civharm.services import audit, estimation
    from civharm.services.assessments import grade_incident
    from civharm.services.errors import ImportRejected
    from civharm.services.importing import file_sha256, import_files
    from civharm.services.linkage import link_victims

    import_files([Path(p) for p in EXAMPLE_FILES], actor="importer")
    imported = {line.target: line for line in audit.lines(action="import.file")}
    assert set(imported) == {f"import:{file_sha256(Path(p))}" for p in EXAMPLE_FILES}
    sheet = next(line for line in imported.values() if line.details["file"] == "victims.csv")
    assert sheet.actor == "importer" and sheet.details["rows"] == {"victims": 25}
    assert sheet.details["counts"]["victims"]["created"] > 0

    again = audit.head()
    import_files([Path(p) for p in EXAMPLE_FILES])  # unchanged: nothing written, no entry
    assert audit.head() == again
    broken = tmp_path / "incidents.csv"
    broken.write_text("code,date,place\nRQ0900,not a date,Raqqa\n", encoding="utf-8")
    with pytest.raises(ImportRejected):
        import_files([broken])
    assert audit.head() == again

    grade_incident("RQ0002", "weak", "a single source", "", "analyst-a")
    (graded,) = audit.lines(target="incident:RQ0002", action="incident.grade")
    assert graded.actor == "analyst-a" and graded.details["grade"] == "weak"
    assert "reason" not in graded.details

    link_victims(actor="linker")
    (linked,) = audit.lines(action="victims.link")
    assert linked.actor == "linker" and linked.details["records"] > 0

    def stub(table: Any, seed: int, label: str, lcmcr: Any = None) -> Comparison:
        observed = int(sum(table.counts))
        return Comparison((Estimate("loglinear", tuple(table.lists), observed, observed * 1.5,
                                    observed, observed * 2.0, 0.95, (), {}, np.array([])),), ())

    monkeypatch.setattr(estimation, "_estimate_all", stub)
    result = estimation.estimate_from_database("loglinear", made_by="analyst-c")
    (stored,) = audit.lines(action="estimate.store")
    assert stored.target == f"estimate:{result.stored_id}" and stored.actor == "analyst-c"
    assert stored.details["method"] == "loglinear" and stored.details["observed"] > 0
    assert audit.verify().intact


# On a database file or server, as someone with direct access would meet it.

@contextmanager
def _connection(db: str) -> Iterator[Any]:
    if BACKEND == "sqlite":
        connection = sqlite3.connect(db)
        try:
            yield connection
            connection.commit()
        finally:
            connection.close()
        return
    import psycopg

    with psycopg.connect(db, autocommit=True) as connection:
        yield connection


def _sql(db: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with _connection(db) as connection:
        text = statement.replace("%s", "?") if BACKEND == "sqlite" else statement
        cursor = connection.execute(text, params)
        return list(cursor.fetchall()) if cursor.description else []


def _unlock(db: str) -> None:
    """What an attacker with the database owner's rights does first."""
    if BACKEND == "sqlite":
        _sql(db, "DROP TRIGGER civharm_auditentry_no_update")
        _sql(db, "DROP TRIGGER civharm_auditentry_no_delete")
    else:
        _sql(db, "ALTER TABLE civharm_auditentry DISABLE TRIGGER USER")
        _sql(db, "GRANT UPDATE, DELETE ON civharm_auditentry TO CURRENT_USER")


def _ids(db: str) -> list[int]:
    return [row[0] for row in _sql(db, "SELECT id FROM civharm_auditentry ORDER BY id")]


def _head(db: str) -> str:
    return str(_sql(db, "SELECT entry_hash FROM civharm_auditentry ORDER BY id DESC")[0][0])


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Callable[[], str]]]:
    """A database with the examples imported (an entry per file), made once for the module,
    and a way to copy it for tampering; the tests that use it directly leave it unchanged."""
    folder = tmp_path_factory.mktemp("audit")
    made: list[str] = []

    def new() -> str:
        name = f"civharm_t_{uuid.uuid4().hex[:12]}"
        made.append(name)
        if BACKEND == "sqlite":
            return str(folder / f"{name}.db")
        return f"{SERVER_URL.rsplit('/', 1)[0]}/{name}"

    def server(*statements: str) -> None:
        import psycopg

        with psycopg.connect(SERVER_URL, autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)  # type: ignore[arg-type]

    db = new()
    if BACKEND == "postgresql":
        server(f'CREATE DATABASE "{made[-1]}"')
    civharm("init", db=db, check=True)
    civharm("import", *EXAMPLE_FILES, db=db, check=True)

    def copy() -> str:
        target = new()
        if BACKEND == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                if Path(db + suffix).exists():
                    shutil.copyfile(db + suffix, target + suffix)
        else:
            server(f'CREATE DATABASE "{made[-1]}" TEMPLATE "{made[0]}"')
        return target

    yield db, copy
    if BACKEND == "postgresql":
        server(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in made))


def _broken_at(db: str, entry: int, why: str) -> str:
    result = civharm("audit", "verify", db=db)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"BROKEN at entry {entry} (" in result.stderr, result.stderr
    assert why in result.stderr and "Traceback" not in result.stderr
    return result.stderr


def test_the_database_refuses_to_change_or_delete_entries(
    seeded: tuple[str, Callable[[], str]],
) -> None:
    db, _ = seeded
    ids = _ids(db)
    assert len(ids) == len(EXAMPLE_FILES)
    before = _sql(db, "SELECT * FROM civharm_auditentry ORDER BY id")
    attempts = [("UPDATE civharm_auditentry SET details = '{}' WHERE id = %s", (ids[1],)),
                ("DELETE FROM civharm_auditentry WHERE id = %s", (ids[1],)),
                ("DELETE FROM civharm_auditentry", ())]
    if BACKEND == "postgresql":
        attempts.append(("TRUNCATE civharm_auditentry", ()))
    errors: tuple[type[Exception], ...]
    if BACKEND == "sqlite":
        errors = (sqlite3.DatabaseError,)
    else:
        import psycopg

        errors = (psycopg.Error,)
    for statement, params in attempts:
        with pytest.raises(errors) as refused:
            _sql(db, statement, params)
        assert re.search("append-only|permission denied", str(refused.value)), statement
    assert _sql(db, "SELECT * FROM civharm_auditentry ORDER BY id") == before
    verified = civharm("audit", "verify", db=db, check=True)
    assert f"{len(ids)} entries checked" in verified.stdout


def test_verify_names_the_first_broken_entry(seeded: tuple[str, Callable[[], str]]) -> None:
    db, copy = seeded
    ids = _ids(db)
    head = _head(db)

    changed = copy()
    _unlock(changed)
    _sql(changed, "UPDATE civharm_auditentry SET details = %s WHERE id = %s",
         ('{"counts":{},"file":"forged.csv"}', ids[2]))
    said = _broken_at(changed, ids[2], "its contents do not match its hash")
    assert "import.file import:" in said  # the broken entry's action and target

    removed = copy()
    _unlock(removed)
    _sql(removed, "DELETE FROM civharm_auditentry WHERE id = %s", (ids[3],))
    _broken_at(removed, ids[4], "does not follow the entry before it")

    swapped = copy()
    _unlock(swapped)
    columns = "at, actor, action, target, details, previous_hash, entry_hash"
    first, second = (_sql(swapped, f"SELECT {columns} FROM civharm_auditentry WHERE id = %s",
                          (i,))[0] for i in (ids[1], ids[5]))
    assignments = ", ".join(f"{c.strip()} = %s" for c in columns.split(","))
    update = f"UPDATE civharm_auditentry SET {assignments} WHERE id = %s"
    # The hashes are unique: park one row on placeholders while the other takes its place.
    _sql(swapped, update, (*first[:5], "x" * 64, "y" * 64, ids[1]))
    _sql(swapped, update, (*first, ids[5]))
    _sql(swapped, update, (*second, ids[1]))
    _broken_at(swapped, ids[1], "does not follow the entry before it")

    cut = copy()
    _unlock(cut)
    older = _sql(cut, "SELECT entry_hash FROM civharm_auditentry WHERE id = %s", (ids[-4],))
    _sql(cut, "DELETE FROM civharm_auditentry WHERE id >= %s", (ids[-2],))
    # A shorter chain still holds, and still passes through a head written down before...
    shortened = civharm("audit", "verify", "--expect-head", older[0][0], db=cut, check=True)
    assert f"{len(ids) - 2} entries checked; the expected head is entry {ids[-4]}, and 1 " \
        "entry was added after it" in shortened.stdout
    # ...but not through the head written down last.
    caught = civharm("audit", "verify", "--expect-head", head, db=cut)
    assert caught.returncode == 1 and "cut off the end" in caught.stderr, caught.stderr


def test_migrating_again_keeps_the_triggers(seeded: tuple[str, Callable[[], str]]) -> None:
    db, _ = seeded
    assert "already up to date" in civharm("init", db=db, check=True).stdout
    if BACKEND == "sqlite":
        found = _sql(db, "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                         "AND tbl_name = 'civharm_auditentry'")
        assert {row[0] for row in found} == {"civharm_auditentry_no_update",
                                             "civharm_auditentry_no_delete"}
    else:
        found = _sql(db, "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = "
                         "'civharm_auditentry'::regclass AND NOT tgisinternal")
        assert {(name, str(enabled)) for name, enabled in found} == {
            ("civharm_auditentry_no_change", "O"), ("civharm_auditentry_no_truncate", "O")}


def test_list_filters_and_prints_json(seeded: tuple[str, Callable[[], str]]) -> None:
    db, _ = seeded
    lines = civharm("audit", "list", "--json", "--limit", "3", db=db, check=True).stdout
    entries = [json.loads(line) for line in lines.splitlines()]
    assert len(entries) == 3 and entries[0]["id"] > entries[1]["id"] > entries[2]["id"]
    target = entries[1]["target"]
    only = civharm("audit", "list", "--target", target, "--json", db=db, check=True).stdout
    assert [json.loads(line)["id"] for line in only.splitlines()] == [entries[1]["id"]]
    table = civharm("audit", "list", "--action", "import.file", db=db, check=True).stdout
    assert table.count("import.file") == len(EXAMPLE_FILES)
    assert civharm("audit", "head", db=db, check=True).stdout.strip() == \
        f"{len(EXAMPLE_FILES)} entries; head {_head(db)}"
