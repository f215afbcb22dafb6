"""`civharm parse` and `civharm geo` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import civharm

RELEASE = """\
In Syria, Coalition military forces conducted three strikes consisting of four engagements.
-- Near Raqqah, two strikes engaged an ISIS tactical unit and destroyed a vehicle and three
fighting positions.
• Near Dayr Az Zawr, a strike destroyed an ISIS oil wellhead.
-- Near Tabqah, strikes destroyed things.
"""


def test_parse_strike_release_prints_json_lines_and_imports_once(
    tmp_path: Path, fresh_database_url: str
) -> None:
    path = tmp_path / "2017-06-14.txt"
    path.write_text(RELEASE, encoding="utf-8")
    result = civharm("parse", "strike-release", str(path), check=True)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["place"] for r in rows] == ["Raqqah", "Dayr Az Zawr"]
    assert rows[0]["date"] == "2017-06-14"
    assert set(rows[0]) == {"date", "country", "place", "place_id", "strikes", "engagements",
                            "tactical_units", "destroyed"}
    assert "line 5: no number of strikes" in result.stderr
    db = fresh_database_url
    civharm("init", db=db, check=True)
    first = civharm("parse", "strike-release", str(path), "--import", db=db, check=True)
    assert "stored 2 new declared strike(s)" in first.stderr
    again = civharm("parse", "strike-release", str(path), "--import", db=db, check=True)
    assert "stored 0 new" in again.stderr


def test_undated_release_cannot_be_imported(tmp_path: Path, fresh_database_url: str) -> None:
    path = tmp_path / "release.txt"
    path.write_text(RELEASE, encoding="utf-8")
    civharm("init", db=fresh_database_url, check=True)
    result = civharm("parse", "strike-release", str(path), "--import", db=fresh_database_url)
    assert result.returncode == 1
    assert "--date" in result.stderr
    dated = civharm("parse", "strike-release", str(path), "--date", "2017-06-15", "--import",
                    db=fresh_database_url, check=True)
    assert '"date": "2017-06-15"' in dated.stdout


def test_parse_civcas_report(tmp_path: Path) -> None:
    path = tmp_path / "2017-07.txt"
    path.write_text(
        "The Coalition received five new reports. Two were assessed to be credible.\n\n"
        "Credible reports:\n\n"
        "1. July 3, 2017, near Raqqah, Syria, via self-report. Four civilians were "
        "unintentionally killed.\n", encoding="utf-8")
    lines = [json.loads(x) for x in civharm("parse", "civcas-report", str(path),
                                            check=True).stdout.splitlines()]
    assert lines[0]["kind"] == "summary" and lines[0]["reports_received"] == 5
    assert lines[1]["kind"] == "allegation" and lines[1]["killed"] == 4


def test_geo_mgrs() -> None:
    assert civharm("geo", "mgrs", "37SEV1533573744", check=True).stdout.strip() == \
        "35.907881 39.169956 1"
    bad = civharm("geo", "mgrs", "nowhere")
    assert bad.returncode == 1 and bad.stderr.startswith("error:")
