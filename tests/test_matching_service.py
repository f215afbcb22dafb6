"""`civharm match strikes`: incidents set against declared strikes, with suggested grades."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import civharm
from test_roundtrip import write_examples

RELEASE = """\
In Syria, Coalition military forces conducted two strikes.
-- Near Raqqah, two strikes engaged an ISIS tactical unit and destroyed a vehicle.
"""


def test_match_strikes_suggests_without_touching_analysts_grades(
    tmp_path: Path, fresh_database_url: str
) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    civharm("import", *write_examples(tmp_path), db=db, check=True)
    release = tmp_path / "2017-06-30.txt"
    release.write_text(RELEASE, encoding="utf-8")
    civharm("parse", "strike-release", str(release), "--import", db=db, check=True)
    result = civharm("match", "strikes", db=db, check=True)
    assert "Suggested grades:" in result.stdout
    detail = json.loads(civharm("incident", "show", "RQ0001", "--json", db=db, check=True).stdout)
    # RQ0001: 30 June, two sources, a credible verdict conceding 2 deaths, a declared strike
    # "near Raqqah" that day: Confirmed is suggested; the analyst's Fair stays the grade.
    assert detail["suggestion"]["grade"] == "confirmed"
    assert detail["suggestion"]["strike_status"] == "declared_strike"
    assert [m["place"] for m in detail["strike_matches"]] == ["Raqqah"]
    assert [a["grade"] for a in detail["assessments"]] == ["fair"]
    other = json.loads(civharm("incident", "show", "RQ0002", "--json", db=db, check=True).stdout)
    assert other["strike_matches"] == []
    assert other["suggestion"]["grade"] == "weak"
    # Running it again replaces, never duplicates.
    civharm("match", "strikes", db=db, check=True)
    again = json.loads(civharm("incident", "show", "RQ0001", "--json", db=db, check=True).stdout)
    assert len(again["strike_matches"]) == 1
