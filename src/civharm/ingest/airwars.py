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
    """One sheet row as an incident, a claim from the sheet, and one verdict per belligerent.

    The sheet's own source is returned under ``sheet_sources``: the importer creates it
    only when no source with that key exists, so a sheet never overwrites a real source.
    """
    reader = RowReader(row, AIRWARS_COLUMNS, problems)
    incident = incident_from(reader)
    casualties = reader.casualties()
    blocks: dict[int, dict[str, str]] = {}
    for column, value in row.cells.items():
        block = BELLIGERENT_BLOCK.match(column)
        if block:
            field = _BLOCK_ALIASES.get(block.group(2), block.group(2))
            blocks.setdefault(int(block.group(1)), {})[field] = value
    verdicts: list[VerdictRecord] = []
    blocks_failed = False
    for number in sorted(blocks):
        cells = blocks[number]
        if not any(v.strip() for v in cells.values()):
            continue
        cells = {**cells, "incident": incident.code if incident else "?"}
        block_problems: list[Problem] = []
        verdict = verdict_from(RowReader(Row(row.origin, cells), VERDICT_COLUMNS, block_problems))
        for problem in block_problems:
            where = f"belligerent_{number}_{problem.column}" if problem.column else None
            problems.append(Problem.at(row.origin, where, problem.reason))
        if verdict is None or block_problems:
            blocks_failed = True
        else:
            verdicts.append(verdict)
    found: dict[str, list[Any]] = {"incidents": [], "claims": [], "verdicts": [],
                                   "sheet_sources": []}
    if incident is None or reader.failed or blocks_failed:
        return found
    found["incidents"].append(incident)
    found["verdicts"] = verdicts
    source_key = reader.get("source") or SHEET_SOURCE_KEY
    if casualties.ranges:
        found["claims"].append(ClaimRecord(incident.code, source_key, casualties))
        found["sheet_sources"].append(sheet_source(source_key))
    return found
