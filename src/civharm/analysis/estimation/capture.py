"""The capture table: how many people each combination of lists names.

Multiple systems estimation starts from J lists (sources that each name some of the dead) and,
for every capture pattern — a 0/1 vector saying which lists name a person — the number of people
with that pattern. The all-zero pattern is the people no list names: it is what MSE estimates, so
it can never appear in the table.

On disk the table is a CSV with one 0/1 column per list and a last column ``count``, one row per
observed pattern::

    A,B,C,count
    1,0,0,120
    0,1,0,85
    1,1,0,40

Decisions, so that a figure can be traced to exactly one reading of the file:

* a pattern listed twice is an error (never summed): a repeated row is far more often a pasted
  block or a broken export than an intended split of one cell;
* a row with count 0 is accepted and means the same as a missing row;
* the reader never raises anything but :class:`CaptureTableError`, which carries every problem
  found, each with its line number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# Above these a table is a mistake, not a study: 2^30 patterns, or more people than ever lived.
MAX_LISTS = 30
MAX_COUNT = 10**9

_COUNT = re.compile(r"[0-9]{1,10}")

Pattern = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TableProblem:
    """One thing wrong with a capture table; ``line`` is the file line (1-based) when known."""

    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = "table" if self.line is None else f"line {self.line}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"

    def as_json(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "reason": self.reason}


class CaptureTableError(ValueError):
    """The capture table cannot be used; ``problems`` lists every reason found."""

    def __init__(self, problems: Iterable[TableProblem]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = len(self.problems) - 5
        super().__init__(shown + (f"; and {more} more problems" if more > 0 else ""))


@dataclass(frozen=True, slots=True)
class CaptureTable:
    """Counts per observed capture pattern.

    Stored canonically — patterns sorted, zero counts dropped — so that two tables naming the
    same people compare equal whatever the order of their rows.
    """

    lists: tuple[str, ...]
    patterns: tuple[Pattern, ...]
    counts: tuple[int, ...]

    def __post_init__(self) -> None:
        problems = _check(self.lists, self.patterns, self.counts)
        if problems:
            raise CaptureTableError(problems)
        kept = sorted((p, c) for p, c in zip(self.patterns, self.counts, strict=True) if c > 0)
        object.__setattr__(self, "lists", tuple(self.lists))
        object.__setattr__(self, "patterns", tuple(tuple(p) for p, _ in kept))
        object.__setattr__(self, "counts", tuple(int(c) for _, c in kept))

    @classmethod
    def from_counts(cls, lists: Iterable[str], counts: Mapping[Pattern, int]) -> CaptureTable:
        return cls(tuple(lists), tuple(counts), tuple(counts.values()))

    @classmethod
    def from_memberships(cls, lists: Iterable[str], people: Iterable[Collection[str]]) -> CaptureTable:
        """Build the table from each person's set of lists (as linkage produces them)."""
        names = tuple(lists)
        index = {name: j for j, name in enumerate(names)}
        tally: dict[Pattern, int] = {}
        problems: list[TableProblem] = []
        for number, on in enumerate(people, start=1):
            unknown = sorted(set(on) - index.keys())
            if unknown:
                problems.append(TableProblem(None, None, f"person {number} is on unknown lists {unknown}"))
                continue
            pattern = tuple(int(name in on) for name in names)
            tally[pattern] = tally.get(pattern, 0) + 1
        if problems:
            raise CaptureTableError(problems)
        return cls.from_counts(names, tally)

    @property
    def observed(self) -> int:
        """People named by at least one list: the documented count."""
        return sum(self.counts)

    @property
    def list_totals(self) -> tuple[int, ...]:
        """People on each list."""
        return tuple(
            sum(c for p, c in zip(self.patterns, self.counts, strict=True) if p[j])
            for j in range(len(self.lists))
        )

    def count(self, pattern: Pattern) -> int:
        for p, c in zip(self.patterns, self.counts, strict=True):
            if p == pattern:
                return c
        return 0

    def pattern_array(self) -> npt.NDArray[np.int64]:
        """Observed patterns as a (patterns × lists) 0/1 array."""
        return np.array(self.patterns, dtype=np.int64).reshape(len(self.patterns), len(self.lists))

    def count_array(self) -> npt.NDArray[np.int64]:
        return np.array(self.counts, dtype=np.int64)

    def full_counts(self) -> npt.NDArray[np.int64]:
        """Counts for every one of the 2^J − 1 possible patterns, in :func:`all_patterns` order."""
        full = np.zeros(2 ** len(self.lists) - 1, dtype=np.int64)
        for p, c in zip(self.patterns, self.counts, strict=True):
            full[pattern_index(p) - 1] = c
        return full

    def to_csv(self) -> str:
        rows = [",".join((*self.lists, "count"))]
        rows += [",".join((*map(str, p), str(c))) for p, c in zip(self.patterns, self.counts, strict=True)]
        return "\n".join(rows) + "\n"

    def as_json(self) -> dict[str, object]:
        return {
            "lists": list(self.lists),
            "patterns": [{"pattern": list(p), "count": c} for p, c in zip(self.patterns, self.counts,
                                                                         strict=True)],
            "observed": self.observed,
        }


def pattern_index(pattern: Pattern) -> int:
    """The pattern read as a binary number, first list as the lowest bit (all-zero is 0)."""
    return sum(bit << j for j, bit in enumerate(pattern))


def all_patterns(lists: int) -> npt.NDArray[np.int64]:
    """Every non-zero pattern of ``lists`` lists, row i being the binary digits of i + 1."""
    codes = np.arange(1, 2**lists, dtype=np.int64)
    return ((codes[:, None] >> np.arange(lists, dtype=np.int64)) & 1).astype(np.int64)


def _check(lists: tuple[str, ...], patterns: tuple[Pattern, ...], counts: tuple[int, ...],
           ) -> list[TableProblem]:
    problems = [TableProblem(None, None, r) for r in _header_reasons([str(n) for n in lists])]
    if len(patterns) != len(counts):
        problems.append(TableProblem(None, None, "patterns and counts differ in length"))
        return problems
    seen: set[Pattern] = set()
    for pattern, count in zip(patterns, counts, strict=True):
        if len(pattern) != len(lists) or any(bit not in (0, 1) for bit in pattern):
            problems.append(TableProblem(None, None, f"pattern {pattern} is not {len(lists)} 0/1 values"))
        elif not any(pattern):
            problems.append(TableProblem(None, None, "the all-zero pattern (people on no list) cannot be "
                                                     "observed"))
        elif tuple(pattern) in seen:
            problems.append(TableProblem(None, None, f"pattern {pattern} appears twice"))
        seen.add(tuple(pattern))
        if isinstance(count, bool) or not isinstance(count, int | np.integer) or not 0 <= count <= MAX_COUNT:
            problems.append(TableProblem(None, None, f"count {count!r} is not a whole number from 0 to "
                                                     f"{MAX_COUNT}"))
    return problems


def _header_reasons(names: list[str]) -> list[str]:
    reasons = []
    if len(names) < 2:
        reasons.append("a capture table needs at least two lists")
    if len(names) > MAX_LISTS:
        reasons.append(f"{len(names)} lists; at most {MAX_LISTS} are supported")
    if any(not n.strip() for n in names):
        reasons.append("a list has no name")
    folded = [n.strip().casefold() for n in names]
    repeated = sorted({n for n in names if folded.count(n.strip().casefold()) > 1})
    if repeated:
        reasons.append(f"list names repeat: {', '.join(repeated)}")
    return reasons


def read_capture_table(text: str) -> CaptureTable:
    """Read a capture table from CSV text (see the module docstring for the format).

    Raises :class:`CaptureTableError` listing every problem, each with its line number; nothing
    else escapes, whatever the input.
    """
    problems: list[TableProblem] = []
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        for record in reader:
            if any(field.strip() for field in record):
                rows.append((reader.line_num, record))
    except csv.Error as error:
        # The csv module cannot resynchronise after a malformed record: report it and stop.
        problems.append(TableProblem(reader.line_num, None, f"not readable as CSV ({error})"))
    if not rows:
        raise CaptureTableError([*problems, TableProblem(None, None, "the table has no header and no rows")])

    header_line, header = rows[0]
    names = [h.strip() for h in header]
    if not names or names[-1].casefold() != "count":
        problems.append(TableProblem(header_line, None, "the last column must be 'count'"))
        raise CaptureTableError(problems)
    lists = names[:-1]
    header_problems = [TableProblem(header_line, None, r) for r in _header_reasons(lists)]
    if header_problems:
        raise CaptureTableError(problems + header_problems)

    first_line: dict[Pattern, int] = {}
    tally: dict[Pattern, int] = {}
    for line, record in rows[1:]:
        if len(record) != len(names):
            problems.append(TableProblem(line, None, f"{len(record)} fields; the header has {len(names)}"))
            continue
        bits: list[int] = []
        for name, field in zip(lists, record, strict=False):
            value = field.strip()
            if value in ("0", "1"):
                bits.append(int(value))
            else:
                problems.append(TableProblem(line, name, f"{_show(value)} is not 0 or 1"))
        raw_count = record[-1].strip()
        count: int | None = None
        if _COUNT.fullmatch(raw_count) and int(raw_count) <= MAX_COUNT:
            count = int(raw_count)
        else:
            problems.append(TableProblem(line, "count", f"{_show(raw_count)} is not a whole number "
                                                        f"from 0 to {MAX_COUNT}"))
        if len(bits) != len(lists):
            continue
        pattern = tuple(bits)
        if not any(pattern):
            problems.append(TableProblem(line, None, "the all-zero pattern (people on no list) cannot be "
                                                     "observed; it is what the estimate is for"))
        elif pattern in first_line:
            problems.append(TableProblem(line, None, f"pattern repeats line {first_line[pattern]}"))
        elif count is not None:
            first_line[pattern] = line
            tally[pattern] = count
    if not problems and sum(tally.values()) == 0:
        problems.append(TableProblem(None, None, "the table names nobody"))
    if problems:
        raise CaptureTableError(problems)
    return CaptureTable.from_counts(lists, tally)


def _show(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "…")
