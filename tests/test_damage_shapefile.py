"""Damage assessments from shapefiles (pyshp): points with the CSV's columns, names cut to a
DBF's 10 characters, plain or zipped, read exactly as the same CSV; projected layers, shapes
that are not points and unreadable files refused with a reason."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
import shapefile  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

from civharm.analysis.damage_assessments import (
    CLASS_STEM,
    DATE_STEM,
    pair_column,
    read_assessments,
)

WGS84 = ('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,'
         '298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')
UTM = ('PROJCS["WGS_1984_UTM_Zone_37N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",'
       'SPHEROID["WGS_1984",6378137.0,298.257223563]]],PROJECTION["Transverse_Mercator"]]')
SITES = [("S1", 39.01, 35.95, "al-Mashlab", date(2017, 6, 1), 6, date(2017, 10, 1), 1),
         ("S2", 39.02, 35.96, "Tayar", date(2017, 6, 1), 3, None, None),
         ("S3", 39.03, 35.97, "", date(2017, 6, 1), 4, date(2017, 10, 1), 11)]
CSV = ("SiteID,Longitude,Latitude,Neighbourhood,SensorDate_1,Main_Damage_Site_Class_1,"
       "SensorDate_2,Main_Damage_Site_Class_2\n"
       "S1,39.01,35.95,al-Mashlab,2017-06-01,6,2017-10-01,1\n"
       "S2,39.02,35.96,Tayar,2017-06-01,3,,\n"
       "S3,39.03,35.97,,2017-06-01,4,2017-10-01,11\n")


def write_shapefile(base: Path, prj: str | None = WGS84, polygon: bool = False) -> Path:
    with shapefile.Writer(str(base), shapeType=shapefile.POLYGON if polygon
                          else shapefile.POINT) as out:
        out.field("SiteID", "C", 20)
        out.field("Neighbourh", "C", 50)
        out.field("SensorDa_1", "D")
        out.field("Main_Dam_1", "N", 4)
        out.field("SensorDa_2", "D")
        out.field("Main_Dam_2", "N", 4)
        for site, lon, lat, hood, d1, c1, d2, c2 in SITES:
            if polygon:
                out.poly([[[lon, lat], [lon + 1e-4, lat], [lon, lat + 1e-4], [lon, lat]]])
            else:
                out.point(lon, lat)
            out.record(site, hood, d1, c1, d2, c2)
    if prj is not None:
        base.with_suffix(".prj").write_text(prj, encoding="latin-1")
    return base.with_suffix(".shp")


def _rows(result: object) -> list[tuple[object, ...]]:
    return sorted((r.site, round(r.latitude, 6), round(r.longitude, 6), r.neighbourhood,
                   r.observed_on, r.code, r.damage_class)
                  for r in result.rows)  # type: ignore[attr-defined]


def test_a_shapefile_reads_as_the_same_csv(tmp_path: Path) -> None:
    shp = write_shapefile(tmp_path / "damage")
    from_shapefile = read_assessments(shp)
    csv_file = tmp_path / "damage.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    from_csv = read_assessments(csv_file)
    assert from_shapefile.problems == [] and from_csv.problems == []
    assert _rows(from_shapefile) == _rows(from_csv)
    assert len(from_shapefile.rows) == 5 and from_shapefile.sites == 3
    s3 = [r for r in from_shapefile.rows if r.site == "S3" and r.observed_on.month == 10]
    assert s3[0].code == "11" and s3[0].damage_class == "possible"


def test_a_zipped_shapefile_reads_the_same(tmp_path: Path) -> None:
    shp = write_shapefile(tmp_path / "layer")
    archive = tmp_path / "layer.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for suffix in (".shp", ".shx", ".dbf", ".prj"):
            out.write(shp.with_suffix(suffix), f"folder/layer{suffix}")
    assert _rows(read_assessments(archive)) == _rows(read_assessments(shp))


def test_projected_layers_and_other_shapes_are_refused(tmp_path: Path) -> None:
    projected = read_assessments(write_shapefile(tmp_path / "utm", prj=UTM))
    assert not projected.rows and "projected" in projected.problems[0].reason
    polygons = read_assessments(write_shapefile(tmp_path / "poly", polygon=True))
    assert len(polygons.problems) == 3
    assert all(p.column == "geometry" and p.unit == "feature" for p in polygons.problems)
    broken = tmp_path / "broken.shp"
    broken.write_bytes(b"not a shapefile at all")
    refused = read_assessments(broken)
    assert not refused.rows and "not a readable shapefile" in refused.problems[0].reason
    empty_zip = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty_zip, "w") as out:
        out.writestr("readme.txt", "nothing here")
    assert "exactly one .shp" in read_assessments(empty_zip).problems[0].reason


@pytest.mark.parametrize(("column", "stem", "number"), [
    ("SensorDate_3", DATE_STEM, "3"), ("SensorDate", DATE_STEM, ""), ("SensorDa_1", DATE_STEM, "1"),
    ("Main_Damag", CLASS_STEM, ""), ("Main_Dam_12", CLASS_STEM, "12"),
    ("Main_Damage_Site_Class_2", CLASS_STEM, "2"), ("Main_D_1", CLASS_STEM, None),
    ("Sensor_1", DATE_STEM, None), ("Main_Dam_1", DATE_STEM, None), ("SiteID", DATE_STEM, None),
])
def test_pair_columns_and_their_truncations(column: str, stem: str, number: str | None) -> None:
    assert pair_column(column, stem) == number


@given(cut=st.integers(min_value=8, max_value=22), number=st.integers(min_value=1, max_value=99))
def test_any_long_enough_cut_of_a_stem_is_read(cut: int, number: int) -> None:
    for stem in (DATE_STEM, CLASS_STEM):
        head = stem[:cut]
        if head.endswith("_"):
            continue  # "main_dam_" + "_1" is not a DBF truncation
        assert pair_column(f"{head.upper()}_{number}", stem) == str(number)
        assert pair_column(head, stem) == ""


@given(st.binary(max_size=400), st.booleans())
def test_any_bytes_are_read_or_refused_with_problems(data: bytes, zipped: bool) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("layer.zip" if zipped else "layer.shp")
        path.write_bytes(data)
        result = read_assessments(path)
        assert result.problems or result.rows == []
