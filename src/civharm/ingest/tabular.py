"""Read CSV, XLSX and JSON files into tables of raw text cells with their line numbers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from civharm.ingest.problems import Origin, Problem

KINDS: tuple[str, ...] = (
    "incidents",
    "sources",
    "claims",
    "victims",
    "verdicts",
    "declared_strikes",
    "airwars",
)

_KIND_ALIASES = {
    "incident": "incidents",
    "source": "sources",
    "claim": "claims",
    "victim": "victims",
    "verdict": "verdicts",
    "belligerent_verdicts": "verdicts",
    "involvements": "verdicts",
    "involvement": "verdicts",
    "declared_strike": "declared_strikes",
    "strikes": "declared_strikes",
    "declared-strikes": "declared_strikes",
}


class UnreadableFile(Exception):
    """The file as a whole cannot be read (missing, wrong format, bad encoding)."""


@dataclass(frozen=True, slots=True)
class Row:
    origin: Origin
    cells: dict[str, str]


@dataclass(slots=True)
class Table:
    file: str
    kind: str | None
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def normalise_kind(text: str) -> str | None:
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    if key in KINDS:
        return key
    return _KIND_ALIASES.get(key)


def kind_from_name(path: Path) -> str | None:
    """``incidents.csv``, ``raqqa-victims.xlsx`` or ``declared_strikes_2017.json``."""
    stem = path.stem.lower().replace("-", "_")
    for kind in sorted(KINDS, key=len, reverse=True):
        if kind in stem:
            return kind
    for alias, kind in _KIND_ALIASES.items():
        if alias.replace("-", "_") in stem:
            return kind
    return None


def read_tables(path: Path, display: str | None = None) -> list[Table]:
    """Every table in the file. Raises UnreadableFile when the file cannot be read at all."""
    name = display or path.name
    if not path.exists():
        raise UnreadableFile(f"{name}: no such file")
    if path.is_dir():
        raise UnreadableFile(f"{name}: is a folder, not a file")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return [_read_csv(path, name)]
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, name)
    if suffix == ".json":
        return _read_json(path, name)
    raise UnreadableFile(f"{name}: unsupported file type {suffix or '(none)'}; use CSV, XLSX or JSON")


def _header(raw: list[str]) -> list[str]:
    return [h.strip().lower().replace(" ", "_").replace("-", "_") for h in raw]


def _read_csv(path: Path, name: str) -> Table:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UnreadableFile(
            f"{name}: not UTF-8 text (byte {err.start}); save the file as UTF-8 CSV"
        ) from None
    sample = text[:8192]
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    if path.suffix.lower() != ".tsv":
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table = Table(file=name, kind=kind_from_name(path), columns=[])
    try:
        header = next(reader, None)
        if header is None:
            raise UnreadableFile(f"{name}: the file is empty")
        table.columns = _header(header)
        start = reader.line_num + 1
        for raw in reader:
            origin = Origin(name, start)
            start = reader.line_num + 1
            if not any(cell.strip() for cell in raw):
                continue
            if len(raw) > len(table.columns):
                table.problems.append(
                    Problem.at(
                        origin,
                        None,
                        f"{len(raw)} cells but the header names {len(table.columns)} columns",
                    )
                )
                continue
            cells = dict(zip(table.columns, raw, strict=False))
            table.rows.append(Row(origin, cells))
    except csv.Error as err:
        table.problems.append(Problem(name, reader.line_num, None, f"broken CSV: {err}"))
    return table


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path, name: str) -> list[Table]:
    try:
        from openpyxl import load_workbook  # heavy import, only when a workbook is read

        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(f"{name}: not a readable XLSX workbook ({type(err).__name__})") from None
    tables: list[Table] = []
    try:
        for sheet in book.worksheets:
            rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            columns = _header([_cell_text(h) for h in header])
            kind = normalise_kind(sheet.title) or kind_from_name(path)
            table = Table(file=f"{name} [{sheet.title}]", kind=kind, columns=columns)
            for number, values in enumerate(rows, start=2):
                texts = [_cell_text(v) for v in values]
                if not any(t.strip() for t in texts):
                    continue
                table.rows.append(
                    Row(Origin(table.file, number), dict(zip(columns, texts, strict=False)))
                )
            tables.append(table)
    finally:
        book.close()
    if not tables:
        raise UnreadableFile(f"{name}: the workbook has no sheet with a header row")
    return tables


def _read_json(path: Path, name: str) -> list[Table]:
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UnreadableFile(f"{name}: not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise UnreadableFile(f"{name}: broken JSON at line {err.lineno}: {err.msg}") from None
    if isinstance(document, list):
        return [_json_table(name, kind_from_name(path), document)]
    if isinstance(document, dict):
        tables = []
        for key, records in document.items():
            if key in ("simulated", "format", "generated", "civharm"):
                continue
            kind = normalise_kind(key)
            if kind is None:
                tables.append(
                    Table(
                        file=name,
                        kind=None,
                        columns=[],
                        problems=[
                            Problem(name, None, key, f"unknown section {key!r}; use one of "
                                    + ", ".join(KINDS))
                        ],
                    )
                )
                continue
            if not isinstance(records, list):
                raise UnreadableFile(f"{name}: section {key!r} must be a list of objects")
            tables.append(_json_table(f"{name} [{key}]", kind, records))
        return tables
    raise UnreadableFile(f"{name}: JSON must be a list of objects or an object of lists")


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(_json_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _json_table(name: str, kind: str | None, records: list[Any]) -> Table:
    table = Table(file=name, kind=kind, columns=[])
    seen: dict[str, None] = {}
    for number, record in enumerate(records, start=1):
        origin = Origin(name, number, unit="record")
        if not isinstance(record, dict):
            table.problems.append(Problem.at(origin, None, "each record must be a JSON object"))
            continue
        cells = {_header([str(k)])[0]: _json_text(v) for k, v in record.items()}
        for column in cells:
            seen.setdefault(column, None)
        table.rows.append(Row(origin, cells))
    table.columns = list(seen)
    return table
