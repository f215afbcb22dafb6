"""The monthly civilian-casualty report parser: summary, entries, statuses and reasons."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from civharm.analysis.civcas_reports import parse_civcas_report

REPORT = """\
Civilian casualty report, June 2017

During this reporting period, the Coalition carried over 64 open reports from previous
months and received 31 new reports. The Coalition completed 27 assessments. Seventeen of
these reports were assessed to be credible, eight were assessed to be non-credible and two
were assessed to be duplicates of previously assessed reports. 68 reports remain open.

Since the beginning of Operation Inherent Resolve, the Coalition conducted a total of
24,566 strikes that included 53,208 separate engagements. During this period, a total of
1,790 reports of possible civilian casualties were assessed; 351 were assessed to be
credible; 624 civilians have been unintentionally killed by Coalition strikes.

Credible reports:

1. June 14, 2017, near Raqqah, Syria, via self-report. After a review of available
information, it was assessed that three civilians were unintentionally killed.
2. June 20, 2017, near Ar Raqqah, Syria, via Airwars report CS1234 (MGRS 37SEV153737).
After a review it was assessed that a strike killed two civilians and injured one.

Non-credible reports:

1. May 7, 2017, near Raqqa, Syria, via media report. After a review of available
information and strike records, it was assessed that there were no Coalition strikes in the
area at the time of the alleged incident. The report is assessed to be non-credible.
2. May 9, 2017, near Raqqa, Syria, via social media report. After a review of available
information, it was assessed that this report is a duplicate of a previously assessed report.
3. May 11, 2017, near Tabqah, Syria, via NGO report. After a review of available
information, it was assessed that there was insufficient information to determine whether a
Coalition strike resulted in civilian casualties.
4. May 12, 2017, near Dayr Az Zawr, Syria, via Airwars report. The alleged civilian
casualties were not the result of a Coalition strike.
5. Something nobody can read.
"""


def test_summary() -> None:
    parsed = parse_civcas_report(REPORT)
    assert parsed.summary_json() == {
        "kind": "summary",
        "reports_carried_over": 64, "reports_received": 31, "reports_assessed": 27,
        "credible": 17, "non_credible": 8, "duplicate": 2, "reports_open": 68,
        "strikes_total": 24566, "engagements_total": 53208, "reports_total": 1790,
        "credible_total": 351, "civilians_killed_total": 624,
    }


def test_entries() -> None:
    parsed = parse_civcas_report(REPORT)
    rows = [a.as_json() for a in parsed.allegations]
    assert [(r["number"], r["status"], r["reason"]) for r in rows] == [
        (1, "credible", None),
        (2, "credible", None),
        (1, "non-credible", "no strikes in the area"),
        (2, "duplicate", None),
        (3, "non-credible", "insufficient information"),
        (4, "non-credible", "not a coalition strike"),
    ]
    first, second = rows[0], rows[1]
    assert (first["date"], first["place"], first["country"], first["via"]) == (
        "2017-06-14", "Raqqah", "Syria", "self-report")
    assert first["killed"] == 3 and first["injured"] is None
    assert (second["killed"], second["injured"]) == (2, 1)
    assert (second["via"], second["airwars_code"], second["mgrs"]) == (
        "Airwars report", "CS1234", "37SEV153737")
    assert [line for line, _, _ in parsed.problems] == [32]


def test_a_report_without_totals_says_null() -> None:
    parsed = parse_civcas_report("The Coalition received five new reports.\n")
    assert parsed.summary["reports_received"] == 5
    assert parsed.summary["civilians_killed_total"] is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises(text: str) -> None:
    parse_civcas_report(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    "1.", "2.", "June", "14,", "2017,", "near", "Raqqah,", "Syria,", "via", "self-report.",
    "Credible reports:", "\n", "Non-credible reports:", "killed", "three", "civilians",
    "assessed", "to", "be", "credible", "duplicate", "(MGRS", "37SEV1533573744)", "CS12",
]), max_size=40).map(" ".join))
def test_never_raises_on_report_like_noise(text: str) -> None:
    parse_civcas_report(text)
