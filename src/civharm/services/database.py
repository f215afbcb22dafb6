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
    return connection


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
