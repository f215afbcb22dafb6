"""A PostgreSQL database to benchmark on: a fresh one on a given server, or a throwaway server.

With ``CIVHARM_BENCH_POSTGRES_URL`` set, a new database is created on that server (the
user must be allowed to create databases) and dropped afterwards. Without it,
``scripts/pg-test.sh`` starts a throwaway server on port 54333 and stops it afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "pg-test.sh"
PORT = "54333"
URL_VARIABLE = "CIVHARM_BENCH_POSTGRES_URL"


class Unavailable(Exception):
    """No PostgreSQL to benchmark on; the message says why."""


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    server: str  # how to describe the server in the results


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def safe(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def _script_env() -> dict[str, str]:
    return {**os.environ, "CIVHARM_PG_PORT": PORT}


def _script(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), command], capture_output=True, text=True,
                          env=_script_env(), timeout=180, check=False)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


@contextmanager
def _throwaway_server() -> Iterator[str]:
    if (ROOT / ".pgtest" / f"{PORT}.data_dir").exists():
        # pg-test.sh keeps one server per port and checkout: starting ours would stop it.
        raise Unavailable(
            f"a scripts/pg-test.sh server is already running on port {PORT} (another "
            f"benchmark?); stop it with 'CIVHARM_PG_PORT={PORT} scripts/pg-test.sh stop', "
            f"or set {URL_VARIABLE}"
        )
    started = _script("start")
    if started.returncode != 0:
        _script("stop")
        raise Unavailable(_last_line(started.stderr or started.stdout))
    # The throwaway server runs with fsync off, which civharm refuses unless told that the
    # database is a throwaway one.
    before = os.environ.get("CIVHARM_ALLOW_NON_DURABLE")
    os.environ["CIVHARM_ALLOW_NON_DURABLE"] = "true"
    try:
        yield _last_line(started.stdout)
    finally:
        if before is None:
            os.environ.pop("CIVHARM_ALLOW_NON_DURABLE", None)
        else:
            os.environ["CIVHARM_ALLOW_NON_DURABLE"] = before
        _script("stop")


@contextmanager
def _fresh_database(server_url: str) -> Iterator[str]:
    import psycopg

    name = f"civharm_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise Unavailable(f"cannot create a database on {safe(server_url)}: {reason}") from None
    try:
        yield with_database(server_url, name)
    finally:
        try:
            with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.Error as err:
            print(f"warning: could not drop database {name} on {safe(server_url)}: "
                  f"{str(err).strip().splitlines()[0] if str(err).strip() else err!r}",
                  file=sys.stderr)


@contextmanager
def database() -> Iterator[Target]:
    """A fresh, empty PostgreSQL database for the length of the block. Raises Unavailable."""
    given = os.environ.get(URL_VARIABLE, "").strip()
    if given:
        with _fresh_database(given) as url:
            yield Target(url, f"server at {safe(given)}")
        return
    with _throwaway_server() as server_url, _fresh_database(server_url) as url:
        yield Target(url, f"throwaway server from scripts/pg-test.sh on port {PORT} "
                          "(fsync off)")
