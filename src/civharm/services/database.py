"""Point civharm at a database, create or upgrade it, and check that it is usable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from civharm.config import Settings
from civharm.services.errors import UserError
from civharm.site.databases import DatabaseURLError, database_config, describe

_configured: str | None = None


def configure(url: str | None = None) -> str:
    """Set up Django for the database at ``url`` (or the settings' default).

    Returns a description of the database for people (never its password).
    """
    global _configured
    target = url or Settings.from_env().database_url
    try:
        config = database_config(target)
    except DatabaseURLError as err:
        raise UserError(f"cannot use database {target!r}: {err}") from None
    os.environ["CIVHARM_DATABASE_URL"] = target
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civharm.site.settings")
    if _configured is None:
        import django

        django.setup()
        _configured = target
    elif _configured != target:
        from django.conf import settings
        from django.db import connections

        connections.close_all()
        settings.DATABASES["default"].update(config)
        _configured = target
    return describe(config)


def _connect() -> Any:
    from django.db import connection
    from django.db.utils import OperationalError

    try:
        connection.ensure_connection()
    except OperationalError as err:
        raise UserError(f"cannot open the database: {_first_line(err)}") from None
    require_durable(connection)
    return connection


# SQLite's PRAGMA synchronous levels: OFF=0, NORMAL=1, FULL=2, EXTRA=3.
_SQLITE_FULL = 2


def durability_problems(connection: Any) -> list[str]:
    """The settings of an open database connection that would let a crash or a power cut
    lose committed work or corrupt the database, each with how to fix it."""
    problems: list[str] = []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            level = int(cursor.fetchone()[0])
            if level < _SQLITE_FULL:
                problems.append(
                    f"SQLite runs with synchronous={level} ({_SQLITE_LEVELS.get(level, '?')}): "
                    "a commit can be reported before it reaches the disk; civharm sets "
                    "synchronous=FULL itself, so remove whatever lowers it")
            cursor.execute("PRAGMA journal_mode")
            mode = str(cursor.fetchone()[0]).lower()
            if mode in ("off", "memory"):
                problems.append(
                    f"SQLite runs with journal_mode={mode}: a crash mid-transaction can "
                    "corrupt the file; civharm sets journal_mode=WAL itself, so remove whatever "
                    "changes it")
        elif connection.vendor == "postgresql":
            for name, fix in (
                ("fsync", "set fsync = on in postgresql.conf and reload the server"),
                ("full_page_writes",
                 "set full_page_writes = on in postgresql.conf and reload the server"),
                ("synchronous_commit",
                 "set synchronous_commit = on in postgresql.conf, and remove any "
                 "ALTER ROLE or ALTER DATABASE ... SET synchronous_commit = off"),
            ):
                cursor.execute(f"SHOW {name}")
                if str(cursor.fetchone()[0]).lower() == "off":
                    problems.append(f"the PostgreSQL server runs with {name}=off: {fix}")
    return problems


_SQLITE_LEVELS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def require_durable(connection: Any) -> None:
    """Refuse a database whose settings do not keep committed work through a crash, unless
    CIVHARM_ALLOW_NON_DURABLE is set (for throwaway test servers only)."""
    if Settings.from_env().allow_non_durable:
        return
    problems = durability_problems(connection)
    if problems:
        raise UserError(
            "the database is not durable, so civharm will not work on it: "
            + "; ".join(problems)
            + " (CIVHARM_ALLOW_NON_DURABLE=true overrides this for throwaway test servers only)")


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def initialise() -> list[str]:
    """Create the database or bring it to the newest schema. Returns the migrations applied."""
    from django.core.management import call_command
    from django.db.migrations.executor import MigrationExecutor

    connection = _connect()
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", interactive=False, verbosity=0)
    return [f"{m.app_label}.{m.name}" for m, _ in plan]


def require_ready() -> None:
    """Refuse to work on a database that does not exist yet or needs an upgrade."""

    from django.conf import settings
    from django.db.migrations.executor import MigrationExecutor

    config = settings.DATABASES["default"]
    if config["ENGINE"].endswith("sqlite3") and not Path(config["NAME"]).exists():
        raise UserError(f"there is no database at {config['NAME']}; run 'civharm init' first")
    connection = _connect()
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise UserError(
            "the database is not set up or needs an upgrade; run 'civharm init' first"
        )


def evidence_folder(url: str | None = None) -> Path:
    """Where the evidence store of the database at ``url`` lives: CIVHARM_EVIDENCE_DIR, else
    beside a SQLite file (``civharm.db`` -> ``civharm.evidence``), else ./civharm-evidence."""
    settings = Settings.from_env()
    if settings.evidence_dir is not None:
        return settings.evidence_dir.expanduser()
    try:
        config = database_config(url or settings.database_url)
    except DatabaseURLError as err:
        raise UserError(f"cannot use database {url!r}: {err}") from None
    if config["ENGINE"].endswith("sqlite3"):
        database = Path(config["NAME"]).expanduser()
        return database.with_name(database.stem + ".evidence")
    return Path("civharm-evidence")
