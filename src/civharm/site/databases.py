"""Turn a database URL or a file path into Django's DATABASES entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import dj_database_url

# Durable, concurrent-safe SQLite: write-ahead log, every commit synced, foreign keys
# enforced, and writers take the lock at BEGIN so two writers never deadlock mid-transaction.
SQLITE_INIT = (
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "PRAGMA foreign_keys=ON;"
    "PRAGMA busy_timeout=30000;"
)


class DatabaseURLError(ValueError):
    """The database URL or path cannot be used."""


def database_config(url: str) -> dict[str, Any]:
    text = url.strip()
    if not text:
        raise DatabaseURLError("the database URL is empty")
    scheme = urlparse(text).scheme.lower()
    if scheme in ("", "file") or (len(scheme) == 1 and text[1:3] in (":\\", ":/")):
        return sqlite_config(Path(text.removeprefix("file://")))
    if scheme == "sqlite":
        path = text.split("://", 1)[1]
        # sqlite:///relative.db and sqlite:////absolute.db, as dj-database-url reads them
        return sqlite_config(Path(path[1:] if path.startswith("/") else path))
    if scheme in ("postgres", "postgresql", "pgsql"):
        try:
            config: dict[str, Any] = dict(dj_database_url.parse(text, conn_max_age=0))
        except Exception:
            raise DatabaseURLError("the PostgreSQL URL cannot be read") from None
        if not config.get("NAME"):
            raise DatabaseURLError("the PostgreSQL URL names no database")
        config["OPTIONS"] = {"connect_timeout": 10}
        config["TEST"] = {"NAME": f"test_{config['NAME']}"}
        return config
    raise DatabaseURLError(
        f"unsupported database scheme {scheme!r}; use a file path, sqlite:///PATH "
        "or postgresql://USER@HOST:PORT/NAME"
    )


def sqlite_config(path: Path) -> dict[str, Any]:
    if path.exists() and path.is_dir():
        raise DatabaseURLError(f"{path} is a folder, not a database file")
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {"init_command": SQLITE_INIT, "transaction_mode": "IMMEDIATE", "timeout": 30},
        "TEST": {"NAME": None},
    }


def describe(config: dict[str, Any]) -> str:
    """A database named for a person, without its password."""
    if config["ENGINE"].endswith("sqlite3"):
        return f"SQLite {config['NAME']}"
    return f"PostgreSQL {config.get('USER') or ''}@{config.get('HOST') or 'localhost'}:" \
           f"{config.get('PORT') or 5432}/{config['NAME']}"
