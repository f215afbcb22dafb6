"""Read one import file into records of each kind, with every problem found."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civharm.ingest import airwars
from civharm.ingest.problems import Origin, Problem
from civharm.ingest.schemas import SCHEMAS, Column, RowReader, resolve_column
from civharm.ingest.tabular import KINDS, Table, UnreadableFile, normalise_kind, read_tables


@dataclass(frozen=True, slots=True)
class Located:
    """A record and the row it came from."""

    record: Any
    origin: Origin


@dataclass(slots=True)
class ParsedFile:
    path: Path
    display: str
    records: dict[str, list[Located]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0

    def of(self, kind: str) -> list[Located]:
        return self.records.get(kind, [])

    def add(self, kind: str, record: Any, origin: Origin) -> None:
        self.records.setdefault(kind, []).append(Located(record, origin))


def parse_file(path: Path, kind: str | None = None, display: str | None = None) -> ParsedFile:
    """Read and validate every row of a file. Never raises for bad content."""
    name = display or path.name
    parsed = ParsedFile(path=path, display=name)
    if kind is not None and normalise_kind(kind) is None:
        parsed.problems.append(
            Problem(name, None, None, f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
        )
        return parsed
    try:
        tables = read_tables(path, name)
    except UnreadableFile as err:
        parsed.problems.append(Problem(name, None, None, str(err).removeprefix(f"{name}: ")))
        return parsed
    for table in tables:
        _parse_table(parsed, table, normalise_kind(kind) if kind else None)
    _check_unique_keys(parsed)
    return parsed


def detect_kind(columns: Iterable[str]) -> str | None:
    """Guess a table's kind from its header, when neither the user nor the file name says."""
    names = list(columns)
    if airwars.is_airwars(names):
        return "airwars"
    best: list[tuple[int, str]] = []
    for kind, (schema, _) in SCHEMAS.items():
        resolved = {resolve_column(c, schema) for c in names} - {None}
        required = {n for n, c in schema.items() if c.required}
        if required <= resolved:
            best.append((len(resolved), kind))
    best.sort(reverse=True)
    if best and (len(best) == 1 or best[0][0] > best[1][0]):
        return best[0][1]
    return None


def _suggest(column: str, schema: Mapping[str, Column]) -> str:
    names = list(schema) + [a for c in schema.values() for a in c.aliases]
    close = difflib.get_close_matches(column, names, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _parse_table(parsed: ParsedFile, table: Table, kind: str | None) -> None:
    parsed.problems.extend(table.problems)
    # An Airwars-style header says more than a file name such as airwars-incidents.csv.
    if kind is None and airwars.is_airwars(table.columns):
        kind = "airwars"
    kind = kind or table.kind or detect_kind(table.columns)
    if kind is None:
        if table.rows:
            parsed.problems.append(
                Problem(
                    table.file,
                    None,
                    None,
                    "cannot tell what this file holds; name it after its kind "
                    f"(e.g. incidents.csv) or pass --kind ({', '.join(KINDS)})",
                )
            )
        return
    header_line = None if table.rows and table.rows[0].origin.unit == "record" else 1
    parsed.rows += len(table.rows)
    if kind == "airwars":
        for column in airwars.unknown_columns(table.columns):
            parsed.problems.append(Problem(table.file, header_line, column, "unknown column"))
        for row in table.rows:
            for found_kind, records in airwars.read_airwars_row(row, parsed.problems).items():
                for record in records:
                    parsed.add(found_kind, record, row.origin)
        return
    schema, build = SCHEMAS[kind]
    resolved = {column: resolve_column(column, schema) for column in table.columns}
    for column in table.columns:
        if resolved[column] is None:
            parsed.problems.append(
                Problem(table.file, header_line, column,
                        f"unknown column for {kind}{_suggest(column, schema)}")
            )
    if header_line is not None:
        present = set(resolved.values())
        for name, spec in schema.items():
            if spec.required and name not in present:
                parsed.problems.append(
                    Problem(table.file, header_line, name, f"required column missing for {kind}")
                )
    for row in table.rows:
        reader = RowReader(row, schema, parsed.problems, resolved)
        record = build(reader)
        if record is not None and not reader.failed:
            parsed.add(kind, record, row.origin)


def record_key(record: Any) -> object:
    return record.key


def _check_unique_keys(parsed: ParsedFile) -> None:
    """Two rows with one natural key would silently overwrite each other: refuse."""
    for kind, located in parsed.records.items():
        if kind == "sheet_sources":
            # A sheet names its own source once per row, always the same: keep one.
            parsed.records[kind] = list({item.record.key: item for item in located}.values())
            continue
        seen: dict[object, Origin] = {}
        for item in located:
            key = record_key(item.record)
            if key in seen:
                first = seen[key]
                parsed.problems.append(
                    Problem.at(item.origin, None,
                               f"duplicate of {first.unit} {first.line} ({_describe(key)})")
                )
            else:
                seen[key] = item.origin


def _describe(key: object) -> str:
    if isinstance(key, tuple):
        return " / ".join(str(k) for k in key)
    text = str(key)
    return text if len(text) < 40 else text[:12] + "…"
