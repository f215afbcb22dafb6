"""Link the belligerent's verdicts to the incidents they answer.

A monthly civilian-casualty report names each allegation it assessed by date and place,
sometimes with an MGRS reference and sometimes with the monitor's own code. The link is
decided in this order, and the first rule that gives exactly one incident wins:

1. **Cited code.** The entry cites a code that is an incident's code or one of its
   previous codes (kept by merges).
2. **Date and place.** Incidents whose date window, widened by ``days_tolerance``, holds
   the entry's date, and whose place lies within the larger of the two uncertainty radii
   of the entry's place: the MGRS square when one is given, else the gazetteer place.
   When several qualify, the one whose window holds the date while every other is a day
   off; or, for an MGRS square, the one nearer than half the distance of every other.
   Whom the monitor blamed does not decide: belligerents assess allegations made against
   others too, and on the simulated campaign that preference linked many entries wrongly.

An entry that fits no incident, or several equally well, is left unlinked with its
candidates listed: a wrong link would put a verdict on the wrong family's incident, so
the linker never guesses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from civharm.analysis.strike_matching import Allegation, haversine_m

CITED_CODE = "cited code"
MGRS_AND_DATE = "date and MGRS reference"
PLACE_AND_DATE = "date and place"

# A candidate must be this much better than the next one, on the ranking below, to be
# taken alone: a closer date by a whole day, or under half the distance.
_DISTANCE_MARGIN = 0.5


def code_key(code: str) -> str:
    """Codes compare without case, spaces or hyphens: CS1234, cs-1234 and CS 1234 agree."""
    return re.sub(r"[\s\-_]", "", code).upper()


@dataclass(frozen=True, slots=True)
class ReportedVerdict:
    """One numbered entry of a report, placed where it says: at its MGRS square, at its
    gazetteer place, or nowhere."""

    key: str
    date: date | None
    cited_code: str | None
    latitude: float | None
    longitude: float | None
    radius_m: float | None
    by_mgrs: bool = False


@dataclass(frozen=True, slots=True)
class VerdictLink:
    key: str
    incident_code: str | None
    basis: str
    candidates: tuple[str, ...]
    distance_m: float | None = None
    day_offset: int | None = None

    @property
    def linked(self) -> bool:
        return self.incident_code is not None


def _day_offset(day: date, incident: Allegation) -> int:
    if day < incident.date_start:
        return (day - incident.date_start).days
    if day > incident.date_end:
        return (day - incident.date_end).days
    return 0


@dataclass(frozen=True, slots=True)
class _Candidate:
    code: str
    days: int
    distance_m: float


def _candidates(verdict: ReportedVerdict, incidents: Iterable[Allegation],
                days_tolerance: int) -> list[_Candidate]:
    found: list[_Candidate] = []
    if verdict.date is None or verdict.latitude is None or verdict.longitude is None:
        return found
    radius = verdict.radius_m or 0.0
    for incident in incidents:
        if incident.latitude is None or incident.longitude is None:
            continue
        offset = _day_offset(verdict.date, incident)
        if abs(offset) > days_tolerance:
            continue
        distance = haversine_m(verdict.latitude, verdict.longitude,
                               incident.latitude, incident.longitude)
        if distance > max(radius, incident.radius_m):
            continue
        found.append(_Candidate(incident.code, abs(offset), distance))
    return found


def _best(candidates: list[_Candidate], precise: bool) -> _Candidate | None:
    """The one candidate clearly better than the rest, or None when there is no such one."""
    if len(candidates) == 1:
        return candidates[0]
    pool = sorted(candidates, key=lambda c: (c.days, c.distance_m))
    first, second = pool[0], pool[1]
    if first.days < second.days:
        return first
    # Distance tells candidates apart only when the verdict names a small square; from a
    # town's centroid it would favour whichever incident lies nearest the town centre.
    if precise and first.distance_m < _DISTANCE_MARGIN * second.distance_m:
        return first
    return None


def link_verdicts(verdicts: Sequence[ReportedVerdict], incidents: Sequence[Allegation],
                  previous_codes: dict[str, str] | None = None,
                  days_tolerance: int = 1) -> list[VerdictLink]:
    """One link (or a reasoned non-link) per verdict, in the verdicts' order.

    ``previous_codes`` maps each code an incident used to have (by :func:`code_key`) to
    its current code.
    """
    by_code = {code_key(i.code): i.code for i in incidents}
    for old, current in (previous_codes or {}).items():
        by_code.setdefault(code_key(old), current)
    by_day: dict[date, list[Allegation]] = {}
    for incident in incidents:
        day = incident.date_start
        while day <= incident.date_end:
            by_day.setdefault(day, []).append(incident)
            day = date.fromordinal(day.toordinal() + 1)
    links = []
    for verdict in verdicts:
        if verdict.cited_code and code_key(verdict.cited_code) in by_code:
            code = by_code[code_key(verdict.cited_code)]
            links.append(VerdictLink(verdict.key, code, CITED_CODE, (code,)))
            continue
        nearby: dict[str, Allegation] = {}
        if verdict.date is not None:
            for shift in range(-days_tolerance, days_tolerance + 1):
                day = date.fromordinal(verdict.date.toordinal() + shift)
                nearby.update((i.code, i) for i in by_day.get(day, ()))
        candidates = _candidates(verdict, nearby.values(), days_tolerance)
        basis = MGRS_AND_DATE if verdict.by_mgrs else PLACE_AND_DATE
        codes = tuple(sorted(c.code for c in candidates))
        best = _best(candidates, verdict.by_mgrs) if candidates else None
        if best is None:
            why = _unlinked_reason(verdict, candidates)
            links.append(VerdictLink(verdict.key, None, why, codes))
            continue
        links.append(VerdictLink(verdict.key, best.code, basis, codes, best.distance_m, best.days))
    return links


def _unlinked_reason(verdict: ReportedVerdict, candidates: list[_Candidate]) -> str:
    if verdict.date is None:
        return "no date to link by"
    if verdict.latitude is None:
        return "place not in the gazetteer and no MGRS reference"
    if not candidates:
        return "no incident on that date near that place"
    return f"{len(candidates)} incidents fit equally well"
