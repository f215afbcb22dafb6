"""The named peer: the same CSV rows loaded with ``csv`` and ``sqlite3.executemany``.

This is the floor a hand-written loader reaches: no validation, no parsing beyond
splitting the victims' source lists, no idempotency check, no ORM. It loads into bare
tables with the same keys (AUTOINCREMENT ids), uniqueness, foreign keys and indexes as
civharm's tables, with the same durable SQLite settings (WAL, synchronous=FULL, foreign
keys on) and one transaction, so that the difference to civharm is the work civharm does
in Python.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from pathlib import Path

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
)

SCHEMA = """
CREATE TABLE incident (
    id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL UNIQUE, date TEXT NOT NULL,
    local_time TEXT, place TEXT NOT NULL, place_ar TEXT, neighbourhood TEXT,
    latitude REAL, longitude REAL, geo_precision TEXT, strike_type TEXT,
    infrastructure TEXT, summary TEXT, summary_ar TEXT,
    grade TEXT, strike_status TEXT, grade_reason TEXT, assessed_by TEXT
);
CREATE INDEX incident_date ON incident (date);
CREATE TABLE source (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, title TEXT,
    publisher TEXT, author TEXT, published TEXT, language TEXT, url TEXT, original_text TEXT,
    translated_text TEXT, evidence_sha256 TEXT, public TEXT
);
CREATE TABLE claim (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incident (id) DEFERRABLE INITIALLY DEFERRED,
    source_id INTEGER NOT NULL REFERENCES source (id) DEFERRABLE INITIALLY DEFERRED,
    belligerent_blamed TEXT,
    killed_civilians_min INTEGER, killed_civilians_max INTEGER,
    killed_children_min INTEGER, killed_children_max INTEGER,
    killed_women_min INTEGER, killed_women_max INTEGER,
    killed_men_min INTEGER, killed_men_max INTEGER,
    injured_civilians_min INTEGER, injured_civilians_max INTEGER,
    UNIQUE (incident_id, source_id)
);
CREATE INDEX claim_incident ON claim (incident_id);
CREATE INDEX claim_source ON claim (source_id);
CREATE TABLE victim (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE,
    incident_id INTEGER NOT NULL REFERENCES incident (id) DEFERRABLE INITIALLY DEFERRED,
    name TEXT, name_ar TEXT, sex TEXT, age INTEGER, age_min INTEGER, age_max INTEGER,
    relation TEXT, fate TEXT, date_of_death TEXT
);
CREATE INDEX victim_incident ON victim (incident_id);
CREATE TABLE victim_source (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    victim_id INTEGER NOT NULL REFERENCES victim (id) DEFERRABLE INITIALLY DEFERRED,
    source_id INTEGER NOT NULL REFERENCES source (id) DEFERRABLE INITIALLY DEFERRED,
    UNIQUE (victim_id, source_id)
);
CREATE INDEX victim_source_victim ON victim_source (victim_id);
CREATE INDEX victim_source_source ON victim_source (source_id);
"""


def create(path: Path) -> None:
    """The bare tables; not part of the timed load, as civharm's migrations are not."""
    with sqlite3.connect(path) as connection:
        for pragma in PRAGMAS:
            connection.execute(pragma)
        connection.executescript(SCHEMA)
    connection.close()


def _rows(path: Path) -> Iterator[list[str | None]]:
    """The data rows of a CSV file, empty cells as NULL."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            yield [cell or None for cell in row]


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def _insert(connection: sqlite3.Connection, table: str, columns: list[str],
            rows: Iterator[list[str | None]] | list[list[str | None]]) -> None:
    marks = ", ".join("?" * len(columns))
    connection.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
    )


def load(path: Path, folder: Path) -> int:
    """Load incidents, sources, claims and victims from ``folder``; returns the rows read."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        connection.execute(pragma)
    read = 0
    connection.execute("BEGIN IMMEDIATE")
    try:
        incidents = list(_rows(folder / "incidents.csv"))
        _insert(connection, "incident", _header(folder / "incidents.csv"), incidents)
        sources = list(_rows(folder / "sources.csv"))
        header = _header(folder / "sources.csv")
        _insert(connection, "source", ["key", *header[1:]], sources)
        read += len(incidents) + len(sources)
        incident_ids = dict(connection.execute("SELECT code, id FROM incident"))
        source_ids = dict(connection.execute("SELECT key, id FROM source"))

        header = _header(folder / "claims.csv")
        claims = [
            [incident_ids[row[0]], source_ids[row[1]], *row[2:]]
            for row in _rows(folder / "claims.csv")
        ]
        _insert(connection, "claim", ["incident_id", "source_id", *header[2:]], claims)

        header = _header(folder / "victims.csv")
        victims = list(_rows(folder / "victims.csv"))
        named = header.index("sources")
        kept = [i for i in range(2, len(header)) if i != named]
        _insert(
            connection, "victim", ["key", "incident_id", *(header[i] for i in kept)],
            ([row[0], incident_ids[row[1]], *(row[i] for i in kept)] for row in victims),
        )
        read += len(claims) + len(victims)
        victim_ids = dict(connection.execute("SELECT key, id FROM victim"))
        _insert(
            connection, "victim_source", ["victim_id", "source_id"],
            (
                [victim_ids[row[0]], source_ids[key]]
                for row in victims if row[named]
                for key in (row[named] or "").split(";")
            ),
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    finally:
        connection.close()
    return read
