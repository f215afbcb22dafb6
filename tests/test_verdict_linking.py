"""Linking a belligerent's verdicts to incidents: by cited code, else by date and place."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from civharm.analysis.strike_matching import Allegation
from civharm.analysis.verdict_linking import (
    CITED_CODE,
    MGRS_AND_DATE,
    PLACE_AND_DATE,
    ReportedVerdict,
    code_key,
    link_verdicts,
)
from civharm.domain.vocabulary import GeoPrecision
from conftest import civharm
from test_roundtrip import write_examples

DAY = date(2017, 6, 30)
RAQQA = (35.95, 39.01)


def incident(code: str, day: date = DAY, lat: float = RAQQA[0], lon: float = RAQQA[1],
             precision: GeoPrecision = GeoPrecision.WITHIN_100M, days: int = 1) -> Allegation:
    return Allegation(code, day, day + timedelta(days=days - 1), lat, lon, precision, ("Coalition",))


def verdict(key: str = "v", day: date | None = DAY, code: str | None = None,
            at: tuple[float, float] | None = RAQQA, radius: float = 8_000.0,
            by_mgrs: bool = False) -> ReportedVerdict:
    return ReportedVerdict(key, day, code, at[0] if at else None, at[1] if at else None,
                           radius if at else None, by_mgrs)


def test_code_key_ignores_case_spaces_and_hyphens() -> None:
    assert code_key("cs-1234") == code_key("CS 1234") == code_key("CS1234") == "CS1234"


def test_a_cited_code_decides_even_far_away_in_time_and_space() -> None:
    links = link_verdicts([verdict(code="rq-0002", day=date(2017, 1, 1), at=None)],
                          [incident("RQ0001"), incident("RQ0002", day=date(2017, 9, 1))])
    assert (links[0].incident_code, links[0].basis) == ("RQ0002", CITED_CODE)


def test_a_previous_code_reaches_the_incident_it_was_merged_into() -> None:
    links = link_verdicts([verdict(code="CS77", at=None)], [incident("RQ0001")],
                          previous_codes={"CS77": "RQ0001"})
    assert links[0].incident_code == "RQ0001"


def test_an_unknown_cited_code_falls_back_to_date_and_place() -> None:
    links = link_verdicts([verdict(code="XX999")], [incident("RQ0001")])
    assert (links[0].incident_code, links[0].basis) == ("RQ0001", PLACE_AND_DATE)


def test_one_incident_that_day_in_the_town_is_linked() -> None:
    links = link_verdicts([verdict()], [incident("RQ0001"), incident("RQ0002", day=DAY + timedelta(5))])
    assert links[0].incident_code == "RQ0001"
    assert links[0].candidates == ("RQ0001",)


def test_two_incidents_that_day_near_the_town_are_left_for_an_analyst() -> None:
    """The town's centroid cannot tell two incidents in the town apart, however near one is."""
    near = incident("RQ0001", lat=RAQQA[0] + 0.0001)
    far = incident("RQ0002", lat=RAQQA[0] + 0.04)
    links = link_verdicts([verdict()], [near, far])
    assert links[0].incident_code is None
    assert links[0].candidates == ("RQ0001", "RQ0002")
    assert "2 incidents fit equally well" in links[0].basis


def test_an_mgrs_square_tells_near_incidents_apart() -> None:
    near = incident("RQ0001", lat=RAQQA[0] + 0.0001)
    far = incident("RQ0002", lat=RAQQA[0] + 0.004)
    links = link_verdicts([verdict(radius=1_000.0, by_mgrs=True)], [near, far])
    assert (links[0].incident_code, links[0].basis) == ("RQ0001", MGRS_AND_DATE)


def test_the_incident_on_the_day_beats_one_a_day_off() -> None:
    links = link_verdicts([verdict()], [incident("RQ0001"), incident("RQ0002", day=DAY - timedelta(1))])
    assert links[0].incident_code == "RQ0001"
    assert links[0].day_offset == 0


def test_outside_the_date_tolerance_or_radius_nothing_links() -> None:
    links = link_verdicts(
        [verdict("late", day=DAY + timedelta(2)), verdict("far", at=(36.5, 40.1), radius=1000.0)],
        [incident("RQ0001", precision=GeoPrecision.NEIGHBOURHOOD)])
    assert [link.incident_code for link in links] == [None, None]
    assert links[0].basis == "no incident on that date near that place"


def test_without_date_or_place_the_reason_says_so() -> None:
    links = link_verdicts([verdict(day=None), verdict(at=None)], [incident("RQ0001")])
    assert [link.basis for link in links] == [
        "no date to link by", "place not in the gazetteer and no MGRS reference"]


days = st.integers(min_value=0, max_value=6).map(lambda n: DAY + timedelta(n))
offsets = st.floats(min_value=-0.05, max_value=0.05)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(days, offsets, offsets), max_size=8),
       st.lists(st.tuples(days, offsets, offsets, st.booleans(), st.booleans()), max_size=6))
def test_links_only_ever_name_one_of_their_candidates(incidents, verdicts) -> None:
    known = [incident(f"I{n}", day=d, lat=RAQQA[0] + a, lon=RAQQA[1] + b)
             for n, (d, a, b) in enumerate(incidents)]
    entries = [verdict(f"v{n}", day=d, at=(RAQQA[0] + a, RAQQA[1] + b), by_mgrs=m,
                       radius=1_000.0 if m else 8_000.0, code="I0" if c else None)
               for n, (d, a, b, m, c) in enumerate(verdicts)]
    links = link_verdicts(entries, known)
    assert [link.key for link in links] == [entry.key for entry in entries]
    for entry, link in zip(entries, links, strict=True):
        if link.incident_code is not None:
            assert link.incident_code in link.candidates
            if link.basis == PLACE_AND_DATE:
                # From a town's centroid, a link is made only when the day alone decides.
                others = [k for k in known if k.code in link.candidates and k.code != link.incident_code]
                assert all(k.date_start != entry.date for k in others)
        elif entry.cited_code and known:
            raise AssertionError("a known cited code always links")


REPORT = """\
Civilian casualty report, November 2017

During this reporting period, the Coalition received 3 new reports.

Credible reports:

1. June 30, 2017, near Raqqah, Syria, via media report. After a review of available
information, it was assessed that three civilians were unintentionally killed.

Non-credible reports:

1. August 15, 2017, near Raqqa, Syria, via media report. After a review of available
information, it was assessed that there were no Coalition strikes in the area.
2. June 30, 2017, near Raqqa, Syria, via social media report RQ0001. After a review of
available information, it was assessed that this report is a duplicate of a previously
assessed report.
"""


def test_import_links_by_cited_code_and_keeps_what_it_cannot_link(
    tmp_path: Path, fresh_database_url: str
) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    civharm("import", *write_examples(tmp_path), db=db, check=True)
    report = tmp_path / "2017-11.txt"
    report.write_text(REPORT, encoding="utf-8")
    result = civharm("parse", "civcas-report", str(report), "--import", db=db, check=True)
    assert "3 report entries stored (3 new); 2 linked to incidents (1 by cited code, 1 by date and " \
        "place), 1 not linked" in result.stderr
    # RQ0002 has no coordinates, so the entry of 15 August waits for an analyst.
    assert "not linked: 2017-11.txt #1 (2017-08-15, Raqqa): no incident on that date near that place" \
        in result.stderr
    detail = json.loads(civharm("incident", "show", "RQ0001", "--json", db=db, check=True).stdout)
    (coalition,) = [v for v in detail["verdicts"] if v["belligerent"] == "US-led Coalition"]
    # The credible verdict is linked by date and place (the only incident in Raqqa that
    # day); the duplicate entry citing the incident's code does not overwrite it.
    assert coalition["assessment"] == "credible"
    assert coalition["deaths_conceded_max"] == 3
    again = civharm("parse", "civcas-report", str(report), "--import", db=db, check=True)
    assert "3 report entries stored (0 new)" in again.stderr
    listed = civharm("match", "verdicts", "--unlinked", db=db, check=True)
    assert "2017-11.txt #1 line 12: 2017-08-15, Raqqa, non_credible: no incident on that date" \
        in listed.stdout
