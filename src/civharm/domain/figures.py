"""Headline figures, stated the way monitors state them.

Pure: the services hand in plain rows and get plain numbers back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from civharm.domain.casualties import ZERO, Range
from civharm.domain.vocabulary import Grade


@dataclass(frozen=True, slots=True)
class IncidentTally:
    """What the figures need to know of one incident."""

    code: str
    grade: Grade | None
    civilians_killed: Range | None
    location: tuple[float, float] | str | None


@dataclass(frozen=True, slots=True)
class Concession:
    belligerent: str
    deaths: Range | None


@dataclass(frozen=True, slots=True)
class HeadlineFigures:
    incidents: int
    strike_locations: int
    sources: int
    witnesses: int
    named_victims: int
    killed: Range
    likely_deaths: Range
    conceded: dict[str, Range] = field(default_factory=dict)
    ungraded_incidents: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "incidents": self.incidents,
            "strike_locations": self.strike_locations,
            "sources": self.sources,
            "witnesses": self.witnesses,
            "named_victims": self.named_victims,
            "killed_min": self.killed.low,
            "killed_max": self.killed.high,
            "likely_deaths": self.likely_deaths.low,
            "likely_deaths_max": self.likely_deaths.high,
            "ungraded_incidents": self.ungraded_incidents,
            "conceded": {
                name: {"min": r.low, "max": r.high} for name, r in sorted(self.conceded.items())
            },
        }


def location_key(
    latitude: float | None, longitude: float | None, place: str
) -> tuple[float, float] | str | None:
    """Incidents at the same spot (to about 10 m) are one strike location."""
    if latitude is not None and longitude is not None:
        return (round(latitude, 4), round(longitude, 4))
    return place.strip().casefold() or None


def headline_figures(
    incidents: Iterable[IncidentTally],
    concessions: Iterable[Concession],
    *,
    sources: int,
    witnesses: int,
    named_victims: int,
) -> HeadlineFigures:
    """Sum the incidents into the figures a report leads with.

    * ``killed`` sums every incident's range except Discounted ones (those killed
      were combatants, or another party was responsible).
    * ``likely_deaths`` sums Fair and Confirmed incidents only.
    """
    count = 0
    ungraded = 0
    locations: set[tuple[float, float] | str] = set()
    killed = ZERO
    likely = ZERO
    for incident in incidents:
        count += 1
        if incident.location is not None:
            locations.add(incident.location)
        if incident.grade is None:
            ungraded += 1
        deaths = incident.civilians_killed or ZERO
        if incident.grade is not Grade.DISCOUNTED:
            killed = killed + deaths
        if incident.grade is not None and incident.grade.counts_as_likely:
            likely = likely + deaths
    # A verdict that states no figure concedes nothing; it is not a concession of zero.
    conceded: dict[str, Range] = defaultdict(lambda: ZERO)
    for concession in concessions:
        if concession.deaths is not None:
            conceded[concession.belligerent] = conceded[concession.belligerent] + concession.deaths
    return HeadlineFigures(
        incidents=count,
        strike_locations=len(locations),
        sources=sources,
        witnesses=witnesses,
        named_victims=named_victims,
        killed=killed,
        likely_deaths=likely,
        conceded=dict(conceded),
        ungraded_incidents=ungraded,
    )
