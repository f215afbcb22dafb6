"""Link allegations to the strikes a belligerent itself declared, and suggest a status and grade.

An allegation matches a declared strike when the strike is the same belligerent's (one the
allegation blames), falls in the allegation's date window widened by ``days_before`` and
``days_after`` (by default: the same day or the day before, since releases and local
reports disagree about midnight), and lies within the larger of the two uncertainty radii:
a strike "near Raqqa" can be anywhere in the city, and so can an allegation placed only
at the city.

The matcher is pure and fast: strikes are bucketed by (belligerent, day), and within a
bucket by radius tier into a grid of cells keyed by latitude and longitude, so that an
allegation only measures its distance to the strikes in the cells it can reach. The grid
only narrows the candidates; every pair is decided by the same exact haversine test that
``match_strikes_brute_force`` applies to all pairs, so both return the same matches.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import NamedTuple

from civharm.domain.vocabulary import BelligerentAssessment, GeoPrecision, Grade, StrikeStatus

EARTH_RADIUS_M = 6_371_008.8
"""The mean Earth radius (IUGG): the haversine distance on the sphere of this radius."""

_METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180.0

# The uncertainty radius of each rung of the precision ladder, in metres: roughly the
# radius of a circle the size of the area the rung names, in a Syrian or Iraqi setting.
# Points (exact, within 1 m, within 100 m) are their stated tolerance; a landmark is a
# compound or large building with its grounds; a street a city block either side; a
# neighbourhood (e.g. Raqqa's al-Rumeila) about 1 km; a village 2 km; a town 5 km; a city
# the size of Raqqa or Mosul's east bank 8 km; a subdistrict (nahiya) 20 km; a district
# (mantiqa) 40 km; a governorate (muhafaza) 100 km. They are deliberately generous: a
# radius too small hides a true match, one too large only adds a candidate for an analyst.
PRECISION_RADIUS_M: dict[GeoPrecision, float] = {
    GeoPrecision.EXACT: 1.0,
    GeoPrecision.WITHIN_1M: 1.0,
    GeoPrecision.WITHIN_100M: 100.0,
    GeoPrecision.LANDMARK: 150.0,
    GeoPrecision.STREET: 300.0,
    GeoPrecision.NEIGHBOURHOOD: 1_000.0,
    GeoPrecision.VILLAGE: 2_000.0,
    GeoPrecision.TOWN: 5_000.0,
    GeoPrecision.CITY: 8_000.0,
    GeoPrecision.SUBDISTRICT: 20_000.0,
    GeoPrecision.DISTRICT: 40_000.0,
    GeoPrecision.GOVERNORATE: 100_000.0,
}

FIFTY_METRE_RULE_M = 50.0
"""The New York Times' "The Uncounted" counted an airstrike as probably the coalition's
when the coalition's own log placed a strike within 50 m of it on that day."""

PRECISE_RADIUS_M = PRECISION_RADIUS_M[GeoPrecision.WITHIN_100M]


def precision_radius_m(precision: GeoPrecision | None) -> float:
    """The uncertainty radius of a precision in metres; an unknown precision is taken as
    the coarsest rung, so that it can hide no match (it may add candidates)."""
    if precision is None:
        return PRECISION_RADIUS_M[GeoPrecision.GOVERNORATE]
    return PRECISION_RADIUS_M[precision]


@dataclass(frozen=True, slots=True)
class Allegation:
    """What the matcher needs of an incident: its date window, place and who is blamed."""

    code: str
    date_start: date
    date_end: date
    latitude: float | None
    longitude: float | None
    precision: GeoPrecision | None
    belligerents: tuple[str, ...]

    @property
    def radius_m(self) -> float:
        return precision_radius_m(self.precision)

    @property
    def is_precise(self) -> bool:
        """Precise to within 100 m or finer."""
        return self.precision is not None and self.precision.rank >= GeoPrecision.WITHIN_100M.rank


@dataclass(frozen=True, slots=True)
class StrikeReport:
    """One declared strike line, placed at its place or at its MGRS square's centre;
    ``radius_m`` is the place's or the square's uncertainty."""

    key: str
    date: date
    belligerent: str
    latitude: float
    longitude: float
    radius_m: float

    @property
    def is_precise(self) -> bool:
        return self.radius_m <= PRECISE_RADIUS_M


class Match(NamedTuple):
    """A declared strike near an allegation in place and time.

    ``day_offset`` is 0 when the strike's date lies inside the allegation's window, the
    (negative) number of days before its start, or the number of days after its end.
    ``same_day`` says the allegation is dated to one day and the strike is on that day.
    (A named tuple rather than a dataclass: the matcher makes millions of them, and a
    tuple is made several times faster.)
    """

    strike_key: str
    distance_m: float
    day_offset: int
    same_day: bool
    fifty_metre_rule: bool


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres between two WGS84 points (on a sphere)."""
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    a = (math.sin((phi2 - phi1) / 2.0) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2.0) ** 2)
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(a if a < 1.0 else 1.0))


def _match(allegation: Allegation, strike: StrikeReport, distance: float) -> Match:
    ordinal = strike.date.toordinal()
    start = allegation.date_start.toordinal()
    end = allegation.date_end.toordinal()
    offset = ordinal - start if ordinal < start else ordinal - end if ordinal > end else 0
    return Match(
        strike_key=strike.key,
        distance_m=distance,
        day_offset=offset,
        same_day=start == end == ordinal,
        fifty_metre_rule=(allegation.is_precise and strike.is_precise
                          and distance <= FIFTY_METRE_RULE_M),
    )


def _check_windows(days_before: int, days_after: int) -> None:
    if days_before < 0 or days_after < 0:
        raise ValueError("days_before and days_after must be zero or more")


def _sort(found: dict[str, list[Match]]) -> dict[str, list[Match]]:
    # A strike matches an allegation at most once, so (distance, key) orders completely.
    nearest_first = attrgetter("distance_m", "strike_key")
    for matches in found.values():
        matches.sort(key=nearest_first)
    return found


def match_strikes_brute_force(
    allegations: Iterable[Allegation],
    strikes: Sequence[StrikeReport],
    *,
    days_before: int = 1,
    days_after: int = 0,
) -> dict[str, list[Match]]:
    """The reference: every allegation against every strike, O(n·m). For tests."""
    _check_windows(days_before, days_after)
    found: dict[str, list[Match]] = {}
    for allegation in allegations:
        matches = found.setdefault(allegation.code, [])
        if allegation.latitude is None or allegation.longitude is None:
            continue
        first = allegation.date_start.toordinal() - days_before
        last = allegation.date_end.toordinal() + days_after
        for strike in strikes:
            if strike.belligerent not in allegation.belligerents:
                continue
            if not first <= strike.date.toordinal() <= last:
                continue
            distance = haversine_m(allegation.latitude, allegation.longitude,
                                   strike.latitude, strike.longitude)
            if distance <= max(allegation.radius_m, strike.radius_m):
                matches.append(_match(allegation, strike, distance))
    return _sort(found)


# ---------------------------------------------------------------------------------------
# The index.

_MIN_CELL_M = 2_000.0
"""The smallest grid cell. Measured on the benchmark: 250 m cells cost more dictionary
lookups than the distances they save (2.5× slower); 1 to 4 km cells are about equal."""


# A strike as the hot loop wants it: latitude in radians, its cosine, longitude in
# degrees, radius in metres and (with a margin) in radians of arc, and the strike itself.
_Entry = tuple[float, float, float, float, float, StrikeReport]
_MARGIN = 1.0 + 1e-9


@dataclass(slots=True)
class _Grid:
    """The strikes of one (belligerent, day) bucket and radius tier, in cells of equal
    size in degrees. There are ``columns`` cells round a parallel, so that a cell number
    taken modulo ``columns`` wraps correctly across the antimeridian."""

    cell_deg: float
    columns: int
    max_radius_m: float
    entries: list[_Entry]
    cells: dict[tuple[int, int], list[_Entry]]


def _new_grid(radius_m: float) -> _Grid:
    columns = max(1, int(360.0 / (max(radius_m, _MIN_CELL_M) / _METRES_PER_DEGREE)))
    return _Grid(360.0 / columns, columns, 0.0, [], {})


def _cell(grid: _Grid, latitude: float, longitude: float) -> tuple[int, int]:
    row = math.floor((latitude + 90.0) / grid.cell_deg)
    column = math.floor((longitude + 180.0) / grid.cell_deg) % grid.columns
    return row, column


def _tier(radius_m: float) -> int:
    """Strikes of similar radius share a grid whose cells suit that radius."""
    return max(0, math.ceil(math.log2(max(radius_m, 1.0))))


class StrikeIndex:
    """Declared strikes bucketed by (belligerent, day), then by radius tier into grids."""

    def __init__(self, strikes: Iterable[StrikeReport]) -> None:
        self._buckets: dict[tuple[str, int], list[_Grid]] = {}
        tiers: dict[tuple[str, int], dict[int, _Grid]] = defaultdict(dict)
        for strike in strikes:
            bucket = tiers[(strike.belligerent, strike.date.toordinal())]
            tier = _tier(strike.radius_m)
            grid = bucket.get(tier)
            if grid is None:
                grid = bucket[tier] = _new_grid(2.0 ** tier)
            phi = math.radians(strike.latitude)
            entry = (phi, math.cos(phi), strike.longitude, strike.radius_m,
                     strike.radius_m / EARTH_RADIUS_M * _MARGIN, strike)
            grid.entries.append(entry)
            grid.max_radius_m = max(grid.max_radius_m, strike.radius_m)
            grid.cells.setdefault(_cell(grid, strike.latitude, strike.longitude), []).append(entry)
        for key, bucket in tiers.items():
            self._buckets[key] = list(bucket.values())

    def _candidates(self, belligerent: str, day: int, latitude: float, longitude: float,
                    radius_m: float) -> list[list[_Entry]]:
        """Lists holding a superset of the bucket's strikes within max(radius_m, the
        strike's radius)."""
        grids = self._buckets.get((belligerent, day))
        if not grids:
            return []
        lists: list[list[_Entry]] = []
        for grid in grids:
            reach = max(radius_m, grid.max_radius_m)
            # A margin keeps rounding in the box from excluding a pair on the boundary.
            reach_rad = reach * (1.0 + 1e-9) / EARTH_RADIUS_M + 1e-12
            dlat = math.degrees(reach_rad)
            south, north = latitude - dlat, latitude + dlat
            first_row = math.floor((south + 90.0) / grid.cell_deg)
            last_row = math.floor((north + 90.0) / grid.cell_deg)
            all_columns = north >= 90.0 or south <= -90.0
            ratio = 2.0
            if not all_columns:
                # The longitude spread of a spherical cap (Matuschek's formula), taken at
                # the cap's edge nearer the pole: wider than needed, never narrower.
                cos_edge = math.cos(math.radians(max(abs(south), abs(north))))
                ratio = math.sin(min(reach_rad, math.pi / 2)) / cos_edge if cos_edge > 0 else 2.0
                all_columns = ratio >= 1.0
            if all_columns:
                columns = grid.columns
                first_column = 0
            else:
                dlon = math.degrees(math.asin(ratio)) * (1.0 + 1e-9) + 1e-12
                first_column = math.floor((longitude - dlon + 180.0) / grid.cell_deg)
                last_column = math.floor((longitude + dlon + 180.0) / grid.cell_deg)
                columns = min(grid.columns, last_column - first_column + 1)
            if (last_row - first_row + 1) * columns >= len(grid.entries):
                lists.append(grid.entries)
                continue
            cells = grid.cells
            wrap = grid.columns
            for row in range(first_row, last_row + 1):
                for column in range(first_column, first_column + columns):
                    found = cells.get((row, column % wrap))
                    if found:
                        lists.append(found)
        return lists


def match_strikes(
    allegations: Iterable[Allegation],
    strikes: Iterable[StrikeReport] | StrikeIndex,
    *,
    days_before: int = 1,
    days_after: int = 0,
) -> dict[str, list[Match]]:
    """For each allegation's code, the declared strikes that match it, nearest first.

    A strike matches when its belligerent is one the allegation blames, its date lies in
    [date_start - days_before, date_end + days_after], and its haversine distance is within
    max(allegation radius, strike radius). An allegation without coordinates matches
    nothing (it cannot be placed); it still gets its (empty) list.
    """
    _check_windows(days_before, days_after)
    index = strikes if isinstance(strikes, StrikeIndex) else StrikeIndex(strikes)
    return _sort(_match_all(allegations, index, days_before, days_after))


def _match_all(allegations: Iterable[Allegation], index: StrikeIndex, days_before: int,
               days_after: int) -> dict[str, list[Match]]:
    found: dict[str, list[Match]] = {}
    sin, asin, sqrt, radians = math.sin, math.asin, math.sqrt, math.radians
    diameter = 2.0 * EARTH_RADIUS_M
    for allegation in allegations:
        matches = found.setdefault(allegation.code, [])
        lat, lon = allegation.latitude, allegation.longitude
        if lat is None or lon is None:
            continue
        radius = allegation.radius_m
        precise = allegation.is_precise
        reach = radius / EARTH_RADIUS_M * _MARGIN
        phi = radians(lat)
        cos_phi = math.cos(phi)
        start = allegation.date_start.toordinal()
        end = allegation.date_end.toordinal()
        for belligerent in dict.fromkeys(allegation.belligerents):
            for day in range(start - days_before, end + days_after + 1):
                offset = day - start if day < start else day - end if day > end else 0
                same_day = start == end == day
                for entries in index._candidates(belligerent, day, lat, lon, radius):
                    for phi2, cos_phi2, lon2, radius2, reach2, strike in entries:
                        # The distance is at least the latitude arc: most candidates fail
                        # that cheap test (with a margin, so rounding rejects no match).
                        dphi = phi2 - phi
                        limit = reach if reach > reach2 else reach2
                        if dphi > limit or -dphi > limit:
                            continue
                        # haversine_m's arithmetic exactly, inlined: this is the hot path.
                        a = (sin(dphi / 2.0) ** 2
                             + cos_phi * cos_phi2 * sin(radians(lon2 - lon) / 2.0) ** 2)
                        distance = diameter * asin(sqrt(a if a < 1.0 else 1.0))
                        if distance <= (radius if radius > radius2 else radius2):
                            matches.append(Match(
                                strike.key, distance, offset, same_day,
                                precise and radius2 <= PRECISE_RADIUS_M
                                and distance <= FIFTY_METRE_RULE_M))
    return found


# ---------------------------------------------------------------------------------------
# Status and grade suggestions.


def strike_status(
    matches: Sequence[Match],
    allegation: Allegation,
    *,
    independent_sources: int | None = None,
) -> StrikeStatus | None:
    """The strike status the matches suggest, or None when the evidence suggests none
    (no match, one belligerent blamed, several or an unknown number of sources).

    In order: *declared strike* when a match satisfies the 50 m rule or is on the
    allegation's one day; *likely strike* when any strike matched in the window;
    *contested strike* when several belligerents are blamed; *single source claim* when
    only one source reports it.
    """
    if any(m.fifty_metre_rule or m.same_day for m in matches):
        return StrikeStatus.DECLARED_STRIKE
    if matches:
        return StrikeStatus.LIKELY_STRIKE
    if len(set(allegation.belligerents)) >= 2:
        return StrikeStatus.CONTESTED_STRIKE
    if independent_sources is not None and independent_sources <= 1:
        return StrikeStatus.SINGLE_SOURCE_CLAIM
    return None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def grade_suggestion(
    *,
    matches: Sequence[Match],
    independent_sources: int,
    belligerents_blamed: Sequence[str],
    assessment: BelligerentAssessment | str | None = None,
    deaths_conceded: int | None = None,
    assessing_belligerent: str | None = None,
    discounted_because: str | None = None,
) -> tuple[Grade, str]:
    """Suggest an Airwars grade with a plain sentence citing the facts behind it.

    - *Discounted* only when an input says so (``discounted_because``: those killed were
      combatants, or another party is most likely responsible); the engine never infers it.
    - *Confirmed* when a belligerent assessed the allegation credible and conceded deaths.
    - *Contested* when two or more belligerents are blamed.
    - *Fair* when two or more independent sources report it and a declared strike of a
      blamed belligerent matches it.
    - *Weak* otherwise: one source, or several without a declared strike nearby.
    An analyst decides; this is a suggestion.
    """
    if independent_sources < 0:
        raise ValueError("independent_sources must be zero or more")
    if isinstance(assessment, str) and not isinstance(assessment, BelligerentAssessment):
        assessment = BelligerentAssessment.parse(assessment)
    blamed = list(dict.fromkeys(belligerents_blamed))
    sources = _plural(independent_sources, "independent source")
    if discounted_because:
        return Grade.DISCOUNTED, f"Discounted because {discounted_because.strip().rstrip('.')}."
    if assessment is BelligerentAssessment.CREDIBLE and deaths_conceded:
        who = assessing_belligerent or "The belligerent"
        return Grade.CONFIRMED, (
            f"{who} assessed the allegation credible and conceded "
            f"{_plural(deaths_conceded, 'civilian death')}."
        )
    if len(blamed) >= 2:
        return Grade.CONTESTED, (
            f"{len(blamed)} belligerents are blamed ({', '.join(blamed)}): "
            "responsibility is contested."
        )
    if independent_sources >= 2 and matches:
        nearest = min(matches, key=lambda m: m.distance_m)
        return Grade.FAIR, (
            f"Reported by {sources}, and {_plural(len(matches), 'declared strike')} of "
            f"{blamed[0] if blamed else 'the belligerent'} matched, the nearest "
            f"{nearest.distance_m:,.0f} m away."
        )
    if independent_sources <= 1:
        return Grade.WEAK, f"Reported by {sources} only: a single source claim."
    return Grade.WEAK, (
        f"Reported by {sources}, but no declared strike of the blamed belligerent was found "
        "nearby in place and time."
    )
