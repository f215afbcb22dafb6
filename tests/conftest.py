"""Shared fixtures. The suite runs once per backend: CIVHARM_TEST_BACKEND=sqlite|postgresql.

``make test`` runs it on both; PostgreSQL needs CIVHARM_TEST_DATABASE_URL pointing at a
server where the user may create databases (scripts/pg-test.sh starts one).
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

BACKEND = os.environ.get("CIVHARM_TEST_BACKEND", "sqlite")
if BACKEND == "postgresql":
    SERVER_URL = os.environ["CIVHARM_TEST_DATABASE_URL"]
    os.environ["CIVHARM_DATABASE_URL"] = SERVER_URL
elif BACKEND == "sqlite":
    SERVER_URL = ""
    os.environ["CIVHARM_DATABASE_URL"] = str(Path(tempfile.mkdtemp()) / "civharm-test.db")
else:
    raise RuntimeError(f"unknown CIVHARM_TEST_BACKEND {BACKEND!r}")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def pytest_report_header() -> str:
    return f"civharm backend: {BACKEND}"


# Tests of the pure layers (names, estimation, linkage, parsers, matchers, simulation) touch
# no database: on the PostgreSQL pass they would repeat the SQLite pass exactly, so
# `make test` runs them once. A test in these modules that takes a database fixture still
# runs on both backends.
PURE_MODULES = (
    "test_names_", "test_estimation_", "test_linkage_records", "test_linkage_engine",
    "test_linkage_quality", "test_linkage_spark", "test_strike_matching", "test_strike_releases",
    "test_civcas_reports", "test_mgrs", "test_gazetteer", "test_domain", "test_ingest",
    "test_layers", "test_source_independence", "test_simulation", "test_verdict_linking",
    "test_duplicate_incidents", "test_sealing", "test_estimate_cli", "test_linkage_cli",
    "test_hostile_input", "test_volunteer_dating", "test_dating_tasks", "test_damage_imagery",
    "test_damage_shapefile",
)
DATABASE_FIXTURES = frozenset({"new_database", "fresh_database_url"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BACKEND != "postgresql" or os.environ.get("CIVHARM_TEST_PURE_ONCE") != "1":
        return
    kept, skipped = [], []
    for item in items:
        pure = item.module is not None and item.module.__name__.startswith(PURE_MODULES)
        needs_database = DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        (skipped if pure and not needs_database else kept).append(item)
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = kept


@pytest.fixture
def new_database(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Make new, empty databases on the backend under test; each call gives another URL."""
    made: list[str] = []

    def make() -> str:
        name = f"civharm_t_{uuid.uuid4().hex[:12]}"
        if BACKEND == "sqlite":
            return str(tmp_path / f"{name}.db")
        import psycopg

        with psycopg.connect(SERVER_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return f"{SERVER_URL.rsplit('/', 1)[0]}/{name}"

    yield make
    if made:
        import psycopg

        with psycopg.connect(SERVER_URL, autocommit=True) as conn:
            for name in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_database_url(new_database: Callable[[], str]) -> str:
    """A new, empty database on the backend under test, for commands run as subprocesses."""
    return new_database()


def civharm(*args: str, db: str | None = None, check: bool = False,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the civharm command as a user would, in a subprocess."""
    command = [sys.executable, "-m", "civharm"]
    if db is not None:
        command += ["--db", db]
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    full_env.pop("CIVHARM_DEBUG", None)
    result = subprocess.run(command + list(args), capture_output=True, text=True,
                            env=full_env, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"civharm {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@contextmanager
def django_on(url: str, *, create: bool = False) -> Iterator[None]:
    """Point this process's Django at the database at ``url`` for a while, then back."""
    from django.conf import settings
    from django.db import connections

    from civharm.services import database
    from civharm.site.databases import database_config

    saved = copy.deepcopy(settings.DATABASES["default"])
    saved_env = os.environ.get("CIVHARM_DATABASE_URL")
    saved_configured = database._configured
    connections.close_all()
    try:
        database.configure(url)
        settings.DATABASES["default"].update(database_config(url))
        # Django's settings may have been read for another backend before the test backend
        # was chosen: drop the connection object, so that the next one is of the right kind.
        with suppress(AttributeError):  # none made yet in this thread
            del connections["default"]
        if create:
            database.initialise()
        yield
    finally:
        connections.close_all()
        settings.DATABASES["default"].clear()
        settings.DATABASES["default"].update(saved)
        with suppress(AttributeError):  # none made yet in this thread
            del connections["default"]
        database._configured = saved_configured
        if saved_env is not None:
            os.environ["CIVHARM_DATABASE_URL"] = saved_env


@pytest.fixture
def in_process_database(new_database: Callable[[], str], django_db_blocker: Any) -> Iterator[str]:
    """A new, migrated database on the backend under test, open in this process."""
    url = new_database()
    with django_db_blocker.unblock(), django_on(url, create=True):
        yield url


@pytest.fixture
def example_database(in_process_database: str) -> str:
    """The same, holding the records of examples/ (incidents, sources, claims, victims,
    verdicts and declared strikes)."""
    from civharm.services.importing import import_files

    import_files([EXAMPLES / name for name in ("incidents.csv", "sources.csv", "claims.csv",
                                               "victims.csv", "verdicts.csv",
                                               "declared_strikes.csv")])
    return in_process_database


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(*args: str, db: str, env: dict[str, str] | None = None,
            timeout: float = 600) -> Iterator[tuple[str, str]]:
    """Run a civharm command that serves the web app (``serve`` or ``demo``) until it says
    where it serves; yield that address and what it printed before; stop it afterwards."""
    import re
    import time

    command = [sys.executable, "-m", "civharm", "--db", db, *args]
    full_env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("CIVHARM_DEBUG", None)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=full_env)
    printed: list[str] = []
    try:
        deadline = time.monotonic() + timeout
        assert process.stdout is not None
        for line in process.stdout:
            printed.append(line)
            found = re.search(r"Serving the public site at (http://\S+/)", line)
            if found:
                address = found.group(1).rstrip(",")
                break
            if time.monotonic() > deadline:
                raise AssertionError("the server did not start in time:\n" + "".join(printed))
        else:
            raise AssertionError("the command ended without serving:\n" + "".join(printed))
        # Wait until it answers.
        import urllib.request

        for _ in range(100):
            try:
                with urllib.request.urlopen(address, timeout=5):
                    break
            except OSError:
                time.sleep(0.1)
        yield address, "".join(printed)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def rename_table(db: str, table: str, new_name: str) -> None:
    """Break a database behind civharm's back (rename one of its tables), with a plain
    driver, so that the next command touching that table fails unexpectedly."""
    statement = f"ALTER TABLE {table} RENAME TO {new_name}"
    if BACKEND == "sqlite":
        import sqlite3

        with sqlite3.connect(db) as conn:
            conn.execute(statement)
    else:
        import psycopg

        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute(statement)


def counted(db: str, query: str) -> tuple[int, ...]:
    """One row of counts, read with a plain driver rather than civharm, after the database's
    own integrity checks (on SQLite: integrity_check and foreign_key_check)."""
    if BACKEND == "sqlite":
        import sqlite3

        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            row = conn.execute(query).fetchone()
    else:
        import psycopg

        with psycopg.connect(db) as conn:
            row = conn.execute(query).fetchone()
    assert row is not None
    return tuple(int(value) for value in row)
