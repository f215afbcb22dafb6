"""Victim records as linkage reads them, and the CSV lists they come from.

A record is one line of one list: who the list says died or was hurt, in whatever
script and detail the list gives. Lists are read strictly: every problem is
reported with its file, line and column, and nothing is linked from a list with
problems.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from civharm.ingest.problems import Problem

RecordKey = tuple[str, str]
"""A record's identity across runs: (source, record_id)."""

REQUIRED_COLUMNS = ("source", "record_id", "name")
OPTIONAL_COLUMNS = ("name_alt", "sex", "age", "age_min", "age_max", "date_of_death", "place")
MAX_AGE = 130

_SEXES = {
    "f": "female", "female": "female", "woman": "female", "girl": "female",
    "انثى": "female", "أنثى": "female", "ا": "female", "ان": "female",
    "m": "male", "male": "male", "man": "male", "boy": "male", "ذكر": "male", "ذ": "male",
}


@dataclass(frozen=True, slots=True)
class VictimRecord:
    """One named victim on one list.

    ``name`` is in any script; ``name_alt`` is the same person's name as the list also
    writes it (typically Arabic beside a Latin transliteration), or empty. ``age`` is
    an exact age; ``age_min``/``age_max`` a band when the list gives only that.
    """

    source: str
    record_id: str
    name: str
    name_alt: str = ""
    sex: str | None = None
    age: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    date_of_death: date | None = None
    place: str = ""

    @property
    def key(self) -> RecordKey:
        return (self.source, self.record_id)


class LinkageInputError(ValueError):
    """Lists that cannot be linked as they are; ``problems`` says where and why."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "no problems"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problem{'s' if more != 1 else ''})"
                                  if more > 0 else ""))


def parse_sex(text: str) -> str | None:
    """``female``, ``male`` or None (blank); raises ValueError for anything else."""
    cleaned = text.strip().lower()
    if not cleaned:
        return None
    if cleaned in _SEXES:
        return _SEXES[cleaned]
    raise ValueError(f"sex {text.strip()!r} is not female, male, F, M or blank")


def parse_age(text: str) -> int | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"age {cleaned!r} is not a number") from None
    if value != int(value) or not 0 <= value <= MAX_AGE:
        raise ValueError(f"age {cleaned!r} is not a whole number from 0 to {MAX_AGE}")
    return int(value)


def parse_date(text: str) -> date | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"date {cleaned!r} is not a date written YYYY-MM-DD") from None


def record_from_row(row: Mapping[str, str]) -> VictimRecord:
    """One record from a CSV row (column names as in :data:`REQUIRED_COLUMNS`).

    Raises ValueError naming the first bad value; the message says which column as
    ``column: reason``.
    """
    values = {name: (row.get(name) or "").strip() for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    for name in REQUIRED_COLUMNS:
        if not values[name]:
            raise ValueError(f"{name}: {name} is blank; it is required")
    parsed: dict[str, object] = {}
    for name, parse in (("sex", parse_sex), ("age", parse_age), ("age_min", parse_age),
                        ("age_max", parse_age), ("date_of_death", parse_date)):
        try:
            parsed[name] = parse(values[name])
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from None
    age_min, age_max = parsed["age_min"], parsed["age_max"]
    if isinstance(age_min, int) and isinstance(age_max, int) and age_min > age_max:
        raise ValueError(f"age_max: age_min {age_min} is above age_max {age_max}")
    return VictimRecord(
        source=values["source"], record_id=values["record_id"], name=values["name"],
        name_alt=values["name_alt"], sex=parsed["sex"],  # type: ignore[arg-type]
        age=parsed["age"], age_min=age_min, age_max=age_max,  # type: ignore[arg-type]
        date_of_death=parsed["date_of_death"],  # type: ignore[arg-type]
        place=values["place"],
    )


def read_victim_list(text: str, file: str) -> tuple[list[VictimRecord], list[Problem]]:
    """Read one list's CSV text; return its records and every problem found.

    The header must name ``source``, ``record_id`` and ``name``; other columns of
    :data:`OPTIONAL_COLUMNS` are read when present and anything else is ignored.
    """
    located, problems = _read_located(text, file)
    return [record for _, record in located], problems


def _read_located(text: str, file: str) -> tuple[list[tuple[int, VictimRecord]], list[Problem]]:
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], [Problem(file, None, None, "the file is empty; expected a header line")]
    except csv.Error as error:
        return [], [Problem(file, 1, None, f"not readable as CSV ({error})")]
    columns = [c.strip().lower() for c in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return [], [Problem(file, 1, None, f"the header lacks column{'s' if len(missing) > 1 else ''} "
                                           f"{', '.join(missing)}; found {', '.join(columns) or 'none'}")]
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        return [], [Problem(file, 1, None, f"the header repeats column(s) {', '.join(repeated)}")]
    records: list[tuple[int, VictimRecord]] = []
    problems: list[Problem] = []
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(Problem(file, reader.line_num, None, f"not readable as CSV ({error})"))
            break
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            problems.append(Problem(file, line, None, f"{len(cells)} values for {len(columns)} columns"))
            continue
        row = dict(zip(columns, cells, strict=False))
        try:
            records.append((line, record_from_row(row)))
        except ValueError as error:
            column, _, reason = str(error).partition(": ")
            problems.append(Problem(file, line, column, reason))
    return records, problems


def read_victim_lists(paths: Iterable[Path]) -> list[VictimRecord]:
    """Read CSV lists (see :func:`read_victim_list`); raise :class:`LinkageInputError` on any
    problem, including a (source, record_id) given twice."""
    records: list[VictimRecord] = []
    problems: list[Problem] = []
    seen: dict[RecordKey, str] = {}
    for path in paths:
        name = str(path)
        try:
            text = path.read_bytes().decode("utf-8")
        except OSError as error:
            problems.append(Problem(name, None, None, f"cannot be read ({error.strerror or error})"))
            continue
        except UnicodeDecodeError:
            problems.append(Problem(name, None, None, "is not UTF-8 text; save it as CSV UTF-8"))
            continue
        found, bad = _read_located(text, name)
        problems += bad
        for line, record in found:
            if record.key in seen:
                problems.append(Problem(name, line, "record_id", f"record {record.record_id!r} of source "
                                        f"{record.source!r} is given twice (first at {seen[record.key]})"))
                continue
            seen[record.key] = f"{name}, line {line}"
            records.append(record)
    if problems:
        raise LinkageInputError(problems)
    return records


def write_clusters(path: Path, records: Iterable[VictimRecord], clusters: Mapping[RecordKey, str]) -> None:
    """Write ``source,record_id,person_id``, one row per record in the given order; the
    file appears whole or not at all (written beside it, then renamed)."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(("source", "record_id", "person_id"))
            for record in records:
                writer.writerow((record.source, record.record_id, clusters[record.key]))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def check_unique(records: Iterable[VictimRecord]) -> None:
    """Raise :class:`LinkageInputError` when two records share a (source, record_id)."""
    seen: set[RecordKey] = set()
    problems: list[Problem] = []
    for record in records:
        if record.key in seen:
            problems.append(Problem("records", None, "record_id", f"record {record.record_id!r} of "
                                    f"source {record.source!r} is given twice"))
        seen.add(record.key)
    if problems:
        raise LinkageInputError(problems)
