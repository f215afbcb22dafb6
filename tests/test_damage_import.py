"""Satellite damage assessments: the wide-file pivot, problems, codes, the all-or-nothing and
idempotent import, the figures, and the simulator's file against its truth."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civharm.analysis.damage_assessments import (
    DEFAULT_CODES,
    CodesError,
    damage_figures,
    parse_codes,
    read_csv_text,
    read_geojson_text,
    wide_table,
)
from civharm.domain.vocabulary import DamageClass
from conftest import civharm

HEADER = ("SiteID,latitude,longitude,Neighbourhood,SensorDate_1,Main_Damage_Site_Class_1,"
          "SensorDate_3,Main_Damage_Site_Class_3")
SMALL = "\n".join([
    HEADER,
    "A1,35.95,39.01,Old City,2017-06-01,6,2017-09-01,1",
    "A2,35.951,39.011,Old City,2017-06-01,4,2017-09-01,2",
    "A3,35.96,39.02,Mishlab,2017-06-01,6,,",
    "A4,35.961,39.021,Mishlab,,,2017-09-01,11",
]) + "\n"


def _csv(header: list[str], lines: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(lines)
    return buffer.getvalue()


# --- the pure reader -------------------------------------------------------------------------

CODES = sorted(DEFAULT_CODES)
pair = st.one_of(st.none(), st.tuples(st.integers(0, 400), st.sampled_from(CODES)))


@st.composite
def wide_files(draw: st.DrawFn) -> tuple[list[int], list[list[tuple[int, str] | None]]]:
    numbers = sorted(draw(st.sets(st.integers(1, 40), min_size=1, max_size=8)))
    sites = draw(st.lists(st.lists(pair, min_size=len(numbers), max_size=len(numbers)),
                          min_size=1, max_size=12))
    return numbers, sites


@settings(max_examples=150, deadline=None)
@given(wide_files())
def test_wide_files_pivot_to_long_rows_that_rebuild_them(
        drawn: tuple[list[int], list[list[tuple[int, str] | None]]]) -> None:
    numbers, sites = drawn
    start = date(2017, 1, 1)
    header = ["SiteID", "latitude", "longitude", "Neighbourhood"]
    for number in numbers:
        header += [f"SensorDate_{number}", f"Main_Damage_Site_Class_{number}"]
    lines: list[list[str]] = []
    expected: dict[str, list[tuple[date, str]]] = {}
    for index, pairs in enumerate(sites):
        site = f"S{index}"
        line = [site, f"35.{index:04d}", f"39.{index:04d}", f"hood {index % 3}"]
        kept: dict[date, str] = {}
        for cell in pairs:
            if cell is None:
                line += ["", ""]
                continue
            offset, code = cell
            day = start + timedelta(days=offset)
            if day in kept:  # one class per site and date: leave repeats blank
                line += ["", ""]
                continue
            kept[day] = code
            line += [day.isoformat(), code]
        lines.append(line)
        expected[site] = sorted(kept.items())
    read = read_csv_text(_csv(header, lines), "wide.csv")
    assert read.problems == []
    assert read.sites == len(sites)
    got: dict[str, list[tuple[date, str]]] = {site: [] for site in expected}
    for row in read.rows:
        got[row.site].append((row.observed_on, row.code))
        assert row.damage_class == DEFAULT_CODES[row.code].value
        assert row.line == int(row.site[1:]) + 2
    assert {site: sorted(seen) for site, seen in got.items()} == expected
    # The long rows rebuild the wide table (with the blank pairs closed up).
    rebuilt_header, rebuilt = wide_table(read.rows)
    again = read_csv_text(_csv(rebuilt_header, rebuilt), "again.csv")
    assert again.problems == []
    assert sorted((r.site, r.observed_on, r.code, r.latitude, r.neighbourhood)
                  for r in again.rows) == sorted(
        (r.site, r.observed_on, r.code, r.latitude, r.neighbourhood) for r in read.rows)
    for line in rebuilt:
        filled = [cell for cell in line[4:] if cell]
        assert len(filled) == 2 * len(expected[line[0]])


def test_bad_codes_and_dates_are_reported_with_line_and_column() -> None:
    text = "\n".join([
        HEADER,
        "A1,35.95,39.01,Old City,2017-06-01,7,2017-09-01,1",
        "A2,35.95,39.01,Old City,2017-13-01,6,2017-09-01,",
        "A3,95,39.01,Old City,,3,2017-09-01,1.0",
    ]) + "\n"
    read = read_csv_text(text, "bad.csv")
    found = {(p.line, p.column) for p in read.problems}
    assert found == {(2, "Main_Damage_Site_Class_1"), (3, "SensorDate_1"),
                     (3, "Main_Damage_Site_Class_3"), (4, "latitude")}
    assert all(p.file == "bad.csv" for p in read.problems)
    assert any("'7' is not a known damage code" in p.reason for p in read.problems)


def test_unpaired_columns_and_repeated_dates_are_problems() -> None:
    read = read_csv_text("SiteID,latitude,longitude,SensorDate_1,Main_Damage_Site_Class_2\n",
                         "cols.csv")
    assert {p.column for p in read.problems} == {"SensorDate_1", "Main_Damage_Site_Class_2"}
    repeated = read_csv_text(HEADER + "\nA1,35.9,39.0,x,2017-06-01,6,2017-06-01,1\n", "r.csv")
    assert [(p.line, p.column) for p in repeated.problems] == [(2, "SensorDate_3")]


def test_codes_are_configurable_and_11_is_possible() -> None:
    assert DEFAULT_CODES["11"] is DamageClass.POSSIBLE
    codes = parse_codes("1=none, 2=destroyed,3.0=moderate")
    assert codes == {"1": DamageClass.NONE, "2": DamageClass.DESTROYED,
                     "3": DamageClass.MODERATE}
    read = read_csv_text("SiteID,latitude,longitude,SensorDate,Main_Damage_Site_Class\n"
                         "B1,1,2,2017-01-01,1\nB1,1,2,2017-02-01,2\nB2,1,2,2017-02-01,6\n",
                         "own.csv", codes)
    assert [(r.site, r.damage_class) for r in read.rows[:2]] == [("B1", "none"),
                                                                 ("B1", "destroyed")]
    assert [(p.line, p.column) for p in read.problems] == [(4, "Main_Damage_Site_Class")]
    for bad in ("1=ruined", "1", "1=none,1=severe", ""):
        with pytest.raises(CodesError):
            parse_codes(bad)


def test_geojson_points_read_like_csv() -> None:
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [39.0, 35.9]},
                 "properties": {"SiteID": "G1", "Neighbourhood": "Old City",
                                "SensorDate_2": "2017-09-01", "Main_Damage_Site_Class_2": 1}},
                {"type": "Feature", "geometry": None,
                 "properties": {"SiteID": "G2", "SensorDate_2": "2017-09-01",
                                "Main_Damage_Site_Class_2": 5}}]
    read = read_geojson_text(json.dumps({"type": "FeatureCollection", "features": features}),
                             "d.geojson")
    assert [(r.site, r.latitude, r.longitude, r.damage_class) for r in read.rows] == [
        ("G1", 35.9, 39.0, "destroyed")]
    assert [(p.line, p.column, p.unit) for p in read.problems] == [(2, "geometry", "feature")]


def test_figures_against_hand_counts() -> None:
    read = read_csv_text(SMALL, "small.csv")
    assert read.problems == []
    figures = damage_figures(("UNOSAT", r.site, r.neighbourhood, r.observed_on, r.damage_class)
                             for r in read.rows)
    table = {(f.area, f.observed_on.isoformat()): (f.assessed, f.damaged, f.destroyed, f.severe)
             for f in figures}
    assert table == {
        ("city", "2017-06-01"): (3, 1, 0, 0),
        ("Old City", "2017-06-01"): (2, 1, 0, 0),
        ("Mishlab", "2017-06-01"): (1, 0, 0, 0),
        ("city", "2017-09-01"): (3, 3, 1, 1),
        ("Old City", "2017-09-01"): (2, 2, 1, 1),
        ("Mishlab", "2017-09-01"): (1, 1, 0, 0),
    }
    city = next(f for f in figures if f.area == "city" and f.observed_on == date(2017, 9, 1))
    assert city.damaged_share == 1.0
    assert city.destroyed_share == pytest.approx(1 / 3)
    assert city.destroyed_or_severe_share == pytest.approx(2 / 3)  # not the damaged share


# --- the store -------------------------------------------------------------------------------

def _counts() -> tuple[int, int]:
    from civharm.store.models import AuditEntry, DamageObservation

    return DamageObservation.objects.count(), AuditEntry.objects.count()


def test_import_is_all_or_nothing_and_idempotent(in_process_database: str,
                                                  tmp_path: Path) -> None:
    from civharm.services.damage import damage_figures as stored_figures
    from civharm.services.damage import destroyed_near, import_damage
    from civharm.services.errors import ImportRejected
    from civharm.store.models import AuditEntry, DamageObservation

    bad = tmp_path / "bad.csv"
    bad.write_text(SMALL + "A5,35.9,39.0,Mishlab,2017-06-01,9,,\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as rejected:
        import_damage(bad)
    assert [(p.line, p.column) for p in rejected.value.problems] == [
        (6, "Main_Damage_Site_Class_1")]
    assert _counts() == (0, 0)

    good = tmp_path / "good.csv"
    good.write_text(SMALL, encoding="utf-8")
    first = import_damage(good, actor="tester")
    assert (first.sites, first.observations, first.created) == (4, 6, 6)
    stored = set(DamageObservation.objects.values_list("site", "observed_on", "damage_class",
                                                       "neighbourhood", "product"))
    assert ("A4", date(2017, 9, 1), "possible", "Mishlab", "UNOSAT") in stored
    entry = AuditEntry.objects.get()
    assert entry.action == "import.damage" and entry.actor == "tester"
    before = _counts()
    again = import_damage(good)
    assert not again.changed and again.unchanged == 6
    assert _counts() == before

    # A correction updates in place; another product is kept apart.
    good.write_text(SMALL.replace("2017-09-01,2", "2017-09-01,1"), encoding="utf-8")
    corrected = import_damage(good)
    assert (corrected.created, corrected.updated) == (0, 1)
    other = import_damage(good, product="Other", codes=parse_codes("1=severe,4=none,6=none,"
                                                                   "11=none,2=severe"))
    assert other.created == 6
    assert _counts() == (12, 3)
    unosat = [f for f in stored_figures(product="UNOSAT") if f.area == "city"]
    assert [(f.observed_on, f.destroyed) for f in unosat] == [(date(2017, 6, 1), 0),
                                                              (date(2017, 9, 1), 2)]
    near = destroyed_near(35.95, 39.01, date(2017, 8, 1), date(2017, 10, 1), 500)
    assert [(s.site, s.product) for s in near] == [("A1", "UNOSAT"), ("A2", "UNOSAT")]
    assert near[0].distance_m == 0
    assert destroyed_near(35.95, 39.01, date(2017, 8, 1), date(2017, 10, 1), 50)[0].site == "A1"
    assert destroyed_near(35.95, 39.01, date(2017, 5, 1), date(2017, 7, 1), 500) == []


def test_simulated_file_matches_its_truth(in_process_database: str, tmp_path: Path) -> None:
    from civharm.services.damage import damage_figures as stored_figures
    from civharm.services.damage import import_damage
    from civharm.simulation.damage import write_damage
    from civharm.store.models import DamageObservation

    summary = write_damage(tmp_path, seed=2017, scale=0.05)
    report = import_damage(tmp_path / "damage" / "damage-sites.csv")
    with open(tmp_path / "truth" / "damage.csv", encoding="utf-8", newline="") as handle:
        truth = {row["SiteID"]: row["final_class_name"] for row in csv.DictReader(handle)}
    assert report.sites == len(truth) == summary.buildings
    last_day = max(DamageObservation.objects.values_list("observed_on", flat=True))
    final = dict(DamageObservation.objects.filter(observed_on=last_day)
                 .values_list("site", "damage_class"))
    assert final.keys() == truth.keys()
    # The analysts' file has slips (about one site in twenty differs on a given date).
    agree = sum(final[site] == truth[site] for site in truth)
    assert agree >= 0.9 * len(truth)
    true_counts, seen_counts = Counter(truth.values()), Counter(final.values())
    for name in ("destroyed", "severe", "moderate", "none"):
        assert abs(seen_counts[name] - true_counts[name]) <= 0.05 * len(truth) + 3, name
    city = next(f for f in stored_figures(by_neighbourhood=False) if f.observed_on == last_day)
    assert city.assessed == len(truth)
    assert city.destroyed == seen_counts["destroyed"]
    assert city.damaged == len(truth) - seen_counts["none"]
    assert summary.destroyed == true_counts["destroyed"]


def test_cli_import_and_stats(fresh_database_url: str, tmp_path: Path) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    good = tmp_path / "sites.csv"
    good.write_text(SMALL, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(SMALL.replace("2017-06-01,4", "2017-06-31,4"), encoding="utf-8")
    refused = civharm("damage", "import", str(bad), db=db)
    assert refused.returncode == 1
    assert "bad.csv, line 3, column 'SensorDate_1'" in refused.stderr
    assert "nothing was imported" in refused.stderr
    assert civharm("damage", "import", str(good), "--codes", "1=ruin", db=db).returncode == 1
    first = civharm("damage", "import", str(good), db=db, check=True)
    assert "6 observations (6 new" in first.stdout
    again = civharm("damage", "import", str(good), db=db, check=True)
    assert again.stdout.startswith("Nothing changed")
    shown = civharm("damage", "stats", "--json", "--by", "neighbourhood", db=db, check=True)
    figures = json.loads(shown.stdout)
    assert {(f["area"], f["observed_on"], f["destroyed"]) for f in figures} >= {
        ("city", "2017-09-01", 1), ("Old City", "2017-09-01", 1)}
    table = civharm("damage", "stats", db=db, check=True)
    assert "uninhabitable" in table.stdout
