"""Matching allegations to declared strikes, and the status and grade they suggest."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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

