"""Read a belligerent's daily strike release into one record per place line.

Releases look like::

    In Syria, Coalition military forces conducted 12 strikes consisting of 14
    engagements against ISIS targets.
    -- Near Raqqah, 10 strikes engaged four ISIS tactical units and destroyed
       18 fighting positions, two vehicle bomb factories and a mortar system.
    • Near Tabqah, two strikes engaged an ISIS tactical unit and destroyed a vehicle.
    On Oct. 18, near Raqqah, Syria, a strike engaged an ISIS tactical unit.

The parser never raises on its input: a line it cannot read becomes a problem with
its line number, and prose that says nothing about strikes is counted as skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from civharm.analysis.numbers import COUNT, read_count

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?"
DATE_PHRASE = rf"(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?"

_BULLET = re.compile(r"^\s*(?:--|—|–|•|\*|·|-)\s*")
_INLINE_BULLET = re.compile(r"(?:[:;.]\s*|\s+)(?:--|—|•|\*)\s+")
_SECTION = re.compile(r"^In\s+(?P<country>[A-Z][A-Za-z ]+?),\s+(?P<rest>.*)$")
_NEAR = re.compile(r"^Near\s+(?P<place>[^,]+?),\s*(?P<rest>.+)$", re.IGNORECASE)
_LATE = re.compile(
    rf"^(?:Additionally,\s+)?On\s+{DATE_PHRASE},\s+near\s+(?P<place>[^,]+?),\s*"
    rf"(?:(?P<country>Syria|Iraq),\s*)?(?P<rest>.+)$",
    re.IGNORECASE,
)
_HEADER_DATE = re.compile(DATE_PHRASE)
_DAY_SUMMARY = re.compile(rf"\bforces\s+conducted\s+{COUNT}\s+strikes?\b", re.IGNORECASE)
_STRIKES = re.compile(rf"^(?P<n>{COUNT})\s+(?:coalition\s+)?(?:air\s*)?strikes?\b", re.IGNORECASE)
_ENGAGEMENTS = re.compile(rf"consisting\s+of\s+(?P<n>{COUNT})\s+engagements?", re.IGNORECASE)
_UNITS = re.compile(
    rf"engaged\s+(?P<n>{COUNT})\s+(?:ISIS|ISIL|Daesh)?\s*tactical\s+units?", re.IGNORECASE
)
_DESTROYED = re.compile(
    r"\bdestroyed\s+(?P<list>.+?)\s*(?:(?:,\s*|\s+)and\s+(?:damaged|suppressed|denied)\b.*|;.*)?\.?$",
    re.IGNORECASE,
)
_ITEM_SPLIT = re.compile(rf",\s*(?:and\s+)?|\s+and\s+(?=(?:{COUNT})\s)", re.IGNORECASE)
_ITEM = re.compile(rf"^(?P<n>{COUNT})\s+(?P<what>.+)$", re.IGNORECASE)
_STRIKE_WORDS = re.compile(r"\b(?:strikes?|engaged|destroyed|engagements?)\b", re.IGNORECASE)
_OWNERS = re.compile(r"^(?:ISIS|ISIL|Daesh)(?:-(?:held|used|controlled))?\s+", re.IGNORECASE)

_IRREGULAR = {
    "headquarters": "headquarters", "equipment": "equipment", "artillery": "artillery",
    "caches": "cache", "cache": "cache", "mortars": "mortar", "bridges": "bridge",
    "bases": "base", "garages": "garage", "launchers": "launcher", "areas": "area",
    "barracks": "barracks", "series": "series", "buses": "bus", "gas": "gas",
}


@dataclass(frozen=True, slots=True)
class StrikeLine:
    """One place line of a release."""

    line: int
    date: date | None
    country: str
    place: str
    place_id: str | None
    strikes: int | None
    engagements: int | None
    tactical_units: int | None
    destroyed: dict[str, int]
    text: str

    def as_json(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat() if self.date else None,
            "country": self.country or None,
            "place": self.place,
            "place_id": self.place_id,
            "strikes": self.strikes,
            "engagements": self.engagements,
            "tactical_units": self.tactical_units,
            "destroyed": dict(self.destroyed),
        }


@dataclass(frozen=True, slots=True)
class LineProblem:
    line: int
    reason: str
    text: str

    def __str__(self) -> str:
        shown = self.text if len(self.text) <= 90 else self.text[:87] + "…"
        return f"line {self.line}: {self.reason}: {shown!r}"


@dataclass(slots=True)
class ParsedRelease:
    lines: list[StrikeLine] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    skipped: int = 0
    release_date: date | None = None


def singular(noun_phrase: str) -> str:
    """"vehicle bomb factories" -> "vehicle bomb factory"; the last word carries the plural."""
    words = noun_phrase.strip().lower().split()
    if not words:
        return ""
    last = words[-1]
    if last in _IRREGULAR:
        words[-1] = _IRREGULAR[last]
    elif last.endswith("ies") and len(last) > 4:
        words[-1] = last[:-3] + "y"
    elif last.endswith(("sses", "shes", "ches", "xes", "zes")):
        words[-1] = last[:-2]
    elif last.endswith("s") and not last.endswith(("ss", "us", "is")):
        words[-1] = last[:-1]
    return " ".join(words)


_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def date_from_name(name: str) -> date | None:
    """Releases saved one file a day are named after the day: ``2017-06-14.txt``."""
    found = _DATE_IN_NAME.search(name)
    if not found:
        return None
    try:
        return date(*(int(g) for g in found.groups()))
    except ValueError:
        return None


def month_day(month: str, day: str, year: str | None, default_year: int | None) -> date | None:
    number = MONTHS.get(month.lower().rstrip(".")[:4]) or MONTHS.get(month.lower()[:3])
    chosen = int(year) if year else default_year
    if number is None or chosen is None:
        return None
    try:
        return date(chosen, number, int(day))
    except ValueError:
        return None


def _segments(raw: str) -> list[str]:
    """A physical line may carry several bulleted place lines after a section sentence."""
    text = _BULLET.sub("", raw).strip()
    return [part.strip() for part in _INLINE_BULLET.split(text) if part.strip()]


def parse_strike_release(
    text: str,
    *,
    release_date: date | None = None,
    resolve_place: Callable[[str], str | None] = lambda name: None,
) -> ParsedRelease:
    """Every place line of a release, with each line it could not read as a problem."""
    parsed = ParsedRelease(release_date=release_date)
    country = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        for segment in _segments(raw):
            country = _read_segment(parsed, number, segment, country, resolve_place)
    return parsed


def _read_segment(
    parsed: ParsedRelease,
    number: int,
    segment: str,
    country: str,
    resolve_place: Callable[[str], str | None],
) -> str:
    section = _SECTION.match(segment)
    if section and not _NEAR.match(segment):
        return section.group("country").strip()
    late = _LATE.match(segment)
    if late:
        year = parsed.release_date.year if parsed.release_date else None
        when = month_day(late.group("month"), late.group("day"), late.group("year"), year)
        if when is None:
            parsed.problems.append(LineProblem(number, "cannot tell the date of this strike", segment))
            return country
        _place_line(parsed, number, segment, late.group("place"), late.group("rest"),
                    late.group("country") or country, when, resolve_place)
        return country
    near = _NEAR.match(segment)
    if near:
        _place_line(parsed, number, segment, near.group("place"), near.group("rest"), country,
                    parsed.release_date, resolve_place)
        return country
    if parsed.release_date is None and not parsed.lines:
        found = _HEADER_DATE.search(segment)
        if found and found.group("year"):
            parsed.release_date = month_day(found.group("month"), found.group("day"),
                                            found.group("year"), None)
            return country
    if _DAY_SUMMARY.search(segment):
        # "On June 14, Coalition military forces conducted 17 strikes …": the day's total.
        return country
    if _STRIKE_WORDS.search(segment) and re.search(rf"\b{COUNT}\b", segment, re.IGNORECASE):
        parsed.problems.append(LineProblem(number, "reads like a strike line but is not one", segment))
    else:
        parsed.skipped += 1
    return country


def _place_line(
    parsed: ParsedRelease,
    number: int,
    segment: str,
    place: str,
    rest: str,
    country: str,
    when: date | None,
    resolve_place: Callable[[str], str | None],
) -> None:
    strikes_match = _STRIKES.match(rest.strip())
    if strikes_match is None:
        parsed.problems.append(LineProblem(number, "no number of strikes", segment))
        return
    engagements = _ENGAGEMENTS.search(rest)
    units = _UNITS.search(rest)
    destroyed: dict[str, int] = {}
    listing = _DESTROYED.search(rest)
    if listing:
        for item in _ITEM_SPLIT.split(listing.group("list")):
            item = item.strip().rstrip(".")
            if not item:
                continue
            found = _ITEM.match(item)
            count = read_count(found.group("n")) if found else None
            if found is None or count is None:
                parsed.problems.append(LineProblem(number, f"no count for {item!r}", segment))
                continue
            target = singular(_OWNERS.sub("", found.group("what")))
            destroyed[target] = destroyed.get(target, 0) + count
    name = place.strip()
    parsed.lines.append(StrikeLine(
        line=number,
        date=when,
        country=country,
        place=name,
        place_id=resolve_place(name),
        strikes=read_count(strikes_match.group("n")),
        engagements=read_count(engagements.group("n")) if engagements else None,
        tactical_units=read_count(units.group("n")) if units else None,
        destroyed=destroyed,
        text=segment,
    ))
