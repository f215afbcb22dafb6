"""Import, export, import into a new database: the figures come back identical."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from conftest import civharm

ROWS = {
    "incidents.csv": [
        {"code": "RQ0001", "date": "2017-06-30", "local_time": "14:20", "place": "al-Badu",
         "place_ar": "البدو", "latitude": "35.951", "longitude": "39.012",
         "geo_precision": "within_100m", "strike_type": "air", "infrastructure": "house;shop",
         "summary": "A house was hit.", "summary_ar": "أصيب منزل.", "previous_codes": "RQX1",
         "grade": "fair", "strike_status": "likely_strike",
         "grade_reason": "two sources, declared strike near", "assessed_by": "analyst"},
        {"code": "RQ0002", "date": "2017-08-14/2017-08-16", "local_time": "", "place": "al-Mishlab",
         "place_ar": "المشلب", "latitude": "", "longitude": "", "geo_precision": "",
         "strike_type": "artillery", "infrastructure": "", "summary": "", "summary_ar": "",
         "previous_codes": "", "grade": "weak", "strike_status": "single_source_claim",
         "grade_reason": "one source", "assessed_by": "analyst"},
    ],
    "sources.csv": [
        {"source_id": "S1", "kind": "media_report", "title": "Raqqa news, 1 July",
         "published": "2017-07-01", "language": "ar", "url": "https://example.org/1",
         "evidence_sha256": "a" * 64},
        {"source_id": "S2", "kind": "ngo_report", "title": "Monitor list", "published": "",
         "language": "en", "url": "", "evidence_sha256": ""},
    ],
    "claims.csv": [
        {"incident": "RQ0001", "source": "S1", "killed_min": "4", "killed_max": "6",
         "killed_children_min": "2", "killed_children_max": "3", "belligerent_blamed": "Coalition"},
        {"incident": "RQ0001", "source": "S2", "killed_min": "5", "killed_max": "5",
         "killed_children_min": "", "killed_children_max": "", "belligerent_blamed": ""},
        {"incident": "RQ0002", "source": "S2", "killed_min": "1", "killed_max": "3",
         "killed_children_min": "", "killed_children_max": "", "belligerent_blamed": ""},
    ],
    "victims.csv": [
        {"victim_id": "V1", "incident": "RQ0001", "name": "Ahmad Khalil al-Ali",
         "name_ar": "أحمد خليل العلي", "sex": "male", "age": "8", "relation": "son of V2",
         "date_of_death": "2017-06-30", "sources": "S1;S2"},
        {"victim_id": "V2", "incident": "RQ0001", "name": "Khalil Hasan al-Ali",
         "name_ar": "خليل حسن العلي", "sex": "male", "age": "", "relation": "",
         "date_of_death": "", "sources": "S2"},
    ],
    "verdicts.csv": [
        {"incident": "RQ0001", "belligerent": "US-led Coalition", "assessment": "credible",
         "involvement": "known", "deaths_conceded_min": "2", "deaths_conceded_max": "2",
         "mgrs": "37SEV1533573744", "assessed_on": "2017-11-30"},
    ],
    "declared_strikes.csv": [
        {"date": "2017-06-30", "country": "Syria", "place": "Raqqah", "strikes": "15",
         "tactical_units": "13", "destroyed": '{"fighting position": 18}',
         "text": "Near Raqqah, 15 strikes engaged 13 ISIS tactical units"},
    ],
}


def write_examples(folder: Path) -> list[str]:
    paths = []
    for name, rows in ROWS.items():
        path = folder / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        paths.append(str(path))
    return paths


def stats(db: str) -> dict[str, object]:
    return json.loads(civharm("stats", "--json", db=db, check=True).stdout)


def test_round_trip_through_json_and_csv(tmp_path: Path, new_database) -> None:  # type: ignore[no-untyped-def]
    original, via_json, via_csv = new_database(), new_database(), new_database()
    for db in (original, via_json, via_csv):
        civharm("init", db=db, check=True)
    civharm("import", *write_examples(tmp_path), db=original, check=True)
    figures = stats(original)
    assert figures["killed_min"] == 5 and figures["killed_max"] == 9

    civharm("export", "--format", "json", str(tmp_path / "out.json"), db=original, check=True)
    civharm("import", str(tmp_path / "out.json"), db=via_json, check=True)
    assert stats(via_json) == figures

    civharm("export", "--format", "csv", str(tmp_path / "csv"), db=original, check=True)
    civharm("import", *sorted(str(p) for p in (tmp_path / "csv").glob("*.csv")), db=via_csv,
            check=True)
    assert stats(via_csv) == figures

    # Exporting the copy gives the same document: nothing was lost or altered on the way.
    civharm("export", "--format", "json", str(tmp_path / "again.json"), db=via_json, check=True)
    first = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in first.items() if k != "incidents"} == \
        {k: v for k, v in again.items() if k != "incidents"}
    # Grades keep their reason; the grader is recorded as the import in the copy.
    strip = [{k: v for k, v in row.items() if k != "assessed_by"} for row in first["incidents"]]
    strip_again = [{k: v for k, v in row.items() if k != "assessed_by"}
                   for row in again["incidents"]]
    assert strip == strip_again

    # Importing the export back into the original changes nothing.
    again_import = civharm("import", str(tmp_path / "out.json"), db=original, check=True)
    assert "Nothing changed" in again_import.stdout


def test_exports_carry_no_confidential_source(tmp_path: Path, fresh_database_url: str) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    civharm("import", *write_examples(tmp_path), db=db, check=True)
    civharm("source", "add", "--id", "INT-7", "--kind", "witness_interview",
            "--title", "CANARY-interview-title", db=db, check=True)
    civharm("claim", "add", "--incident", "RQ0002", "--source", "INT-7", "--killed-min", "2",
            db=db, check=True)
    for fmt, out in (("json", "x.json"), ("geojson", "x.geojson"), ("csv", "csvdir")):
        civharm("export", "--format", fmt, str(tmp_path / out), db=db, check=True)
    texts = [(tmp_path / "x.json").read_text(encoding="utf-8"),
             (tmp_path / "x.geojson").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (tmp_path / "csvdir").iterdir()]
    for text in texts:
        assert "CANARY" not in text
        assert "INT-7" not in text
    geo = json.loads(texts[1])
    assert [f["properties"]["code"] for f in geo["features"]] == ["RQ0001"]
    assert geo["features"][0]["geometry"]["coordinates"] == [39.012, 35.951]
