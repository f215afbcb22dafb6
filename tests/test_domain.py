"""The pure domain: vocabulary, casualty ranges, date windows and headline figures."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civharm.domain import (
    Casualties,
    DatePrecision,
    DateWindow,
    GeoPrecision,
    Grade,
    Range,
    SourceKind,
)
from civharm.domain.casualties import incident_range
from civharm.domain.figures import Concession, IncidentTally, headline_figures, location_key
from civharm.domain.vocabulary import BelligerentAssessment, StrikeType


class TestVocabulary:
    def test_terms_parse_the_way_people_type_them(self) -> None:
        assert GeoPrecision.parse("Within 100m") is GeoPrecision.WITHIN_100M
        assert GeoPrecision.parse("neighborhood") is GeoPrecision.NEIGHBOURHOOD
        assert BelligerentAssessment.parse("Non-credible") is BelligerentAssessment.NON_CREDIBLE
        assert StrikeType.parse("AIR") is StrikeType.AIR

    def test_unknown_terms_name_the_allowed_ones(self) -> None:
        with pytest.raises(ValueError, match="confirmed, fair, weak, contested, discounted"):
            Grade.parse("probable")

    def test_precision_ladder_runs_coarse_to_fine(self) -> None:
        ladder = list(GeoPrecision)
        assert ladder[0] is GeoPrecision.GOVERNORATE
        assert ladder[-1] is GeoPrecision.EXACT
        assert GeoPrecision.NEIGHBOURHOOD.rank < GeoPrecision.STREET.rank
        assert not GeoPrecision.NEIGHBOURHOOD.is_point
        assert GeoPrecision.WITHIN_100M.is_point

    def test_every_grade_has_its_written_definition(self) -> None:
        for grade in Grade:
            assert len(grade.definition) > 20
        assert "accepted responsibility" in Grade.CONFIRMED.definition
        assert {g for g in Grade if g.counts_as_likely} == {Grade.CONFIRMED, Grade.FAIR}

    def test_interviews_are_not_public_by_default(self) -> None:
        assert not SourceKind.WITNESS_INTERVIEW.public_by_default
        assert SourceKind.MEDIA_REPORT.public_by_default


class TestRange:
    def test_one_bound_stands_for_both(self) -> None:
        assert Range.of(3, None) == Range(3, 3)
        assert Range.of(None, 7) == Range(7, 7)
        assert Range.of(None, None) is None

    def test_refuses_inverted_and_negative(self) -> None:
        with pytest.raises(ValueError, match="below min"):
            Range(5, 2)
        with pytest.raises(ValueError, match="negative"):
            Range(-1, 2)

    @given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500)), min_size=1))
    def test_incident_range_spans_every_claim(self, pairs: list[tuple[int, int]]) -> None:
        claims = [Range(min(a, b), max(a, b)) for a, b in pairs]
        total = incident_range(claims)
        assert total is not None
        assert total.low == min(c.low for c in claims)
        assert total.high == max(c.high for c in claims)

    def test_str(self) -> None:
        assert str(Range(4, 4)) == "4"
        assert str(Range(4, 9)) == "4–9"


class TestCasualties:
    def test_columns_round_trip(self) -> None:
        columns = {"killed_civilians_min": 4, "killed_civilians_max": 6, "injured_women_max": 2}
        casualties = Casualties.from_columns(columns)
        assert casualties.civilians_killed == Range(4, 6)
        assert casualties.get("injured", "women") == Range(2, 2)
        back = casualties.to_columns()
        assert back["killed_civilians_min"] == 4
        assert back["injured_women_min"] == 2
        assert back["killed_children_min"] is None
        assert len(back) == 24

    def test_parts_larger_than_the_whole_are_a_problem(self) -> None:
        casualties = Casualties.from_columns({
            "killed_civilians_min": 2, "killed_civilians_max": 3,
            "killed_children_min": 3, "killed_women_min": 1,
        })
        assert casualties.problems() == [
            "killed: children, women and men add up to at least 4, more than the 3 "
            "civilians stated"
        ]


day_windows = st.dates(date(1990, 1, 1), date(2040, 12, 31))


class TestDateWindow:
    def test_forms(self) -> None:
        assert DateWindow.parse("2017-06-30") == DateWindow(
            date(2017, 6, 30), date(2017, 6, 30), DatePrecision.DAY)
        assert DateWindow.parse("2017-02") == DateWindow(
            date(2017, 2, 1), date(2017, 2, 28), DatePrecision.MONTH)
        assert DateWindow.parse("2017").end == date(2017, 12, 31)
        window = DateWindow.parse("2017-08-14/2017-08-16")
        assert window.precision is DatePrecision.WINDOW
        assert DateWindow.parse("2017-08-14/2017-08-14").precision is DatePrecision.DAY

    @pytest.mark.parametrize("text, reason", [
        ("2017-02-30", "not a real calendar day"),
        ("30/06/2017", "not a date"),
        ("2017-13", "no month 13"),
        ("2017-08-16/2017-08-14", "ends before it starts"),
        ("", "empty"),
    ])
    def test_bad_dates_say_why(self, text: str, reason: str) -> None:
        with pytest.raises(ValueError, match=reason):
            DateWindow.parse(text)

    @given(day_windows, day_windows)
    def test_text_round_trips(self, a: date, b: date) -> None:
        start, end = min(a, b), max(a, b)
        window = DateWindow.parse(f"{start.isoformat()}/{end.isoformat()}")
        assert DateWindow.parse(str(window)) == window
        assert window.start == start and window.end == end

    @given(st.text(max_size=30))
    def test_never_fails_other_than_with_value_error(self, text: str) -> None:
        try:
            DateWindow.parse(text)
        except ValueError as err:
            assert str(err)


class TestHeadlineFigures:
    def test_known_answer(self) -> None:
        incidents = [
            IncidentTally("A", Grade.FAIR, Range(10, 12), (35.95, 39.01)),
            IncidentTally("B", Grade.CONFIRMED, Range(3, 3), (35.95, 39.01)),
            IncidentTally("C", Grade.WEAK, Range(1, 5), "al-mishlab"),
            IncidentTally("D", Grade.DISCOUNTED, Range(7, 7), "al-badu"),
            IncidentTally("E", None, None, None),
        ]
        concessions = [
            Concession("US-led Coalition", Range(3, 3)),
            Concession("US-led Coalition", Range(1, 2)),
            Concession("Russia", None),
        ]
        figures = headline_figures(incidents, concessions, sources=9, witnesses=4,
                                   named_victims=20)
        assert figures.incidents == 5
        assert figures.strike_locations == 3
        assert figures.killed == Range(14, 20)
        assert figures.likely_deaths == Range(13, 15)
        assert figures.ungraded_incidents == 1
        assert figures.conceded == {"US-led Coalition": Range(4, 5)}
        as_json = figures.as_json()
        assert as_json["killed_min"] == 14 and as_json["likely_deaths"] == 13
        assert as_json["conceded"] == {"US-led Coalition": {"min": 4, "max": 5}}

    def test_locations_within_ten_metres_are_one_site(self) -> None:
        assert location_key(35.950001, 39.01, "x") == location_key(35.95004, 39.01, "y")
        assert location_key(None, None, "  Al-Badu ") == "al-badu"
        assert location_key(None, None, "") is None
