"""Shared fixtures. The suite runs once per backend: CIVHARM_TEST_BACKEND=sqlite|postgresql.

``make test`` runs it on both; PostgreSQL needs CIVHARM_TEST_DATABASE_URL pointing at a
server where the user may create databases (scripts/pg-test.sh starts one).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

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
    "test_hostile_input",
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
