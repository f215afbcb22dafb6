"""MGRS grid references: the centre of the square, and its size."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civharm.analysis.mgrs_grid import parse_mgrs


def test_known_answer_in_raqqa() -> None:
    point = parse_mgrs("37SEV1533573744")
    assert point.precision_m == 1
    assert abs(point.latitude - 35.907881) < 1e-5
    assert abs(point.longitude - 39.169956) < 1e-5
    assert str(point) == "35.907881 39.169956 1"


def test_coarser_references_are_larger_squares_centred() -> None:
    fine = parse_mgrs("37SEV1533573744")
    coarse = parse_mgrs("37S EV 153 737")
    assert coarse.precision_m == 100
    # The 100 m square's centre lies within 100 m of the 1 m point inside it.
    assert abs(coarse.latitude - fine.latitude) < 0.001
    assert parse_mgrs("37SEV").precision_m == 100_000


@pytest.mark.parametrize("text, reason", [
    ("hello", "not an MGRS reference"),
    ("37SEV15337", "odd"),
    ("37SEV153357374412", "at most 10"),
    ("99SEV1234", "zone"),
])
def test_bad_references_say_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason if reason != "odd" else "even number"):
        parse_mgrs(text)


@given(st.text(max_size=20))
def test_any_text_is_a_point_or_a_value_error(text: str) -> None:
    try:
        point = parse_mgrs(text)
    except ValueError:
        return
    assert -90 <= point.latitude <= 90
