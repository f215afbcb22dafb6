"""The public map: incidents drawn no more precisely than they are known (a point, a circle
with its radius, a neighbourhood's outline, or not at all and counted), from allow-listed
fields only; the page with its data attributes, no inline script and a table for readers
without JavaScript; the offline layers; filters; right to left in Arabic."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from typing import Any

import pytest

ALLOWED = {
    "code", "url", "date", "place", "place_ar", "geo_precision", "strike_type", "grade",
    "civilians_killed_min", "civilians_killed_max", "simulated", "shape", "radius_m",
    "area", "area_name", "area_name_ar",
}
PRECISE = {"within_100m", "within_1m", "exact"}


@pytest.fixture
def client(example_database: str) -> Any:
    from django.test import Client

    return Client()


def _get(client: Any, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def _collection(client: Any, query: str = "") -> dict[str, Any]:
    response = _get(client, "/map/incidents.geojson" + query)
    assert response["Content-Type"].startswith("application/geo+json")
    document: dict[str, Any] = json.loads(response.content)
    return document


def _by_code(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["properties"]["code"]: f for f in document["features"]}


def _add_incident(code: str, precision: str, place: str, place_ar: str = "",
                  neighbourhood: str = "", latitude: float | None = 35.95,
                  longitude: float | None = 39.01) -> None:
    from civharm.store import models

    models.Incident.objects.create(
        code=code, date_start=date(2017, 9, 1), date_end=date(2017, 9, 1), date_precision="day",
        place=place, place_ar=place_ar, neighbourhood=neighbourhood, latitude=latitude,
        longitude=longitude, geo_precision=precision)


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    dy = (lat2 - lat1) * 111_320
    dx = (lon2 - lon1) * 111_320 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


# --- the incidents' GeoJSON ----------------------------------------------------------------


def test_geojson_is_a_feature_collection_of_allow_listed_public_fields(client: Any) -> None:
    document = _collection(client)
    assert document["type"] == "FeatureCollection"
    assert document["features"], "the example incidents are placed"
    for feature in document["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] in ("Point", "Polygon", "MultiPolygon")
        assert set(feature["properties"]) <= ALLOWED, set(feature["properties"]) - ALLOWED
        assert feature["properties"]["url"] == f"/incidents/{feature['properties']['code']}"
    text = json.dumps(document, ensure_ascii=False)
    # Nothing of the confidential interview (S001), its interviewer or its words.
    for secret in ("S001", "Interview W-07", "interviewer", "pulled nine people", "field team",
                   "witness", "summary", "source"):
        assert secret not in text, secret


def test_precise_incidents_are_points_at_their_coordinates(client: Any) -> None:
    found = _by_code(_collection(client))
    assert found["RQ0003"]["geometry"] == {"type": "Point", "coordinates": [39.0052, 35.9561]}
    assert found["RQ0003"]["properties"]["shape"] == "point"
    assert found["RQ0007"]["geometry"]["type"] == "Point"  # exact
    for feature in found.values():
        if feature["properties"]["geo_precision"] not in PRECISE:
            assert feature["geometry"]["type"] != "Point", feature["properties"]["code"]


def test_a_neighbourhood_incident_is_its_neighbourhoods_outline(client: Any) -> None:
    found = _by_code(_collection(client))
    layer = json.loads(_get(client, "/map/layers/neighbourhoods.geojson").content)
    outlines = {f["id"]: f["geometry"] for f in layer["features"]}
    mishlab = found["RQ0001"]  # "al-Mishlab, Raqqa", precision neighbourhood
    assert mishlab["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert mishlab["geometry"] == outlines["mishlab"]
    assert mishlab["properties"]["shape"] == "area"
    assert mishlab["properties"]["area"] == "mishlab"
    # "al-Daraiya" is not a spelling the gazetteer knows; its Arabic name is.
    assert found["RQ0005"]["properties"]["area"] == "dariya"
    assert found["RQ0005"]["geometry"] == outlines["dariya"]


def test_street_and_landmark_incidents_are_circles_of_a_few_hundred_metres(client: Any) -> None:
    found = _by_code(_collection(client))
    street = found["RQ0002"]  # al-Sinaa, street level, at 35.953, 39.0235
    assert street["geometry"]["type"] == "Polygon"
    assert street["properties"]["shape"] == "circle"
    radius = street["properties"]["radius_m"]
    assert 100 <= radius <= 500
    for lon, lat in street["geometry"]["coordinates"][0]:
        assert abs(_metres(39.0235, 35.953, lon, lat) - radius) < 0.05 * radius
    assert found["RQ0006"]["properties"]["shape"] == "circle"  # landmark
    assert found["RQ0006"]["properties"]["radius_m"] <= radius


def test_an_unknown_neighbourhood_is_a_circle_of_a_neighbourhoods_radius(client: Any) -> None:
    _add_incident("RQ0901", "neighbourhood", "Nowhere Quarter, Raqqa", "حي مجهول، الرقة",
                  latitude=35.951, longitude=39.002)
    feature = _by_code(_collection(client))["RQ0901"]
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["shape"] == "circle"
    assert 200 <= feature["properties"]["radius_m"] <= 2000
    assert "area" not in feature["properties"]


def test_city_level_incidents_are_not_placed_but_counted(client: Any) -> None:
    _add_incident("RQ0902", "city", "Raqqa", "الرقة")
    _add_incident("RQ0903", "governorate", "Raqqa governorate")
    document = _collection(client)
    codes = set(_by_code(document))
    assert not codes & {"RQ0902", "RQ0903", "RQ0004"}
    assert document["not_placed"] == {"city_or_coarser": 2, "no_location": 1}  # RQ0004
    page = _get(client, "/map").content.decode()
    assert "2 incidents known only to city level or coarser are not placed." in page
    assert "1 incident without a usable location is not placed." in page


def test_deaths_are_the_records_range(client: Any) -> None:
    from civharm.services.figures import civilian_deaths_by_incident
    from civharm.store import models

    deaths = civilian_deaths_by_incident()
    found = _by_code(_collection(client))
    for code, feature in found.items():
        expected = deaths.get(models.Incident.objects.get(code=code).pk)
        assert feature["properties"]["civilians_killed_max"] == (expected.high if expected else None)
        assert feature["properties"]["civilians_killed_min"] == (expected.low if expected else None)


# --- filters -------------------------------------------------------------------------------


def test_filters_by_grade_and_dates(client: Any) -> None:
    assert set(_by_code(_collection(client, "?grade=confirmed"))) == {"RQ0003"}
    assert set(_by_code(_collection(client, "?grade=confirmed&grade=discounted"))) == {
        "RQ0003", "RQ0006"}
    assert set(_by_code(_collection(client, "?grade=likely"))) == {"RQ0001", "RQ0003", "RQ0007"}
    assert set(_by_code(_collection(client, "?grade=ungraded"))) == {"RQ0008"}
    august = _by_code(_collection(client, "?from=2017-08-01&to=2017-08-31"))
    assert set(august) == {"RQ0005", "RQ0006"}
    page = _get(client, "/map?grade=confirmed").content.decode()
    assert 'href="/incidents/RQ0003"' in page and 'href="/incidents/RQ0001"' not in page
    assert 'data-incidents-url="/map/incidents.geojson?grade=confirmed"' in page


def test_a_bad_filter_is_a_plain_400(client: Any) -> None:
    for query in ("?grade=bogus", "?from=2017-13-01", "?to=yesterday",
                  "?from=2017-09-01&to=2017-08-01", "?grade=%00"):
        response = _get(client, "/map/incidents.geojson" + query, status=400)
        assert "error" in json.loads(response.content)
        page = _get(client, "/map" + query, status=400).content.decode()
        assert "Traceback" not in page and "could not be understood" in page


# --- the page ------------------------------------------------------------------------------


def test_the_page_passes_its_data_by_attributes_and_has_no_inline_script(client: Any) -> None:
    response = _get(client, "/map")
    page = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 2
    for attributes, body in scripts:
        assert 'src="/static/' in attributes and "defer" in attributes, attributes
        assert not body.strip(), "inline script"
    assert not re.search(r"\son[a-z]+\s*=", page), "inline event handler"
    assert 'src="/static/vendor/leaflet/leaflet.js"' in page
    assert 'src="/static/maps/map.js"' in page
    assert 'href="/static/vendor/leaflet/leaflet.css"' in page
    assert 'data-incidents-url="/map/incidents.geojson"' in page
    assert 'data-outlines-url="/map/layers/outlines.geojson"' in page
    assert 'data-neighbourhoods-url="/map/layers/neighbourhoods.geojson"' in page
    labels = re.search(r'data-labels="([^"]*)"', page)
    assert labels and "Civilian deaths" in labels.group(1)
    assert "tile" not in page.lower()


def test_without_javascript_the_page_lists_the_placed_incidents(client: Any) -> None:
    page = _get(client, "/map").content.decode()
    listed = set(re.findall(r'href="/incidents/(RQ\d{4})"', page))
    placed = set(_by_code(_collection(client)))
    assert listed == placed
    assert "RQ0004" not in listed
    assert 'href="/map/incidents.geojson"' in page  # the download
    assert "neighbourhood outline" in page and "circle of 300 m" in page
    assert '<span lang="ar" dir="rtl">المشلب، الرقة</span>' in page


def test_the_page_is_right_to_left_in_arabic(client: Any) -> None:
    page = _get(client, "/map?lang=ar").content.decode()
    assert re.search(r'<html lang="ar" dir="rtl"', page)
    assert 'data-page-direction="rtl"' in page
    # The map itself stays left to right; the page around it mirrors.
    assert re.search(r'id="incident-map"[^>]*dir="ltr"', page)


# --- the layers ----------------------------------------------------------------------------


def test_the_offline_layers(client: Any) -> None:
    outlines = _get(client, "/map/layers/outlines.geojson")
    assert outlines["Content-Type"].startswith("application/geo+json")
    countries = json.loads(outlines.content)
    assert countries["type"] == "FeatureCollection"
    names = {f["properties"]["name"] for f in countries["features"]}
    assert {"Syria", "Turkey", "Iraq", "Jordan", "Lebanon", "Israel", "Palestine",
            "Cyprus"} <= names
    syria = next(f for f in countries["features"] if f["properties"]["name"] == "Syria")
    ring = syria["geometry"]["coordinates"][0]
    assert len(ring) > 50
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    assert 35 < min(lons) < 36.5 and 42 < max(lons) < 42.5  # Syria's longitudes
    assert 32 < min(lats) < 33 and 37 < max(lats) < 37.5
    neighbourhoods = json.loads(_get(client, "/map/layers/neighbourhoods.geojson").content)
    kinds = {f["properties"]["kind"] for f in neighbourhoods["features"]}
    assert kinds == {"city", "neighbourhood"}
    for feature in neighbourhoods["features"]:
        assert set(feature["properties"]) == {"id", "kind", "name", "name_ar"}
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_an_unknown_layer_is_404(client: Any) -> None:
    for url in ("/map/layers/tiles.geojson", "/map/layers/..%2Fsettings.geojson",
                "/map/layers/outlines.json", "/map/layers/.geojson", "/map/layers/OUTLINES.geojson"):
        _get(client, url, status=404)


def test_the_committed_outlines_stay_small() -> None:
    from importlib import resources

    data = resources.files("civharm").joinpath("data", "outlines.geojson").read_bytes()
    assert len(data) < 300_000
    assert json.loads(data)["type"] == "FeatureCollection"


def test_your_own_neighbourhoods_from_files_beside_the_gazetteer(client: Any, tmp_path: Any,
                                                                 monkeypatch: Any) -> None:
    places = tmp_path / "places.csv"
    places.write_text("id,kind,name,name_ar,variants,country,latitude,longitude\n"
                      "old-port,neighbourhood,Old Port,الميناء القديم,Vieux Port,Testland,"
                      "35.9,39.1\n", encoding="utf-8")
    outline = [[39.09, 35.89], [39.11, 35.89], [39.11, 35.91], [39.09, 35.91], [39.09, 35.89]]
    (tmp_path / "places.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "old-port", "kind": "neighbourhood",
                                           "name": "Old Port", "name_ar": "الميناء القديم",
                                           "secret_note": "not for the public"},
         "geometry": {"type": "Polygon", "coordinates": [outline]}}]}), encoding="utf-8")
    monkeypatch.setenv("CIVHARM_GAZETTEER_FILE", str(places))
    _add_incident("RQ0904", "neighbourhood", "Vieux Port", latitude=None, longitude=None)
    feature = _by_code(_collection(client))["RQ0904"]
    assert feature["properties"]["area"] == "old-port"
    assert feature["geometry"] == {"type": "Polygon", "coordinates": [outline]}
    layer = _get(client, "/map/layers/neighbourhoods.geojson").content.decode()
    assert "old-port" in layer and "secret_note" not in layer
