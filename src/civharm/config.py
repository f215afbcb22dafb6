"""One typed settings object, read from ``CIVHARM_*`` environment variables.

Every setting is documented in ``docs/configuration.md``; a test fails when one
is missing there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE = "civharm.db"


@dataclass(frozen=True, slots=True)
class Setting:
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "CIVHARM_DATABASE_URL",
        DEFAULT_DATABASE,
        "Database: a SQLite file path, sqlite:///PATH, or postgres://USER:PASS@HOST:PORT/NAME. "
        "The global option --db overrides it.",
    ),
    Setting(
        "CIVHARM_SECRET_KEY_FILE",
        "",
        "File holding the secret key (made with 'civharm keygen PATH', mode 0600): it "
        "encrypts witness identities and signs sessions. Keep it away from the database: "
        "civharm refuses a key in the same folder as its SQLite file. When unset, witnesses "
        "cannot be added or shown, and sessions do not survive a restart.",
    ),
    Setting(
        "CIVHARM_DEBUG",
        "false",
        "Show debug pages in the web app, and full tracebacks in the CLI. Never on a public "
        "server.",
    ),
    Setting(
        "CIVHARM_GAZETTEER_FILE",
        "",
        "A CSV file of your own places (id, kind, name, name_ar, variants, country, latitude, "
        "longitude), added to the Raqqa gazetteer that ships with civharm.",
    ),
    Setting(
        "CIVHARM_EVIDENCE_DIR",
        "",
        "Folder of the evidence store, where evidence files are kept by their SHA-256. "
        "Default: beside a SQLite database, a folder named after it with '.evidence' "
        "(civharm.db -> civharm.evidence); with PostgreSQL, ./civharm-evidence.",
    ),
    Setting(
        "CIVHARM_ALLOW_NON_DURABLE",
        "false",
        "Work on a database whose settings can lose committed work in a crash (SQLite with "
        "synchronous below FULL; PostgreSQL with fsync, full_page_writes or "
        "synchronous_commit off), which civharm otherwise refuses. For throwaway test "
        "servers only.",
    ),
    Setting(
        "CIVHARM_LOG_FILE",
        "",
        "File where civharm appends the details of unexpected failures, under the error id "
        "it shows the user (created readable by its owner only). When unset, the details "
        "are not kept.",
    ),
    Setting(
        "CIVHARM_SECURE_COOKIES",
        "false",
        "Send the web app's session and CSRF cookies over HTTPS only. Set it to true "
        "whenever civharm is reached through HTTPS (a reverse proxy in front of 'civharm "
        "serve').",
    ),
    Setting(
        "CIVHARM_ALLOWED_HOSTS",
        "127.0.0.1,localhost",
        "Comma-separated host names the web app answers to.",
    ),
)


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    secret_key_file: Path | None
    debug: bool
    allowed_hosts: tuple[str, ...]
    gazetteer_file: Path | None = None
    evidence_dir: Path | None = None
    log_file: Path | None = None
    allow_non_durable: bool = False
    secure_cookies: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        source = os.environ if env is None else env

        def value(name: str) -> str:
            default = next(s.default for s in SETTINGS if s.env == name)
            return source.get(name, "").strip() or default

        key_file = value("CIVHARM_SECRET_KEY_FILE")
        places = value("CIVHARM_GAZETTEER_FILE")
        evidence = value("CIVHARM_EVIDENCE_DIR")
        log_file = value("CIVHARM_LOG_FILE")
        return cls(
            database_url=value("CIVHARM_DATABASE_URL"),
            secret_key_file=Path(key_file) if key_file else None,
            debug=value("CIVHARM_DEBUG").lower() in ("1", "true", "yes"),
            allowed_hosts=tuple(
                h.strip() for h in value("CIVHARM_ALLOWED_HOSTS").split(",") if h.strip()
            ),
            gazetteer_file=Path(places) if places else None,
            evidence_dir=Path(evidence) if evidence else None,
            log_file=Path(log_file) if log_file else None,
            allow_non_durable=value("CIVHARM_ALLOW_NON_DURABLE").lower() in ("1", "true", "yes"),
            secure_cookies=value("CIVHARM_SECURE_COOKIES").lower() in ("1", "true", "yes"),
        )
