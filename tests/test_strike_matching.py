"""Matching allegations to declared strikes, and the status and grade they suggest."""

from __future__ import annotations

import gc
import math
import random
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civharm.analysis import strike_matching
from civharm.analysis.strike_matching import (
    EARTH_RADIUS_M,
    PRECISION_RADIUS_M,
    Allegation,
    Match,
    StrikeIndex,
    StrikeReport,
    grade_suggestion,
    haversine_m,
    match_strikes,
    match_strikes_brute_force,
    precision_radius_m,
    strike_status,
)
from civharm.domain.vocabulary import GeoPrecision, Grade, StrikeStatus

RAQQA = (35.9528, 39.0079)
DAY = date(2017, 8, 14)
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180.0


def north_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    """A point due north: along a meridian the haversine distance is the latitude arc."""
    return point[0] + metres / METRES_PER_DEGREE, point[1]


def allegation(code: str = "RQ0001", when: date = DAY, until: date | None = None,
               point: tuple[float, float] | None = RAQQA,
               precision: GeoPrecision | None = GeoPrecision.WITHIN_100M,
               blamed: tuple[str, ...] = ("coalition",)) -> Allegation:
    return Allegation(code, when, until or when, point[0] if point else None,
                      point[1] if point else None, precision, blamed)


def strike(key: str = "S1", when: date = DAY, point: tuple[float, float] = RAQQA,
           radius: float = 10.0, belligerent: str = "coalition") -> StrikeReport:
    return StrikeReport(key, when, belligerent, point[0], point[1], radius)


def keys(found: dict[str, list[Match]], code: str = "RQ0001") -> list[str]:
    return [m.strike_key for m in found[code]]


# ---------------------------------------------------------------------------------------
# Known answers.


def test_precision_radii_cover_the_ladder_coarse_to_fine() -> None:
    radii = [precision_radius_m(p) for p in GeoPrecision]
    assert set(PRECISION_RADIUS_M) == set(GeoPrecision)
    assert radii == sorted(radii, reverse=True)
    assert precision_radius_m(GeoPrecision.NEIGHBOURHOOD) == 1000
    assert precision_radius_m(None) == precision_radius_m(GeoPrecision.GOVERNORATE)


def test_haversine_known_distance() -> None:
    # One degree of latitude on the mean sphere.
    assert haversine_m(0, 0, 1, 0) == pytest.approx(111_195.08, abs=0.01)
    assert haversine_m(*RAQQA, *RAQQA) == 0


def test_same_day_near_matches() -> None:
    found = match_strikes([allegation()], [strike(point=north_of(RAQQA, 30))])
    [match] = found["RQ0001"]
    assert match.strike_key == "S1"
    assert match.distance_m == pytest.approx(30, abs=1e-6)
    assert match.day_offset == 0
    assert match.same_day
    assert match.fifty_metre_rule


def test_day_before_matches_by_default_two_days_before_only_when_asked() -> None:
    day_before = strike("S1", DAY - timedelta(days=1))
    two_before = strike("S2", DAY - timedelta(days=2))
    day_after = strike("S3", DAY + timedelta(days=1))
    found = match_strikes([allegation()], [day_before, two_before, day_after])
    assert keys(found) == ["S1"]
    assert found["RQ0001"][0].day_offset == -1
    assert not found["RQ0001"][0].same_day
    wider = match_strikes([allegation()], [day_before, two_before, day_after], days_before=2)
    assert sorted(keys(wider)) == ["S1", "S2"]
    after = match_strikes([allegation()], [day_before, two_before, day_after], days_after=1)
    assert sorted(keys(after)) == ["S1", "S3"]
    assert {m.strike_key: m.day_offset for m in after["RQ0001"]}["S3"] == 1


def test_window_allegation_matches_inside_its_window() -> None:
    alleged = allegation(when=DAY, until=DAY + timedelta(days=3))
    found = match_strikes([alleged], [strike("S1", DAY + timedelta(days=2))])
    [match] = found["RQ0001"]
    assert match.day_offset == 0
    assert not match.same_day  # a window is not a day


def test_another_belligerents_strike_does_not_match() -> None:
    found = match_strikes([allegation()], [strike(belligerent="russia")])
    assert found == {"RQ0001": []}
    both = allegation(blamed=("coalition", "russia"))
    assert keys(match_strikes([both], [strike(belligerent="russia")])) == ["S1"]


@pytest.mark.parametrize(
    ("precision", "strike_radius", "metres", "matched"),
    [
        (GeoPrecision.NEIGHBOURHOOD, 10.0, 999.0, True),     # allegation's radius governs
        (GeoPrecision.NEIGHBOURHOOD, 10.0, 1001.0, False),
        (GeoPrecision.WITHIN_100M, 2000.0, 1999.0, True),    # the strike's radius governs
        (GeoPrecision.WITHIN_100M, 2000.0, 2001.0, False),
        (GeoPrecision.CITY, 2000.0, 7999.0, True),
        (GeoPrecision.CITY, 2000.0, 8001.0, False),
    ],
)
def test_distance_just_inside_or_outside_the_larger_radius(
    precision: GeoPrecision, strike_radius: float, metres: float, matched: bool
) -> None:
    found = match_strikes([allegation(precision=precision)],
                          [strike(point=north_of(RAQQA, metres), radius=strike_radius)])
    assert bool(found["RQ0001"]) is matched


@pytest.mark.parametrize(
    ("precision", "strike_radius", "metres", "rule"),
    [
        (GeoPrecision.WITHIN_100M, 100.0, 49.0, True),
        (GeoPrecision.EXACT, 1.0, 0.5, True),
        (GeoPrecision.WITHIN_100M, 100.0, 51.0, False),        # too far
        (GeoPrecision.LANDMARK, 100.0, 10.0, False),           # allegation too coarse
        (GeoPrecision.WITHIN_100M, 1000.0, 10.0, False),       # strike too coarse (1 km square)
    ],
)
def test_fifty_metre_rule(precision: GeoPrecision, strike_radius: float, metres: float,
                          rule: bool) -> None:
    found = match_strikes([allegation(precision=precision)],
                          [strike(point=north_of(RAQQA, metres), radius=strike_radius)])
    [match] = found["RQ0001"]
    assert match.fifty_metre_rule is rule


def test_allegation_without_coordinates_matches_nothing() -> None:
    found = match_strikes([allegation(point=None)], [strike()])
    assert found == {"RQ0001": []}


def test_matches_are_nearest_first_and_an_index_can_be_reused() -> None:
    index = StrikeIndex([strike("far", point=north_of(RAQQA, 80)), strike("near")])
    found = match_strikes([allegation()], index)
    assert keys(found) == ["near", "far"]
    assert keys(match_strikes([allegation()], index)) == ["near", "far"]


def test_negative_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="days_before"):
        match_strikes([allegation()], [strike()], days_before=-1)


def test_across_the_antimeridian_and_near_a_pole() -> None:
    west = allegation("W", point=(10.0, 179.9999), precision=GeoPrecision.STREET)
    north = allegation("N", point=(89.9999, 0.0), precision=GeoPrecision.VILLAGE)
    strikes = [strike("E", point=(10.0, -179.9999)), strike("P", point=(89.9999, 170.0))]
    found = match_strikes([west, north], strikes)
    assert keys(found, "W") == ["E"]
    assert keys(found, "N") == ["P"]
    assert found == match_strikes_brute_force([west, north], strikes)


# ---------------------------------------------------------------------------------------
# Properties: the index returns exactly what comparing every pair returns.

BELLIGERENTS = ("coalition", "russia", "regime")
PRECISIONS = [*GeoPrecision, None]
STRIKE_RADII = [1.0, 10.0, 70.7, 100.0, 707.0, 1000.0, 2000.0, 8000.0, 100_000.0]


@st.composite
def points(draw: st.DrawFn) -> tuple[float, float]:
    # Mostly a small area (so that pairs match), sometimes anywhere on Earth.
    if draw(st.booleans()):
        return (draw(st.floats(35.90, 36.00)), draw(st.floats(38.95, 39.07)))
    return (draw(st.floats(-90, 90)), draw(st.floats(-180, 180)))


@st.composite
def allegations(draw: st.DrawFn, code: str) -> Allegation:
    start = DAY + timedelta(days=draw(st.integers(0, 4)))
    point = draw(st.one_of(st.none(), points()))
    blamed = tuple(draw(st.lists(st.sampled_from(BELLIGERENTS), min_size=0, max_size=3)))
    return Allegation(code, start, start + timedelta(days=draw(st.integers(0, 2))),
                      point[0] if point else None, point[1] if point else None,
                      draw(st.sampled_from(PRECISIONS)), blamed)


@st.composite
def strike_reports(draw: st.DrawFn, key: str) -> StrikeReport:
    point = draw(points())
    return StrikeReport(key, DAY + timedelta(days=draw(st.integers(0, 6))),
                        draw(st.sampled_from(BELLIGERENTS)), point[0], point[1],
                        draw(st.one_of(st.sampled_from(STRIKE_RADII), st.floats(0, 50_000))))


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[Allegation], list[StrikeReport]]:
    n = draw(st.integers(0, 8))
    m = draw(st.integers(0, 25))
    return ([draw(allegations(f"A{i}")) for i in range(n)],
            [draw(strike_reports(f"S{j}")) for j in range(m)])


@settings(max_examples=300, deadline=None)
@given(cases(), st.integers(0, 3), st.integers(0, 2))
def test_index_agrees_with_brute_force(case: tuple[list[Allegation], list[StrikeReport]],
                                       before: int, after: int) -> None:
    alleged, strikes = case
    assert (match_strikes(alleged, strikes, days_before=before, days_after=after)
            == match_strikes_brute_force(alleged, strikes, days_before=before, days_after=after))


@settings(max_examples=100, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_matching_does_not_depend_on_input_order(
    case: tuple[list[Allegation], list[StrikeReport]], rnd: random.Random
) -> None:
    alleged, strikes = case
    shuffled_a, shuffled_s = alleged[:], strikes[:]
    rnd.shuffle(shuffled_a)
    rnd.shuffle(shuffled_s)
    assert match_strikes(alleged, strikes) == match_strikes(shuffled_a, shuffled_s)


@settings(max_examples=100, deadline=None)
@given(points(), points(), st.sampled_from(PRECISIONS), st.sampled_from(STRIKE_RADII))
def test_boundary_pairs_agree(a: tuple[float, float], b: tuple[float, float],
                              precision: GeoPrecision | None, radius: float) -> None:
    # A strike exactly at the larger radius, which the index must not cut off by rounding.
    reach = max(precision_radius_m(precision), radius)
    on_edge = north_of(a, reach) if a[0] + reach / METRES_PER_DEGREE <= 90 else b
    alleged = [allegation(point=a, precision=precision)]
    strikes = [strike("edge", point=on_edge, radius=radius), strike("b", point=b, radius=radius)]
    assert match_strikes(alleged, strikes) == match_strikes_brute_force(alleged, strikes)


# Edge cases, clustered: strikes placed against the allegations exactly where the index
# could go wrong, at the larger radius (either side of it by a rounding), on the same point,
# at the ends of the widened window, with radii on the boundaries of the index's radius
# tiers, about the boundaries of 2 km grid cells, and with shared codes and shared keys.

CELL_DEG = 360.0 / int(360.0 / (2_000.0 / METRES_PER_DEGREE))  # a 2 km cell, in degrees
CENTRES = [RAQQA, (0.0, 0.0), (36.0, 39.0), (64.5, -21.9),
           (CELL_DEG * 1991, CELL_DEG * 2167), (-CELL_DEG * 1999, -CELL_DEG * 10)]
# Tier boundaries are powers of two; 7.1, 71 and 707 m are MGRS squares' half diagonals.
EDGE_RADII = [0.0, 1.0, 2.0, 7.1, 64.0, math.nextafter(64.0, 0), math.nextafter(64.0, 100),
              70.7, 71.0, 100.0, 128.0, 707.0, 1000.0, 1024.0, 2048.0, 8000.0, 100_000.0]


def towards(point: tuple[float, float], metres: float, bearing: float) -> tuple[float, float]:
    """About ``metres`` from ``point`` on a bearing (radians from north)."""
    lat = point[0] + metres * math.cos(bearing) / METRES_PER_DEGREE
    return lat, point[1] + (metres * math.sin(bearing)
                            / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 1e-9)))


@st.composite
def clustered_cases(draw: st.DrawFn) -> tuple[list[Allegation], list[StrikeReport], int, int]:
    before, after = draw(st.integers(0, 3)), draw(st.integers(0, 2))
    centre = draw(st.sampled_from(CENTRES))
    spread = draw(st.sampled_from([0.0, 10.0, 2_000.0]))
    codes = draw(st.sampled_from([[f"A{i}" for i in range(6)], ["A0", "A1", "A0", "A2", "A1", "A0"]]))
    alleged = []
    for i in range(draw(st.integers(1, 5))):
        point = towards(centre, draw(st.floats(0, spread)), draw(st.floats(0, 2 * math.pi)))
        start = DAY + timedelta(days=draw(st.integers(0, 2)))
        blamed = tuple(draw(st.lists(st.sampled_from(BELLIGERENTS), min_size=1, max_size=3)))
        alleged.append(Allegation(codes[i], start, start + timedelta(days=draw(st.integers(0, 2))),
                                  point[0], point[1], draw(st.sampled_from(PRECISIONS)), blamed))
    keys = draw(st.sampled_from(["unique", "shared"]))
    strikes = []
    for j in range(draw(st.integers(0, 14))):
        target = draw(st.sampled_from(alleged))
        assert target.latitude is not None and target.longitude is not None
        radius = draw(st.sampled_from(EDGE_RADII))
        reach = max(target.radius_m, radius)
        where = draw(st.sampled_from(["same", "edge", "inside", "outside", "near", "cell"]))
        metres = {"same": 0.0, "edge": reach, "inside": reach * (1 - 1e-12),
                  "outside": reach * (1 + 1e-12), "near": draw(st.floats(0, 3 * reach)),
                  "cell": CELL_DEG * METRES_PER_DEGREE * draw(st.floats(0.9, 1.1))}[where]
        bearing = draw(st.sampled_from([0.0, math.pi / 2, math.pi, 3 * math.pi / 2, 1.0]))
        point = towards((target.latitude, target.longitude), metres, bearing)
        day = draw(st.sampled_from([
            target.date_start - timedelta(days=before + 1), target.date_start - timedelta(days=before),
            target.date_start, target.date_end, target.date_end + timedelta(days=after),
            target.date_end + timedelta(days=after + 1)]))
        belligerent = draw(st.sampled_from([*target.belligerents, "regime"]))
        key = f"S{j}" if keys == "unique" else f"S{j % 3}"
        strikes.append(StrikeReport(key, day, belligerent, point[0], point[1], radius))
    return alleged, strikes, before, after


@settings(max_examples=400, deadline=None)
@given(clustered_cases())
def test_index_agrees_with_brute_force_on_edge_cases(
    case: tuple[list[Allegation], list[StrikeReport], int, int],
) -> None:
    alleged, strikes, before, after = case
    assert (match_strikes(alleged, strikes, days_before=before, days_after=after)
            == match_strikes_brute_force(alleged, strikes, days_before=before, days_after=after))


def test_distances_are_the_reference_haversine_to_the_last_bit() -> None:
    rng = random.Random(4)
    strikes = [strike(f"S{j}", point=(RAQQA[0] + rng.uniform(-0.02, 0.02),
                                      RAQQA[1] + rng.uniform(-0.02, 0.02)), radius=3000.0)
               for j in range(200)]
    found = match_strikes([allegation(precision=GeoPrecision.VILLAGE)], strikes)
    assert len(found["RQ0001"]) > 100
    by_key = {s.key: s for s in strikes}
    for m in found["RQ0001"]:
        s = by_key[m.strike_key]
        assert m.distance_m == haversine_m(*RAQQA, s.latitude, s.longitude)  # not approx


def test_shared_codes_and_keys_are_ordered_as_the_reference_orders_them() -> None:
    # Equal distance and equal key: the reference keeps its loops' order, by allegation and
    # then by the strikes' input order; the matches differ only in their day fields.
    a = [allegation("X"), allegation("Y"), allegation("X", until=DAY + timedelta(days=1))]
    here = north_of(RAQQA, 5)
    strikes = [strike("K", point=here, when=DAY), strike("K", point=here, when=DAY - timedelta(days=1)),
               strike("J", point=here), strike("K", point=north_of(RAQQA, 1))]
    found = match_strikes(a, strikes)
    assert list(found) == ["X", "Y"]
    assert found == match_strikes_brute_force(a, strikes)
    assert [(m.strike_key, m.day_offset, m.same_day) for m in found["X"]] == [
        ("K", 0, True), ("K", 0, False),                        # 1 m away, from each X
        ("J", 0, True), ("J", 0, False),                        # 5 m: J before K
        ("K", 0, True), ("K", -1, False), ("K", 0, False), ("K", -1, False),
    ]
    one = match_strikes([a[0]], strikes)
    assert one == match_strikes_brute_force([a[0]], strikes)
    assert [m.day_offset for m in one["X"]] == [0, 0, 0, -1]


def test_a_latitude_beyond_a_pole_raises_as_the_reference_does() -> None:
    # The haversine's square root of a negative: math.sqrt raises, and so does the matcher.
    beyond = [allegation(point=(95.0, 0.0), precision=None)]
    strikes = [strike(point=(85.0, 180.0), radius=100_000.0)]
    with pytest.raises(ValueError, match="math domain error"):
        match_strikes_brute_force(beyond, strikes)
    with pytest.raises(ValueError, match="math domain error"):
        match_strikes(beyond, strikes)


@pytest.mark.parametrize("chunk", [1, 2, 7, 1000])
def test_small_chunks_change_nothing(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    rng = random.Random(chunk)
    alleged = [allegation(f"A{i}", when=DAY + timedelta(days=rng.randrange(3)),
                          point=(RAQQA[0] + rng.gauss(0, 0.01), RAQQA[1] + rng.gauss(0, 0.01)),
                          precision=rng.choice(PRECISIONS),
                          blamed=tuple(rng.sample(BELLIGERENTS, rng.randint(1, 2))))
               for i in range(60)]
    strikes = [strike(f"S{j}", when=DAY + timedelta(days=rng.randrange(3)),
                      point=(RAQQA[0] + rng.gauss(0, 0.01), RAQQA[1] + rng.gauss(0, 0.01)),
                      radius=rng.choice(STRIKE_RADII), belligerent=rng.choice(BELLIGERENTS))
               for j in range(150)]
    expected = match_strikes_brute_force(alleged, strikes)
    assert sum(map(len, expected.values())) > 500
    monkeypatch.setattr(strike_matching, "_CHUNK", chunk)
    assert match_strikes(alleged, strikes) == expected


@st.composite
def odd_points(draw: st.DrawFn) -> tuple[float, float]:
    # What the latitude band cannot bound: not a number, or a latitude beyond a pole.
    return draw(st.sampled_from([(math.nan, 39.0), (36.0, math.nan), (90.0001, 10.0),
                                 (-95.0, 0.0), (95.0, 180.0), (89.9999, 10.0), (90.0, 190.0),
                                 (math.inf, 39.0), (36.0, math.inf), (36.0, -math.inf)]))


@st.composite
def odd_cases(draw: st.DrawFn) -> tuple[list[Allegation], list[StrikeReport]]:
    point_of = st.one_of(odd_points(), points())
    alleged = [allegation(f"A{i}", point=draw(point_of), precision=draw(st.sampled_from(PRECISIONS)))
               for i in range(draw(st.integers(0, 4)))]
    strikes = [strike(f"S{j}", point=draw(point_of),
                      radius=draw(st.sampled_from([*STRIKE_RADII, math.nan, -5.0, 2.1e7])))
               for j in range(draw(st.integers(0, 6)))]
    return alleged, strikes


def outcome(run: Callable[[], dict[str, list[Match]]]) -> object:
    try:
        return run()
    except ValueError as error:
        return ValueError, str(error)


@settings(max_examples=200, deadline=None)
@given(odd_cases())
def test_odd_coordinates_and_radii_agree_with_brute_force(
    case: tuple[list[Allegation], list[StrikeReport]],
) -> None:
    # Not a number, beyond a pole, a negative or NaN radius, or one wider than the Earth:
    # the matcher still does what comparing every pair does.
    alleged, strikes = case
    fast = outcome(lambda: match_strikes(alleged, strikes))
    slow = outcome(lambda: match_strikes_brute_force(alleged, strikes))
    assert repr(fast) == repr(slow)  # repr: NaN distances compare unequal


def test_empty_inputs_and_unknown_belligerents() -> None:
    assert match_strikes([], []) == {}
    assert match_strikes([allegation()], []) == {"RQ0001": []}
    assert match_strikes([], [strike()]) == {}
    assert match_strikes([allegation(blamed=())], [strike()]) == {"RQ0001": []}
    assert match_strikes([allegation(blamed=("nobody",))], [strike()]) == {"RQ0001": []}


@pytest.mark.parametrize("enabled", [True, False])
def test_garbage_collector_state_is_restored(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        match_strikes([allegation()], [strike()])
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()


# ---------------------------------------------------------------------------------------
# Strike status and grade suggestions.


def match(distance: float = 30.0, offset: int = 0, same_day: bool = True,
          rule: bool = False) -> Match:
    return Match("S1", distance, offset, same_day, rule)


def test_status_declared_by_fifty_metre_rule_or_same_day() -> None:
    alleged = allegation()
    assert strike_status([match(rule=True, same_day=False, offset=-1)], alleged) \
        is StrikeStatus.DECLARED_STRIKE
    assert strike_status([match(distance=900)], alleged) is StrikeStatus.DECLARED_STRIKE


def test_status_likely_contested_single_source_or_none() -> None:
    one = allegation()
    two = allegation(blamed=("coalition", "russia"))
    assert strike_status([match(same_day=False, offset=-1)], one) is StrikeStatus.LIKELY_STRIKE
    assert strike_status([], two) is StrikeStatus.CONTESTED_STRIKE
    assert strike_status([], one, independent_sources=1) is StrikeStatus.SINGLE_SOURCE_CLAIM
    assert strike_status([], one, independent_sources=3) is None
    assert strike_status([], one) is None


def test_grade_confirmed_when_credible_with_deaths_conceded() -> None:
    grade, reason = grade_suggestion(matches=[], independent_sources=1,
                                     belligerents_blamed=["coalition"], assessment="Credible",
                                     deaths_conceded=4, assessing_belligerent="CJTF-OIR")
    assert grade is Grade.CONFIRMED
    assert reason == "CJTF-OIR assessed the allegation credible and conceded 4 civilian deaths."
    # Credible without deaths conceded is not an acceptance of civilian harm.
    grade, _ = grade_suggestion(matches=[], independent_sources=1,
                                belligerents_blamed=["coalition"], assessment="credible",
                                deaths_conceded=0)
    assert grade is Grade.WEAK


def test_grade_fair_needs_two_sources_and_a_match() -> None:
    grade, reason = grade_suggestion(matches=[match(distance=40)], independent_sources=2,
                                     belligerents_blamed=["coalition"])
    assert grade is Grade.FAIR
    assert "2 independent sources" in reason and "40 m" in reason
    grade, reason = grade_suggestion(matches=[], independent_sources=2,
                                     belligerents_blamed=["coalition"])
    assert grade is Grade.WEAK
    assert "no declared strike" in reason


def test_grade_contested_weak_and_discounted() -> None:
    grade, reason = grade_suggestion(matches=[match()], independent_sources=3,
                                     belligerents_blamed=["coalition", "russia"])
    assert grade is Grade.CONTESTED
    assert "coalition, russia" in reason
    grade, reason = grade_suggestion(matches=[match()], independent_sources=1,
                                     belligerents_blamed=["coalition"])
    assert grade is Grade.WEAK
    assert reason == "Reported by 1 independent source only: a single source claim."
    grade, reason = grade_suggestion(matches=[match()], independent_sources=3,
                                     belligerents_blamed=["coalition"], assessment="credible",
                                     deaths_conceded=2,
                                     discounted_because="those killed were ISIS fighters")
    assert grade is Grade.DISCOUNTED
    assert reason == "Discounted because those killed were ISIS fighters."


def test_grade_refuses_bad_inputs() -> None:
    with pytest.raises(ValueError):
        grade_suggestion(matches=[], independent_sources=-1, belligerents_blamed=[])
    with pytest.raises(ValueError):
        grade_suggestion(matches=[], independent_sources=1, belligerents_blamed=[],
                         assessment="maybe")

