"""Link allegations to the strikes a belligerent itself declared, and suggest a status and grade.

An allegation matches a declared strike when the strike is the same belligerent's (one the
allegation blames), falls in the allegation's date window widened by ``days_before`` and
``days_after`` (by default: the same day or the day before, since releases and local
reports disagree about midnight), and lies within the larger of the two uncertainty radii:
a strike "near Raqqa" can be anywhere in the city, and so can an allegation placed only
at the city.

The matcher is pure and fast (numpy, about 3 s for 100,000 allegations against 100,000
strike lines): strikes are bucketed by (belligerent, day, radius tier) and sorted by
latitude, so that an allegation only measures its distance to the strikes of its buckets
whose latitude is within reach. That only narrows the candidates; every pair is decided by
the same haversine arithmetic, with the same C library calls, that
``match_strikes_brute_force`` applies to all pairs, so both return the same matches, with
the same distances to the last bit, in the same order.
"""

from __future__ import annotations

import gc
import math
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice, repeat
from operator import attrgetter
from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

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
#
# Strikes are sorted into buckets of one belligerent, one day and one radius tier (radii
# within a factor of two), and by latitude within a bucket, in numpy arrays. One sort key
# serves every bucket: ``bucket * _BUCKET_SPAN + latitude + 90``. Each allegation is
# expanded into one query per bucket it can reach (each belligerent it blames, each day
# of its widened window, each tier of that day), and each query takes, by a binary search
# on that key, the strikes in its bucket whose latitude lies within reach: the larger of
# its radius and the bucket's largest, as an arc of latitude, which no match can exceed.
# Those candidates go through a vectorised haversine with a generous margin, and those it
# keeps (in practice the matches themselves) are decided by ``haversine_m``'s own
# arithmetic (see ``_exact_distances``). The matches are then put in the reference's order
# and made into ``Match`` tuples.

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_DEG_TO_RAD = math.pi / 180.0
"""The factor ``math.radians`` multiplies by, so ``x * _DEG_TO_RAD`` in numpy is
``math.radians(x)`` bit for bit."""
_DIAMETER_M = 2.0 * EARTH_RADIUS_M
_LATITUDE_DEG_PER_M = 180.0 / math.pi / EARTH_RADIUS_M

_BUCKET_SPAN = 512.0
"""The sort key's stride between buckets: more than the 180° of latitude with room to
spare, so that one bucket's latitude band never reaches into the next."""
_DAY_BITS = 22
"""``date.max.toordinal()`` is below 2**22: (belligerent << 22) | day is a unique key."""
_LONGEST_WINDOW = 1 << 23
"""More days than between any two dates: a window widened further is the same window."""
_ODD_TIER = -1
"""The tier of strikes the latitude band cannot place (a coordinate or radius that is not
finite, or a latitude beyond a pole): in their bucket every strike is a candidate."""
_CHUNK = 1 << 16
"""Candidate pairs measured at once, and matches made at once: it bounds the temporary
arrays to a few MB, and was the fastest size measured (from 2**15 to 2**20)."""
_APPROXIMATE_MARGIN = 1e-7
"""Relative margin of the vectorised pre-filter: numpy's sines are a few units in the last
place from the C library's, ten million times less than this."""


def _expand(counts: IntArray) -> tuple[IntArray, IntArray]:
    """For counts [2, 0, 3]: owners [0, 0, 2, 2, 2] and positions [0, 1, 0, 1, 2]."""
    owners = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    firsts = np.cumsum(counts) - counts
    positions = np.arange(len(owners), dtype=np.int64) - np.repeat(firsts, counts)
    return owners, positions


def _cosines(phi: FloatArray) -> FloatArray:
    """``math.cos`` of each angle, as the haversine takes it (NaN where it would raise,
    which only a non-finite coordinate does: its pairs raise in ``_exact_distances``)."""
    cos = math.cos
    if bool(np.isfinite(phi).all()):
        return np.fromiter(map(cos, phi.tolist()), np.float64, len(phi))
    return np.fromiter((cos(x) if -math.inf < x < math.inf else math.nan for x in phi.tolist()),
                       np.float64, len(phi))


def _squared_sines(angles: FloatArray) -> FloatArray:
    """``math.sin(x) ** 2`` of each angle, by the C library's sine and power."""
    return np.fromiter(map(operator.pow, map(math.sin, angles.tolist()), repeat(2)),
                       np.float64, len(angles))


def _exact_distances(phi1: FloatArray, lon1: FloatArray, cos1: FloatArray,
                     phi2: FloatArray, lon2: FloatArray, cos2: FloatArray) -> FloatArray:
    """``haversine_m`` of each pair, bit for bit: the same operations in the same order, the
    elementary ones in numpy (IEEE arithmetic and square root, exactly rounded), the
    sines, powers and arcsine by the same C library calls as Python's ``math``, whose
    results numpy's own vectorised functions do not always reproduce to the last bit."""
    if bool(np.isinf(phi1).any() or np.isinf(phi2).any()):
        raise ValueError("math domain error")  # what math.cos (or math.sin) of it raises
    with np.errstate(all="ignore"):  # inf - inf is NaN, as in Python
        a = (_squared_sines((phi2 - phi1) / 2.0)
             + cos1 * cos2 * _squared_sines((lon2 - lon1) * _DEG_TO_RAD / 2.0))
    a = np.where(a < 1.0, a, 1.0)  # `a if a < 1.0 else 1.0`: NaN becomes 1.0 too
    if bool((a < 0.0).any()):
        raise ValueError("math domain error")  # what math.sqrt raises: a latitude beyond a pole
    return _DIAMETER_M * np.fromiter(map(math.asin, np.sqrt(a).tolist()), np.float64, len(a))


def _approximate_distances(phi1: FloatArray, lon1: FloatArray, cos1: FloatArray,
                           phi2: FloatArray, lon2: FloatArray, cos2: FloatArray) -> FloatArray:
    """The haversine in numpy alone: to within a few units in the last place."""
    with np.errstate(all="ignore"):
        x = np.sin((phi2 - phi1) * 0.5)
        y = np.sin((lon2 - lon1) * (_DEG_TO_RAD * 0.5))
        a = x * x + cos1 * cos2 * (y * y)
        distance: FloatArray = _DIAMETER_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return distance


def _odd_points(lat: FloatArray, lon: FloatArray) -> BoolArray:
    """Points the latitude band cannot bound: a coordinate that is not a finite number, or a
    latitude beyond a pole (where the latitude arc no longer bounds the distance)."""
    with np.errstate(all="ignore"):
        odd: BoolArray = ~(np.isfinite(lat) & np.isfinite(lon)) | (np.abs(lat) > 90.0)
    return odd


_new_match = cast(Callable[[type[Match], tuple[str, float, int, bool, bool]], Match], tuple.__new__)
"""``tuple.__new__(Match, fields)``: a Match made without the Python-level ``Match.__new__``."""


@dataclass(frozen=True, slots=True)
class _Placed:
    """The allegations as arrays, in input order (an unplaced one at 0°, 0°: it makes no
    query)."""

    phi: FloatArray
    lon: FloatArray
    cos: FloatArray
    radius: FloatArray
    precise: BoolArray
    start: IntArray
    end: IntArray
    band_lat: FloatArray
    band_radius: FloatArray


class StrikeIndex:
    """Declared strikes bucketed by (belligerent, day, radius tier) and sorted by latitude
    in each bucket. Build one to match several sets of allegations, or windows, against
    the same strikes."""

    def __init__(self, strikes: Iterable[StrikeReport]) -> None:
        reports = list(strikes)
        n = len(reports)
        ids: dict[str, int] = {}
        self._belligerents = ids
        belligerent = np.fromiter((ids.setdefault(s.belligerent, len(ids)) for s in reports),
                                  np.int64, n)
        day = np.fromiter((s.date.toordinal() for s in reports), np.int64, n)
        lat = np.fromiter((s.latitude for s in reports), np.float64, n)
        lon = np.fromiter((s.longitude for s in reports), np.float64, n)
        radius = np.fromiter((s.radius_m for s in reports), np.float64, n)
        with np.errstate(all="ignore"):
            odd = _odd_points(lat, lon) | ~np.isfinite(radius)
            band_lat = np.where(odd, 0.0, lat)
            tier = np.where(odd, _ODD_TIER,
                            np.ceil(np.log2(np.maximum(np.where(odd, 1.0, radius), 1.0)))
                            ).astype(np.int64)
        order = np.lexsort((band_lat, tier, day, belligerent))
        belligerent, day, tier = belligerent[order], day[order], tier[order]
        new = np.ones(n, dtype=np.bool_)
        new[1:] = ((belligerent[1:] != belligerent[:-1]) | (day[1:] != day[:-1])
                   | (tier[1:] != tier[:-1]))
        firsts = np.flatnonzero(new)
        bucket = np.cumsum(new, dtype=np.int64) - 1
        # Per bucket, ascending: its (belligerent, day), and the largest radius in it.
        self._bucket_day: IntArray = (belligerent[firsts] << _DAY_BITS) | day[firsts]
        self._bucket_reach: FloatArray = (
            np.maximum.reduceat(np.where(odd, math.inf, radius)[order], firsts) if n
            else np.zeros(0))
        self._sort_key: FloatArray = bucket * _BUCKET_SPAN + (band_lat[order] + 90.0)
        # Room for the rounding of the sort key, at its largest.
        self._slack = 1e-9 + 8.0 * float(np.spacing((len(firsts) + 1) * _BUCKET_SPAN))
        self._first_day = int(day.min()) if n else 0
        self._last_day = int(day.max()) if n else -1
        # Per strike, in that order.
        self._phi: FloatArray = lat[order] * _DEG_TO_RAD
        self._cos = _cosines(self._phi)
        self._lon: FloatArray = lon[order]
        self._radius: FloatArray = radius[order]
        self._precise: BoolArray = self._radius <= PRECISE_RADIUS_M
        keys = [s.key for s in reports]
        self._keys: npt.NDArray[np.object_] = np.empty(n, dtype=object)
        self._keys[:] = keys
        self._keys = self._keys[order]
        # The reference sorts a code's matches by (distance, key), stably: equal keys stay
        # in its loops' order, the strikes' input order. ``_rank`` orders by (key, input
        # position), ``_key_rank`` by key alone.
        by_key = sorted(range(n), key=keys.__getitem__)
        rank = np.empty(n, dtype=np.int64)
        rank[by_key] = np.arange(n, dtype=np.int64)
        self._rank: IntArray = rank[order]
        rank[by_key] = np.cumsum([i > 0 and keys[k] != keys[by_key[i - 1]]
                                  for i, k in enumerate(by_key)], dtype=np.int64)
        self._key_rank: IntArray = rank[order]
        self._position: IntArray = order.astype(np.int64)

    def match(self, allegations: Iterable[Allegation], days_before: int,
              days_after: int) -> dict[str, list[Match]]:
        """``match_strikes`` against this index."""
        _check_windows(days_before, days_after)
        alleged = list(allegations)
        names = list(dict.fromkeys(a.code for a in alleged))  # in order of first appearance
        unique_codes = len(names) == len(alleged)
        if unique_codes:
            code_of = np.arange(len(alleged), dtype=np.int64)
        else:
            number_of = {code: k for k, code in enumerate(names)}
            code_of = np.array([number_of[a.code] for a in alleged], dtype=np.int64)
        placed = [a.latitude is not None and a.longitude is not None for a in alleged]
        ids = self._belligerents
        rows: list[int] = []
        belligerents: list[int] = []
        for i, a in enumerate(alleged):
            if placed[i]:
                blamed = a.belligerents
                for name in blamed if len(blamed) == 1 else dict.fromkeys(blamed):
                    number = ids.get(name)
                    if number is not None:
                        rows.append(i)
                        belligerents.append(number)
        if not rows or self._first_day > self._last_day:
            return {name: [] for name in names}
        points = _place(alleged, placed)
        q_allegation, q_bucket, q_offset, q_same_day = self._queries(
            points, np.array(rows, dtype=np.int64), np.array(belligerents, dtype=np.int64),
            min(days_before, _LONGEST_WINDOW), min(days_after, _LONGEST_WINDOW))
        m_query, m_strike, m_distance = self._candidates(points, q_allegation, q_bucket)
        m_allegation = q_allegation[m_query]
        order = self._order(code_of[m_allegation], m_distance, m_strike,
                            None if unique_codes else m_allegation)
        m_strike, m_distance, m_allegation = m_strike[order], m_distance[order], m_allegation[order]
        m_query = m_query[order]
        del order
        m_offset, m_same_day = q_offset[m_query], q_same_day[m_query]
        del m_query
        m_fifty = (points.precise[m_allegation] & self._precise[m_strike]
                   & (m_distance <= FIFTY_METRE_RULE_M))
        m_code = code_of[m_allegation]
        del m_allegation
        # A code's matches are consecutive: where each code's begin and end.
        bounds = np.flatnonzero(np.diff(m_code, prepend=-1, append=-1))
        heads = m_code[bounds[:-1]].tolist()
        del m_code
        # Millions of new tuples would set off the cyclic garbage collector again and again,
        # each time walking every object in the process (measured: 2 to 4 s of 5). None of
        # them can be part of a cycle, so it waits until they are made.
        collecting = gc.isenabled()
        gc.disable()
        try:
            lists: list[list[Match]] = [[] for _ in names]
            # Some codes at a time, so that only their columns are ever Python lists.
            group = 0
            while group < len(heads):
                begin = int(bounds[group])
                stop = max(group + 1, int(np.searchsorted(bounds, begin + _CHUNK, side="right")) - 1)
                end = int(bounds[stop])
                made = map(_new_match, repeat(Match), zip(
                    self._keys[m_strike[begin:end]].tolist(), m_distance[begin:end].tolist(),
                    m_offset[begin:end].tolist(), m_same_day[begin:end].tolist(),
                    m_fifty[begin:end].tolist(), strict=True))
                for head, size in zip(heads[group:stop], np.diff(bounds[group:stop + 1]).tolist(),
                                      strict=True):
                    lists[head] = list(islice(made, size))
                group = stop
            return dict(zip(names, lists, strict=True))
        finally:
            if collecting:
                gc.enable()

    def _queries(self, points: _Placed, rows: IntArray, belligerents: IntArray, days_before: int,
                 days_after: int) -> tuple[IntArray, IntArray, IntArray, BoolArray]:
        """One query per (allegation, belligerent, day) that has strikes: its allegation,
        first bucket, day offset and whether it is the allegation's one day."""
        first = np.maximum(points.start[rows] - days_before, self._first_day)
        last = np.minimum(points.end[rows] + days_after, self._last_day)
        owner, position = _expand(np.maximum(last - first + 1, 0))
        day = first[owner] + position
        key = (belligerents[owner] << _DAY_BITS) | day
        held = np.flatnonzero(np.isin(key, self._bucket_day))
        owner, day = owner[held], day[held]
        allegation = rows[owner]
        start, end = points.start[allegation], points.end[allegation]
        offset = np.where(day < start, day - start, np.where(day > end, day - end, 0))
        same_day = (start == end) & (day == start)
        return allegation, np.searchsorted(self._bucket_day, key[held]), offset, same_day

    def _candidates(self, points: _Placed, q_allegation: IntArray, q_bucket: IntArray
                    ) -> tuple[IntArray, IntArray, FloatArray]:
        """The matching pairs: each one's query, strike and distance, by query."""
        # A band per (query, bucket of its belligerent and day): the strikes in the bucket
        # whose latitude is within reach.
        buckets = np.searchsorted(self._bucket_day, self._bucket_day[q_bucket], side="right") - q_bucket
        query, position = _expand(buckets)
        bucket = q_bucket[query] + position
        allegation = q_allegation[query]
        half = (np.fmax(points.band_radius[allegation], self._bucket_reach[bucket])
                * (_LATITUDE_DEG_PER_M * (1.0 + 1e-9)) + self._slack)
        base = bucket * _BUCKET_SPAN
        centre = base + (points.band_lat[allegation] + 90.0)
        low = np.searchsorted(self._sort_key, np.maximum(centre - half, base - 1.0), side="left")
        counts = np.searchsorted(self._sort_key, np.minimum(centre + half, base + 181.0),
                                 side="right") - low
        del bucket, half, base, centre
        nonempty = np.flatnonzero(counts)
        query, allegation, low, counts = (query[nonempty], allegation[nonempty], low[nonempty],
                                          counts[nonempty])
        # Their strikes, a chunk of candidates at a time.
        parts: list[tuple[IntArray, IntArray, FloatArray]] = []
        total = np.cumsum(counts)
        begin = 0
        while begin < len(counts):
            done = int(total[begin - 1]) if begin else 0
            end = max(begin + 1, int(np.searchsorted(total, done + _CHUNK, side="right")))
            band, position = _expand(counts[begin:end])
            band += begin
            parts.append(self._decide(points, allegation[band], low[band] + position, query[band]))
            begin = end
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
        return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                np.concatenate([p[2] for p in parts]))

    def _decide(self, points: _Placed, allegation: IntArray, strike: IntArray, query: IntArray
                ) -> tuple[IntArray, IntArray, FloatArray]:
        """The candidate pairs that match: (query, strike, distance) of each."""
        radius = points.radius[allegation]
        strike_radius = self._radius[strike]
        reach = np.where(strike_radius > radius, strike_radius, radius)  # max(radius, strike's)
        near = _approximate_distances(points.phi[allegation], points.lon[allegation],
                                      points.cos[allegation], self._phi[strike], self._lon[strike],
                                      self._cos[strike])
        # NaN stays in: the exact test decides it.
        kept = np.flatnonzero(~(near > reach * (1.0 + _APPROXIMATE_MARGIN) + 1e-6))
        allegation, strike, query, reach = allegation[kept], strike[kept], query[kept], reach[kept]
        distance = _exact_distances(points.phi[allegation], points.lon[allegation],
                                    points.cos[allegation], self._phi[strike], self._lon[strike],
                                    self._cos[strike])
        within = np.flatnonzero(distance <= reach)
        return query[within], strike[within], distance[within]

    def _order(self, code: IntArray, distance: FloatArray, strike: IntArray,
               allegation: IntArray | None) -> IntArray:
        """The order in which the reference lists the matches: by code (in order of first
        appearance), nearest first, then by strike key; equal keys in the order of its loops
        (by allegation, when several share the code, then the strikes' input order)."""
        if allegation is not None:
            return np.lexsort((self._position[strike], allegation, self._key_rank[strike],
                               distance, code)).astype(np.int64)
        # A sort of the distances ranks them (equal distances, equal ranks); one integer
        # key then orders by (code, distance, key, input position) in one more sort, where
        # np.lexsort's three stable passes take several times longer.
        by_distance = np.argsort(distance)
        ordered = distance[by_distance]
        distance_rank = np.empty(len(distance), dtype=np.int64)
        distance_rank[by_distance] = np.cumsum(np.diff(ordered, prepend=ordered[:1]) != 0)
        del by_distance, ordered
        ranks = int(distance_rank.max()) + 1 if len(distance) else 1
        strikes = len(self._rank)
        if (int(code.max()) + 1 if len(code) else 1) * ranks * strikes >= 2 ** 63:
            return np.lexsort((self._rank[strike], distance, code)).astype(np.int64)
        return np.argsort((code * ranks + distance_rank) * strikes + self._rank[strike]).astype(np.int64)


def _place(alleged: list[Allegation], placed: list[bool]) -> _Placed:
    traits: dict[GeoPrecision | None, tuple[float, bool]] = {}
    for a in alleged:
        if a.precision not in traits:
            traits[a.precision] = (a.radius_m, a.is_precise)
    lat = np.array([a.latitude if p else 0.0 for a, p in zip(alleged, placed, strict=True)],
                   dtype=np.float64)
    lon = np.array([a.longitude if p else 0.0 for a, p in zip(alleged, placed, strict=True)],
                   dtype=np.float64)
    phi = lat * _DEG_TO_RAD
    radius = np.array([traits[a.precision][0] for a in alleged], dtype=np.float64)
    odd = _odd_points(lat, lon)
    return _Placed(
        phi=phi, lon=lon, cos=_cosines(phi), radius=radius,
        precise=np.array([traits[a.precision][1] for a in alleged], dtype=np.bool_),
        start=np.array([a.date_start.toordinal() for a in alleged], dtype=np.int64),
        end=np.array([a.date_end.toordinal() for a in alleged], dtype=np.int64),
        band_lat=np.where(odd, 0.0, lat), band_radius=np.where(odd, math.inf, radius),
    )


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
    nothing (it cannot be placed); it still gets its (empty) list. The result equals
    ``match_strikes_brute_force``'s, distances to the last bit and order included.
    """
    _check_windows(days_before, days_after)
    index = strikes if isinstance(strikes, StrikeIndex) else StrikeIndex(strikes)
    return index.match(allegations, days_before, days_after)

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
