"""Casualty counts: a min/max range for each outcome and category of person."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

OUTCOMES: tuple[str, ...] = ("killed", "injured")
CATEGORIES: tuple[str, ...] = (
    "civilians",
    "children",
    "women",
    "men",
    "belligerents",
    "undetermined",
)


def column_name(outcome: str, category: str, bound: str) -> str:
    """The column that holds one bound, e.g. ``killed_children_max``."""
    return f"{outcome}_{category}_{bound}"


def casualty_columns() -> Iterator[tuple[str, str, str]]:
    """Every (outcome, category, bound) triple, in file-column order."""
    for outcome in OUTCOMES:
        for category in CATEGORIES:
            for bound in ("min", "max"):
                yield outcome, category, bound


@dataclass(frozen=True, slots=True)
class Range:
    """A count known to lie between ``low`` and ``high`` inclusive."""

    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low < 0:
            raise ValueError(f"a count cannot be negative (min is {self.low})")
        if self.high < self.low:
            raise ValueError(f"max ({self.high}) is below min ({self.low})")

    @classmethod
    def of(cls, low: int | None, high: int | None) -> Range | None:
        """A range from optional bounds: one bound alone stands for both."""
        if low is None and high is None:
            return None
        if low is None:
            low = high
        if high is None:
            high = low
        assert low is not None and high is not None
        return cls(low, high)

    def __add__(self, other: Range) -> Range:
        return Range(self.low + other.low, self.high + other.high)

    def span(self, other: Range) -> Range:
        """The range covering both: how far apart the sources are."""
        return Range(min(self.low, other.low), max(self.high, other.high))

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"


ZERO = Range(0, 0)


@dataclass(frozen=True, slots=True)
class Casualties:
    """Ranges keyed by (outcome, category); a missing key means 'not stated'."""

    ranges: Mapping[tuple[str, str], Range] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for outcome, category in self.ranges:
            if outcome not in OUTCOMES or category not in CATEGORIES:
                raise ValueError(f"unknown casualty category {outcome} {category}")

    def get(self, outcome: str, category: str) -> Range | None:
        return self.ranges.get((outcome, category))

    @property
    def civilians_killed(self) -> Range | None:
        return self.get("killed", "civilians")

    @property
    def civilians_injured(self) -> Range | None:
        return self.get("injured", "civilians")

    @classmethod
    def from_columns(cls, columns: Mapping[str, int | None]) -> Casualties:
        """Build from flat ``killed_civilians_min``-style values."""
        ranges: dict[tuple[str, str], Range] = {}
        for outcome in OUTCOMES:
            for category in CATEGORIES:
                found = Range.of(
                    columns.get(column_name(outcome, category, "min")),
                    columns.get(column_name(outcome, category, "max")),
                )
                if found is not None:
                    ranges[(outcome, category)] = found
        return cls(ranges)

    def to_columns(self) -> dict[str, int | None]:
        columns: dict[str, int | None] = {}
        for outcome, category, bound in casualty_columns():
            found = self.ranges.get((outcome, category))
            value = None if found is None else (found.low if bound == "min" else found.high)
            columns[column_name(outcome, category, bound)] = value
        return columns

    def problems(self) -> list[str]:
        """Inconsistencies between categories, e.g. more children killed than civilians."""
        found: list[str] = []
        for outcome in OUTCOMES:
            civilians = self.get(outcome, "civilians")
            if civilians is None:
                continue
            parts = [self.get(outcome, c) for c in ("children", "women", "men")]
            floor = sum(p.low for p in parts if p is not None)
            if floor > civilians.high:
                found.append(
                    f"{outcome}: children, women and men add up to at least {floor}, "
                    f"more than the {civilians.high} civilians stated"
                )
        return found


def incident_range(claims: Iterable[Range]) -> Range | None:
    """An incident's range across its sources: the lowest minimum to the highest maximum.

    This follows the monitors' convention: the range shows how far the sources
    disagree, rather than an average that no source stated.
    """
    total: Range | None = None
    for claim in claims:
        total = claim if total is None else total.span(claim)
    return total
