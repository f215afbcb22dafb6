"""civharm refuses a database whose settings can lose committed work in a crash."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from civharm.config import Settings
from conftest import BACKEND, SERVER_URL, civharm

# Runs the real command line on a SQLite database opened with a weaker synchronous level
# than civharm's own (as a local patch or an old build might).
WEAKENED_COMMAND = """
import sys
from civharm.site import databases
databases.SQLITE_INIT = databases.SQLITE_INIT.replace("synchronous=FULL", "synchronous=OFF")
from civharm.cli.main import run
sys.argv = ["civharm", "--db", sys.argv[1], "stats"]
run()
"""

# The check itself, on an open connection whose level is lowered after opening.
CHECK_LOWERED = """
import sys
from civharm.services import database
from civharm.services.errors import UserError
database.configure(sys.argv[1])
database.require_ready()
from django.db import connection
database.require_durable(connection)
for level in ("NORMAL", "OFF"):
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA synchronous={level}")
    try:
        database.require_durable(connection)
    except UserError as error:
        print(error)
    else:
        print(f"accepted synchronous={level}")
"""


def _python(script: str, db: str, env: dict[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("CIVHARM_DEBUG", None)
    return subprocess.run([sys.executable, "-c", script, db], capture_output=True, text=True,
                          env=full_env, timeout=300)


def test_the_escape_hatch_is_off_unless_set() -> None:
    assert Settings.from_env({}).allow_non_durable is False
    assert Settings.from_env({"CIVHARM_ALLOW_NON_DURABLE": "true"}).allow_non_durable is True


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's synchronous setting")
def test_sqlite_below_synchronous_full_is_refused(fresh_database_url: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CIVHARM_ALLOW_NON_DURABLE", raising=False)
    db = fresh_database_url
    civharm("init", db=db, check=True)
    checked = _python(CHECK_LOWERED, db)
    assert checked.returncode == 0, checked.stderr
    lines = checked.stdout.splitlines()
    assert len(lines) == 2 and not any(line.startswith("accepted") for line in lines)
    assert "synchronous=1 (NORMAL)" in lines[0] and "synchronous=0 (OFF)" in lines[1]
    refused = _python(WEAKENED_COMMAND, db)
    assert refused.returncode == 1
    assert "not durable" in refused.stderr and "synchronous=0" in refused.stderr
    assert "CIVHARM_ALLOW_NON_DURABLE" in refused.stderr
    allowed = _python(WEAKENED_COMMAND, db, {"CIVHARM_ALLOW_NON_DURABLE": "true"})
    assert allowed.returncode == 0, allowed.stderr
    assert civharm("stats", db=db).returncode == 0  # civharm's own settings are durable


@pytest.mark.skipif(BACKEND != "postgresql", reason="the PostgreSQL test server's fsync=off")
def test_postgresql_with_fsync_off_is_refused(fresh_database_url: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    with psycopg.connect(SERVER_URL) as conn:
        fsync = conn.execute("SHOW fsync").fetchone()
    if fsync is None or fsync[0] != "off":
        pytest.skip("this PostgreSQL server runs with fsync on")
    monkeypatch.delenv("CIVHARM_ALLOW_NON_DURABLE", raising=False)
    refused = civharm("init", db=fresh_database_url)
    assert refused.returncode == 1
    assert "not durable" in refused.stderr and "fsync=off" in refused.stderr
    assert "CIVHARM_ALLOW_NON_DURABLE" in refused.stderr
    assert "Traceback" not in refused.stderr
    allowed = civharm("init", db=fresh_database_url,
                      env={"CIVHARM_ALLOW_NON_DURABLE": "true"})
    assert allowed.returncode == 0, allowed.stderr
    refused = civharm("stats", db=fresh_database_url)
    assert refused.returncode == 1 and "fsync=off" in refused.stderr
