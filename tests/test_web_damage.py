"""Damage seen on satellite imagery, in public: the map's layer of destroyed and severely
damaged sites (public fields only, the latest date or the one asked for) and the /damage page
(shares that match counts by hand, the definition of "uninhabitable", Arabic right to left,
"not assessed yet" on an empty record, a bad filter answered with 400)."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest

ALLOWED = {"site", "class", "observed_on", "neighbourhood"}
EARLY, LATE = date(2017, 6, 1), date(2017, 10, 1)


def _observe(rows: list[tuple[str, date, str, str]]) -> None:
    from civharm.store import models

    models.DamageObservation.objects.bulk_create(
        models.DamageObservation(site=site, product="UNOSAT", latitude=35.95 + i * 1e-4,
                                 longitude=39.0, observed_on=day, damage_class=damage,
                                 neighbourhood=hood)
        for i, (site, day, damage, hood) in enumerate(rows))


@pytest.fixture
def client(example_database: str) -> Any:
    from django.test import Client

    # EARLY: 4 assessed, 1 destroyed (25%). LATE: 5 assessed, 2 destroyed + 2 severe (80%);
    # al-Mashlab at LATE: 2 assessed, 1 destroyed + 1 severe (100%); Tayar: 2, 1 severe (50%).
    _observe([
        ("A", EARLY, "destroyed", "al-Mashlab"), ("B", EARLY, "none", "al-Mashlab"),
        ("C", EARLY, "moderate", "Tayar"), ("D", EARLY, "possible", ""),
        ("A", LATE, "destroyed", "al-Mashlab"), ("B", LATE, "severe", "al-Mashlab"),
        ("C", LATE, "severe", "Tayar"), ("E", LATE, "moderate", "Tayar"),
        ("D", LATE, "destroyed", ""),
    ])
    return Client()


def _geojson(client: Any, query: str = "", status: int = 200) -> dict[str, Any]:
    response = client.get("/map/damage.geojson" + query)
    assert response.status_code == status
    document: dict[str, Any] = json.loads(response.content)
    return document


def test_the_layer_has_only_public_fields_and_the_latest_dates_sites(client: Any) -> None:
    document = _geojson(client)
    assert document["observed_on"] == "2017-10-01"
    features = document["features"]
    assert {f["properties"]["site"] for f in features} == {"A", "B", "C", "D"}
    for feature in features:
        assert set(feature["properties"]) == ALLOWED
        assert feature["geometry"]["type"] == "Point"
        assert feature["properties"]["class"] in {"destroyed", "severe"}
        assert feature["properties"]["observed_on"] == "2017-10-01"
    early = _geojson(client, "?damage_date=2017-06-01")["features"]
    assert [(f["properties"]["site"], f["properties"]["class"]) for f in early] == [
        ("A", "destroyed")]
    assert _geojson(client, "?damage_date=2016-01-01")["features"] == []


@pytest.mark.parametrize("bad", ["yesterday", "2017-13-01", "2017-06-31"])
def test_a_bad_damage_date_is_a_400(client: Any, bad: str) -> None:
    assert "error" in _geojson(client, f"?damage_date={bad}", status=400)
    assert client.get(f"/map?damage_date={bad}").status_code == 400


def test_the_map_offers_the_layer_its_legend_and_links(client: Any) -> None:
    page = client.get("/map").content.decode()
    assert 'data-damage-url="/map/damage.geojson"' in page
    assert 'data-damage-on="true"' in page
    assert 'href="/map/damage.geojson"' in page      # without JavaScript: the data itself
    assert 'href="/damage"' in page
    assert "Damage seen on satellite imagery" in page
    assert '<option value="2017-06-01"' in page
    chosen = client.get("/map?damage_date=2017-06-01").content.decode()
    assert 'data-damage-url="/map/damage.geojson?damage_date=2017-06-01"' in chosen


def _shares(page: str) -> list[tuple[str, str, str]]:
    """(area, date, share) of every row of the figures table."""
    table = page.split('class="damage-table"', 1)[1]
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>\s*<td dir="ltr">([\d-]+)</td>.*?'
                      r'class="share">([^<]+)</span>', table, re.S)
    return [(re.sub(r"<[^>]+>", "", area).strip(), day, share) for area, day, share in rows]


def test_the_page_gives_shares_that_match_counts_by_hand(client: Any) -> None:
    response = client.get("/damage")
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert not re.search(r"\son[a-z]+=", page)
    assert "<svg" in page and "uninhabitable" in page
    assert "(destroyed + severely damaged) ÷ sites assessed" in page
    shares = _shares(page)
    assert ("The city", "2017-06-01", "25.0%") in shares
    assert ("The city", "2017-10-01", "80.0%") in shares
    assert ("al-Mashlab", "2017-10-01", "100.0%") in shares
    assert ("al-Mashlab", "2017-06-01", "50.0%") in shares
    assert ("Tayar", "2017-10-01", "50.0%") in shares
    assert ("Tayar", "2017-06-01", "0.0%") in shares
    assert len(shares) == 6
    assert "<strong dir=\"ltr\">80.0%</strong>" in page


def test_the_page_in_arabic_runs_right_to_left(client: Any) -> None:
    page = client.get("/damage?lang=ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "غير صالح للسكن" in page
    assert "المدينة" in page
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None


def test_a_bad_product_is_a_400(client: Any) -> None:
    response = client.get("/damage?product=NOPE")
    assert response.status_code == 400
    assert client.get("/damage?product=UNOSAT").status_code == 200


def test_the_timeline_links_the_damage_page(client: Any) -> None:
    assert 'href="/damage"' in client.get("/timeline").content.decode()


def test_an_empty_record_says_not_assessed_yet(in_process_database: str) -> None:
    from django.test import Client

    client = Client()
    page = client.get("/damage").content.decode()
    assert "Not assessed yet" in page
    assert "<svg direction" not in page
    document = _geojson(client)
    assert document["features"] == [] and document["observed_on"] is None
    map_page = client.get("/map").content.decode()
    assert "data-damage-url" not in map_page and "Not assessed yet." in map_page
