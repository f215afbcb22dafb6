"""Find incidents that are probably one event recorded twice, for a reviewer to merge.

Two incidents are compared only when they are near in time (their date windows overlap or
lie within ``days`` of each other) and in space (within the larger of their uncertainty
radii). Such a pair is suggested when something besides time and place ties them:

- a **victim** named in both (the same person by name, sex and age, through the name
  comparison the caller gives: the linkage's own when it is available);
- a **source** cited by both that is specific to a few incidents (a news story, an
  interview); a list that covers hundreds of incidents says nothing about any two;
- both placed to within 100 m of each other.

Time and place alone never suggest a merge: in a city under bombardment, many separate
strikes fall on one neighbourhood on one day. The score only orders the suggestions for
review; the reasons say what it rests on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from civharm.analysis.strike_matching import PRECISE_RADIUS_M, Allegation, haversine_m

SPECIFIC_SOURCE_MAX_INCIDENTS = 3
"""A source cited by at most this many incidents is specific enough to tie two together."""

AGE_TOLERANCE_YEARS = 3


@dataclass(frozen=True, slots=True)
class NamedVictim:
    """A victim as a list names them: in one script or both (Latin, Arabic)."""

    names: tuple[str, ...]
    sex: str = ""
    age: int | None = None


@dataclass(frozen=True, slots=True)
class IncidentProfile:
    incident: Allegation
    victims: tuple[NamedVictim, ...] = ()
    sources: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    first: str
    second: str
    score: float
    reasons: tuple[str, ...]


NameComparison = Callable[[str, str], bool]


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def same_person(a: NamedVictim, b: NamedVictim, same_name: NameComparison = _same_name) -> bool:
    """Named alike (in any of their spellings), of no contradicting sex, and of ages no
    further apart than a few years."""
    if a.sex and b.sex and a.sex != b.sex:
        return False
    if a.age is not None and b.age is not None and abs(a.age - b.age) > AGE_TOLERANCE_YEARS:
        return False
    return any(same_name(x, y) for x in a.names if x for y in b.names if y)


def _days_apart(a: Allegation, b: Allegation) -> int:
    if a.date_end < b.date_start:
        return (b.date_start - a.date_end).days
    if b.date_end < a.date_start:
        return (a.date_start - b.date_end).days
    return 0


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _shared_victims(a: IncidentProfile, b: IncidentProfile, same_name: NameComparison) -> int:
    shared = 0
    unmatched = list(b.victims)
    for victim in a.victims:
        for index, other in enumerate(unmatched):
            if same_person(victim, other, same_name):
                shared += 1
                del unmatched[index]
                break
    return shared


def _assess(a: IncidentProfile, b: IncidentProfile, specific: frozenset[str], days: int,
            same_name: NameComparison) -> DuplicatePair | None:
    x, y = a.incident, b.incident
    apart = _days_apart(x, y)
    if apart > days or x.latitude is None or y.latitude is None:
        return None
    assert x.longitude is not None and y.longitude is not None
    distance = haversine_m(x.latitude, x.longitude, y.latitude, y.longitude)
    if distance > max(x.radius_m, y.radius_m):
        return None
    victims = _shared_victims(a, b, same_name)
    sources = sorted((a.sources & b.sources) & specific)
    close = x.is_precise and y.is_precise and distance <= PRECISE_RADIUS_M
    if not (victims or sources or close):
        return None
    reasons = ["same day" if apart == 0 else f"{_plural(apart, 'day')} apart",
               f"{distance:,.0f} m apart"]
    score = 0.3 if apart == 0 else 0.15
    if close:
        score += 0.2
    if victims:
        reasons.append(f"{_plural(victims, 'victim')} named in both")
        score += min(0.4, 0.25 + 0.05 * victims)
    if sources:
        reasons.append(f"{_plural(len(sources), 'source')} cited by both ({', '.join(sources[:3])})")
        score += 0.1
    first, second = sorted((x.code, y.code))
    return DuplicatePair(first, second, round(min(score, 1.0), 2), tuple(reasons))


def suggest_duplicates(profiles: Sequence[IncidentProfile], days: int = 1,
                       same_name: NameComparison = _same_name) -> list[DuplicatePair]:
    """Every suggested pair, best first."""
    if days < 0:
        raise ValueError("days must be zero or more")
    cited: dict[str, int] = {}
    for profile in profiles:
        for source in profile.sources:
            cited[source] = cited.get(source, 0) + 1
    specific = frozenset(s for s, n in cited.items() if n <= SPECIFIC_SOURCE_MAX_INCIDENTS)
    by_day: dict[date, list[int]] = {}
    for index, profile in enumerate(profiles):
        day = profile.incident.date_start
        while day <= profile.incident.date_end:
            by_day.setdefault(day, []).append(index)
            day += timedelta(days=1)
    pairs: list[DuplicatePair] = []
    seen: set[tuple[int, int]] = set()
    for index, profile in enumerate(profiles):
        start = profile.incident.date_start - timedelta(days=days)
        end = profile.incident.date_end + timedelta(days=days)
        day = start
        while day <= end:
            for other in by_day.get(day, ()):
                key = (min(index, other), max(index, other))
                if other == index or key in seen:
                    continue
                seen.add(key)
                pair = _assess(profile, profiles[other], specific, days, same_name)
                if pair is not None:
                    pairs.append(pair)
            day += timedelta(days=1)
    return sorted(pairs, key=lambda p: (-p.score, p.first, p.second))
