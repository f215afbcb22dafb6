"""Airwars-style incident sheets: one row per incident, a block of columns per belligerent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from civharm.domain.records import ClaimRecord, SourceRecord, VerdictRecord
from civharm.domain.vocabulary import SourceKind
from civharm.ingest.problems import Problem
from civharm.ingest.schemas import (
    BELLIGERENT_BLOCK,
    CASUALTY_COLUMNS,
    INCIDENT_COLUMNS,
    VERDICT_COLUMNS,
    Column,
    RowReader,
    incident_from,
    resolve_column,
    verdict_from,
)
from civharm.ingest.tabular import Row

SHEET_SOURCE_KEY = "airwars-sheet"

AIRWARS_COLUMNS: dict[str, Column] = {
    **INCIDENT_COLUMNS,
    **CASUALTY_COLUMNS,
    "source": Column("source", lambda raw: raw.strip(), False, (),
                     "Source key for the sheet's casualty figures"),
}

# Verdict columns as they appear inside a belligerent block, without the incident.
_BLOCK_COLUMNS = {k: v for k, v in VERDICT_COLUMNS.items() if k != "incident"}
_BLOCK_ALIASES = {"name": "belligerent"}


def sheet_source(key: str) -> SourceRecord:
    return SourceRecord(
        key=key,
        kind=SourceKind.NGO_REPORT,
        title="Airwars-style incident sheet",
        publisher="imported incident sheet",
    )


def is_airwars(columns: Iterable[str]) -> bool:
    return any(BELLIGERENT_BLOCK.match(c) for c in columns)


def unknown_columns(columns: Iterable[str]) -> list[str]:
    unknown = []
    for column in columns:
        block = BELLIGERENT_BLOCK.match(column)
        if block:
            field = _BLOCK_ALIASES.get(block.group(2), block.group(2))
            if resolve_column(field, _BLOCK_COLUMNS) is None:
                unknown.append(column)
        elif resolve_column(column, AIRWARS_COLUMNS) is None:
            unknown.append(column)
    return unknown


def read_airwars_row(row: Row, problems: list[Problem]) -> dict[str, list[Any]]:
    """One sheet row as an incident, a claim from the sheet, and one verdict per belligerent."""
    reader = RowReader(row, AIRWARS_COLUMNS, problems)
    incident = incident_from(reader)
    casualties = reader.casualties()
    blocks: dict[int, dict[str, str]] = {}
    for column, value in row.cells.items():
        block = BELLIGERENT_BLOCK.match(column)
        if block:
            field = _BLOCK_ALIASES.get(block.group(2), block.group(2))
            blocks.setdefault(int(block.group(1)), {})[field] = value
    found: dict[str, list[Any]] = {"incidents": [], "claims": [], "verdicts": [], "sources": []}
    if incident is None or reader.failed:
        return found
    found["incidents"].append(incident)
    source_key = reader.get("source") or SHEET_SOURCE_KEY
    if casualties.ranges:
        found["claims"].append(ClaimRecord(incident.code, source_key, casualties))
        found["sources"].append(sheet_source(source_key))
    for number in sorted(blocks):
        cells = blocks[number]
        if not any(v.strip() for v in cells.values()):
            continue
        cells = {f"{k}": v for k, v in cells.items()}
        cells["incident"] = incident.code
        block_reader = RowReader(Row(row.origin, cells), VERDICT_COLUMNS, [])
        for problem in block_reader.problems:
            column = problem.column or ""
            problems.append(
                Problem.at(row.origin, f"belligerent_{number}_{column}".rstrip("_"), problem.reason)
            )
        block_reader.problems = problems
        verdict: VerdictRecord | None = verdict_from(block_reader)
        if verdict is not None and not block_reader.failed:
            found["verdicts"].append(verdict)
    return found
