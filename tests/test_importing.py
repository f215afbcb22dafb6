"""Importing into the store: all or nothing, idempotent, references checked, history kept."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from civharm.services.errors import ImportRejected
from civharm.services.figures import headline
from civharm.services.importing import import_files
from civharm.store import models

pytestmark = pytest.mark.django_db


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "incidents": write(tmp_path / "incidents.csv", [
            {"code": "RQ0001", "date": "2017-06-30", "place": "al-Badu", "place_ar": "البدو",
             "latitude": "35.951", "longitude": "39.012", "grade": "fair",
             "grade_reason": "two sources and a declared strike", "strike_status": "likely_strike"},
            {"code": "RQ0002", "date": "2017-07", "place": "al-Mishlab", "place_ar": "المشلب",
             "latitude": "", "longitude": "", "grade": "", "grade_reason": "", "strike_status": ""},
        ]),
        "sources": write(tmp_path / "sources.csv", [
            {"source_id": "S1", "kind": "media_report", "title": "Local news", "public": ""},
            {"source_id": "S2", "kind": "witness_interview", "title": "Interview 1", "public": ""},
        ]),
        "claims": write(tmp_path / "claims.csv", [
            {"incident": "RQ0001", "source": "S1", "killed_min": "4", "killed_max": "6"},
            {"incident": "RQ0001", "source": "S2", "killed_min": "5", "killed_max": "8"},
            {"incident": "RQ0002", "source": "S1", "killed_min": "2", "killed_max": "2"},
        ]),
        "victims": write(tmp_path / "victims.csv", [
            {"victim_id": "V1", "incident": "RQ0001", "name": "Ahmad Khalil al-Ali",
             "name_ar": "أحمد خليل العلي", "sources": "S1;S2"},
            {"victim_id": "V2", "incident": "RQ0001", "name": "", "name_ar": "",
             "sources": "S1"},
        ]),
        "verdicts": write(tmp_path / "verdicts.csv", [
            {"incident": "RQ0001", "belligerent": "US-led Coalition", "assessment": "credible",
             "deaths_conceded_min": "2", "deaths_conceded_max": "3"},
        ]),
    }


def test_import_then_figures(files: dict[str, Path]) -> None:
    report = import_files(list(files.values()))
    assert report.counts["incidents"]["created"] == 2
    assert report.counts["claims"]["created"] == 3
    assert report.assessments_added == 1
    figures = headline()
    assert figures.incidents == 2
    assert figures.strike_locations == 2
    assert figures.witnesses == 1
    assert figures.named_victims == 1
    assert (figures.killed.low, figures.killed.high) == (6, 10)
    assert (figures.likely_deaths.low, figures.likely_deaths.high) == (4, 8)
    assert figures.conceded["US-led Coalition"].high == 3
    victim = models.Victim.objects.get(key="V1")
    assert sorted(s.key for s in victim.sources.all()) == ["S1", "S2"]
    assert not models.Source.objects.get(key="S2").public


def test_reimport_changes_nothing(files: dict[str, Path]) -> None:
    import_files(list(files.values()))
    before = {m.__name__: m.objects.count() for m in (
        models.Incident, models.Claim, models.Victim, models.Assessment, models.ImportBatch)}
    again = import_files(list(files.values()))
    assert again.changed == 0
    after = {m.__name__: m.objects.count() for m in (
        models.Incident, models.Claim, models.Victim, models.Assessment, models.ImportBatch)}
    assert before == after


def test_changed_rows_update_and_grades_keep_history(files: dict[str, Path], tmp_path: Path) -> None:
    import_files(list(files.values()))
    changed = write(tmp_path / "incidents.csv", [
        {"code": "RQ0001", "date": "2017-06-30", "place": "al-Badu", "place_ar": "البدو",
         "latitude": "35.951", "longitude": "39.012", "grade": "confirmed",
         "grade_reason": "the coalition conceded deaths", "strike_status": "declared_strike"},
    ])
    report = import_files([changed])
    assert report.counts["incidents"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert report.assessments_added == 1
    grades = list(models.Assessment.objects.filter(incident__code="RQ0001")
                  .order_by("assessed_at", "id").values_list("grade", flat=True))
    assert grades == ["fair", "confirmed"]


def test_victim_sources_follow_the_file(files: dict[str, Path], tmp_path: Path) -> None:
    import_files(list(files.values()))
    fewer = write(tmp_path / "victims.csv", [
        {"victim_id": "V1", "incident": "RQ0001", "name": "Ahmad Khalil al-Ali",
         "name_ar": "أحمد خليل العلي", "sources": "S2"},
    ])
    import_files([fewer])
    victim = models.Victim.objects.get(key="V1")
    assert [s.key for s in victim.sources.all()] == ["S2"]
    assert models.Victim.objects.count() == 2


def test_one_bad_row_writes_nothing_and_every_problem_is_listed(
    files: dict[str, Path], tmp_path: Path
) -> None:
    bad_claims = write(tmp_path / "claims.csv", [
        {"incident": "RQ0001", "source": "S1", "killed_min": "4", "killed_max": "6"},
        {"incident": "RQ0009", "source": "S1", "killed_min": "1", "killed_max": "1"},
        {"incident": "RQ0002", "source": "S7", "killed_min": "9", "killed_max": "3"},
    ])
    paths = [files["incidents"], files["sources"], bad_claims]
    with pytest.raises(ImportRejected) as caught:
        import_files(paths)
    where = {(p.file, p.line, p.column) for p in caught.value.problems}
    assert ("claims.csv", 3, "incident") in where
    assert ("claims.csv", 4, "killed_civilians_max") in where
    assert "nothing was imported" in str(caught.value)
    assert models.Incident.objects.count() == 0
    assert models.Source.objects.count() == 0
    assert models.ImportBatch.objects.count() == 0


def test_the_same_key_with_other_values_in_two_files_conflicts(
    files: dict[str, Path], tmp_path: Path
) -> None:
    other = write(tmp_path / "more-incidents.csv", [
        {"code": "RQ0002", "date": "2017-08", "place": "al-Mishlab"},
    ])
    with pytest.raises(ImportRejected) as caught:
        import_files([files["incidents"], other])
    assert any("conflicts with incidents.csv, line 3" in p.reason for p in caught.value.problems)


def test_references_resolve_against_the_database(files: dict[str, Path]) -> None:
    import_files([files["incidents"], files["sources"]])
    report = import_files([files["claims"]])
    assert report.counts["claims"]["created"] == 3


SHEET = {"code": "RQ0100", "date": "2017-08-20", "place": "al-Badu", "source": "S1",
         "civilian_deaths_min": "5", "civilian_deaths_max": "9",
         "belligerent_1_name": "US-led Coalition", "belligerent_1_assessment": "credible"}


def test_a_sheet_never_overwrites_a_real_source(files: dict[str, Path], tmp_path: Path) -> None:
    import_files([files["sources"]])
    sheet = write(tmp_path / "airwars-incidents.csv", [SHEET])
    report = import_files([sheet])
    assert "sources" not in report.counts
    assert models.Source.objects.get(key="S1").title == "Local news"
    assert models.Claim.objects.get(incident__code="RQ0100").source.key == "S1"


def test_a_sheet_creates_its_own_source_when_missing(tmp_path: Path) -> None:
    sheet = write(tmp_path / "sheet.csv", [{**SHEET, "source": ""}])
    import_files([sheet])
    assert models.Source.objects.get(key="airwars-sheet").kind == "ngo_report"
    again = import_files([sheet])
    assert again.changed == 0


def test_sheet_block_problems_name_their_block(tmp_path: Path) -> None:
    bad = {**SHEET, "belligerent_1_deaths_conceded_min": "5",
           "belligerent_1_deaths_conceded_max": "2"}
    with pytest.raises(ImportRejected) as caught:
        import_files([write(tmp_path / "sheet.csv", [bad])])
    assert [(p.line, p.column) for p in caught.value.problems] == [
        (2, "belligerent_1_deaths_conceded_max")]
    assert models.Incident.objects.count() == 0
