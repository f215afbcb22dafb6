"""Reading import files: every problem found, with file, line, column and reason."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civharm.domain.records import IncidentRecord, VictimRecord
from civharm.ingest import parse_file
from civharm.ingest.reader import detect_kind

INCIDENT_HEADER = ["code", "date", "place", "place_ar", "latitude", "longitude",
                   "geo_precision", "strike_type"]


def good_incident(n: int) -> dict[str, str]:
    return {"code": f"RQ{n:04d}", "date": "2017-07-0" + str(1 + n % 9), "place": "Raqqa",
            "place_ar": "الرقة", "latitude": "35.95", "longitude": "39.01",
            "geo_precision": "neighbourhood", "strike_type": "air"}


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_clean_file_reads_into_records(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, [good_incident(i) for i in range(3)])
    parsed = parse_file(path)
    assert parsed.problems == []
    records = [item.record for item in parsed.of("incidents")]
    assert len(records) == 3
    assert isinstance(records[0], IncidentRecord)
    assert records[0].place_ar == "الرقة"
    assert [item.origin.line for item in parsed.of("incidents")] == [2, 3, 4]


BAD_VALUES = {
    "date": ["2017-02-30", "June 2017", "2017-13"],
    "latitude": ["north", "95", "-91"],
    "longitude": ["east", "181"],
    "geo_precision": ["roughly", "street-ish"],
    "strike_type": ["missile"],
    "code": [""],
    "place": ["   "],
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.integers(min_value=1, max_value=12),
    data=st.data(),
)
def test_each_bad_cell_is_reported_where_it_is(tmp_path: Path, rows: int, data: st.DataObject) -> None:
    bad_row = data.draw(st.integers(min_value=0, max_value=rows - 1))
    column = data.draw(st.sampled_from(sorted(BAD_VALUES)))
    value = data.draw(st.sampled_from(BAD_VALUES[column]))
    records = [good_incident(i) for i in range(rows)]
    records[bad_row][column] = value
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, records)
    parsed = parse_file(path)
    assert parsed.problems, "a bad cell must be reported"
    for problem in parsed.problems:
        assert problem.line == bad_row + 2
        assert problem.file == "incidents.csv"
        assert problem.reason
    assert any(p.column == column for p in parsed.problems)
    assert len(parsed.of("incidents")) == rows - 1


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.text(max_size=12), min_size=8, max_size=8))
def test_any_text_in_any_cell_never_crashes(tmp_path: Path, cells: list[str]) -> None:
    row = dict(zip(INCIDENT_HEADER, cells, strict=True))
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, [row])
    parsed = parse_file(path)
    blank = not any(c.strip() for c in cells)
    # A row is either read or explained; only a wholly blank row is skipped.
    assert len(parsed.of("incidents")) + (1 if parsed.problems else 0) == (0 if blank else 1) \
        or (not blank and parsed.problems)
    for problem in parsed.problems:
        assert problem.file == "incidents.csv"
        assert problem.reason


def test_unknown_and_missing_columns_are_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "incidents.csv", ["code", "dat", "place"],
                     [{"code": "RQ1", "dat": "2017-06-01", "place": "Raqqa"}])
    messages = [str(p) for p in parse_file(path).problems]
    assert "incidents.csv, line 1, column 'dat': unknown column for incidents; did you mean 'date'?" \
        in messages
    assert "incidents.csv, line 1, column 'date': required column missing for incidents" in messages


def test_duplicate_keys_in_one_file_are_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, [good_incident(1), good_incident(1)])
    problems = parse_file(path).problems
    assert len(problems) == 1
    assert problems[0].line == 3
    assert "duplicate of line 2" in problems[0].reason


def test_victims_age_band_and_sources(tmp_path: Path) -> None:
    header = ["victim_id", "incident", "name", "name_ar", "sex", "age", "age_min", "age_max",
              "sources"]
    rows = [
        {"victim_id": "V1", "incident": "RQ1", "name": "Ahmad", "name_ar": "أحمد", "sex": "M",
         "age": "8", "age_min": "", "age_max": "", "sources": "S1; S2"},
        {"victim_id": "V2", "incident": "RQ1", "name": "", "name_ar": "", "sex": "f",
         "age": "40", "age_min": "18", "age_max": "30", "sources": ""},
        {"victim_id": "V3", "incident": "RQ1", "name": "X", "name_ar": "", "sex": "",
         "age": "", "age_min": "30", "age_max": "18", "sources": ""},
    ]
    parsed = parse_file(write_csv(tmp_path / "victims.csv", header, rows))
    victims = [i.record for i in parsed.of("victims")]
    assert len(victims) == 1
    first = victims[0]
    assert isinstance(first, VictimRecord)
    assert first.source_keys == ("S1", "S2")
    assert first.sex.value == "male"
    reasons = {(p.line, p.column): p.reason for p in parsed.problems}
    assert reasons[(3, "age")] == "age 40 lies outside the age band 18–30"
    assert "below min" in reasons[(4, "age_max")]


def test_json_with_sections(tmp_path: Path) -> None:
    document = {
        "incidents": [{"code": "RQ1", "date": "2017-06-01", "place": "Raqqa"}],
        "claims": [{"incident": "RQ1", "source": "S1", "killed_min": 2, "killed_max": "x"}],
        "victimz": [],
    }
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    parsed = parse_file(path)
    assert len(parsed.of("incidents")) == 1
    found = {(p.file, p.line, p.column) for p in parsed.problems}
    assert ("bundle.json [claims]", 1, "killed_civilians_max") in found
    assert ("bundle.json", None, "victimz") in found


def test_xlsx_sheets_named_after_kinds(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "incidents"
    sheet.append(["code", "date", "place", "latitude", "longitude"])
    sheet.append(["RQ7", "2017-09-03", "Raqqa", 35.95, 39.01])
    sheet.append(["RQ8", "not a date", "Raqqa", None, None])
    path = tmp_path / "book.xlsx"
    book.save(path)
    parsed = parse_file(path)
    assert [i.record.code for i in parsed.of("incidents")] == ["RQ7"]
    assert [(p.file, p.line, p.column) for p in parsed.problems] == [
        ("book.xlsx [incidents]", 3, "date")]


def test_broken_files_are_one_problem_not_a_crash(tmp_path: Path) -> None:
    latin1 = tmp_path / "incidents.csv"
    latin1.write_bytes("code,date,place\nRQ1,2017-06-01,Raqqa \xe9\n".encode("latin-1"))
    assert "not UTF-8" in parse_file(latin1).problems[0].reason
    broken = tmp_path / "x.json"
    broken.write_text("{", encoding="utf-8")
    assert "broken JSON" in parse_file(broken).problems[0].reason
    fake = tmp_path / "incidents.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    assert "XLSX" in parse_file(fake).problems[0].reason
    odd = tmp_path / "data.pdf"
    odd.write_text("x", encoding="utf-8")
    assert "unsupported file type" in parse_file(odd).problems[0].reason


def test_kind_is_detected_from_headers_when_the_name_does_not_say() -> None:
    assert detect_kind(["code", "date", "place"]) == "incidents"
    assert detect_kind(["victim_id", "incident", "name"]) == "victims"
    assert detect_kind(["code", "date", "place", "belligerent_1_name"]) == "airwars"
    assert detect_kind(["foo", "bar"]) is None


def test_airwars_sheet_becomes_incident_claim_and_verdicts(tmp_path: Path) -> None:
    header = ["code", "date", "place", "grade", "grade_reason", "civilian_deaths_min",
              "civilian_deaths_max", "belligerent_1_name", "belligerent_1_assessment",
              "belligerent_1_deaths_conceded_min", "belligerent_1_deaths_conceded_max",
              "belligerent_2_name", "belligerent_2_assessment"]
    row = {"code": "RQ0100", "date": "2017-08-20", "place": "al-Badu", "grade": "Confirmed",
           "grade_reason": "Coalition accepted", "civilian_deaths_min": "5",
           "civilian_deaths_max": "9", "belligerent_1_name": "US-led Coalition",
           "belligerent_1_assessment": "Credible", "belligerent_1_deaths_conceded_min": "2",
           "belligerent_1_deaths_conceded_max": "2", "belligerent_2_name": "Russia",
           "belligerent_2_assessment": "bogus"}
    parsed = parse_file(write_csv(tmp_path / "sheet.csv", header, [row]))
    assert [(p.line, p.column) for p in parsed.problems] == [(2, "belligerent_2_assessment")]
    row["belligerent_2_assessment"] = "not yet assessed"
    parsed = parse_file(write_csv(tmp_path / "sheet.csv", header, [row]))
    assert parsed.problems == []
    assert [i.record.code for i in parsed.of("incidents")] == ["RQ0100"]
    claim = parsed.of("claims")[0].record
    assert claim.casualties.civilians_killed.low == 5
    verdicts = {v.record.belligerent: v.record for v in parsed.of("verdicts")}
    assert verdicts["US-led Coalition"].deaths_conceded.high == 2
    assert verdicts["Russia"].assessment.value == "not_yet_assessed"
