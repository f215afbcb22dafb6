"""The public site as a reader sees it: figures that link to their records, incidents with
filters and search in both scripts, an incident's page, the timeline, the memorial and the
downloads; right to left in Arabic; bad filters answered plainly; and nothing confidential
(a witness, an unpublished source or a claim resting on one) on any page or download."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def client(example_database: str) -> Any:
    from django.test import Client

    return Client()


def _get(client: Any, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode("utf-8")


def _codes(page: str) -> set[str]:
    """The incident codes a list page links to."""
    return set(re.findall(r'href="/incidents/(RQ\d{4})"', page))


# --- the home page ------------------------------------------------------------------------


def test_home_states_the_figures_and_links_each_to_its_records(client: Any) -> None:
    from civharm.services.figures import stats_json

    stats = stats_json()
    page = _get(client, "/")
    assert f">{stats['strike_locations']}<" in page
    assert f">{stats['witnesses']}<" in page
    assert f">{stats['named_victims']}<" in page  # not linked yet: records are counted
    assert "one person named on two lists counts twice" in page
    assert f"{stats['killed_min']}–{stats['killed_max']}" in page
    assert f"{stats['likely_deaths']}–{stats['likely_deaths_max']}" in page
    # Every figure links to the records it counts.
    assert 'href="/incidents?grade=likely"' in page
    assert 'href="/memorial"' in page
    assert 'href="/figures/estimate"' in page
    assert "not estimated yet" in page
    # The belligerent's admissions beside them, linked to the conceding incidents.
    conceded = stats["conceded"]["US-led Coalition"]  # type: ignore[index]
    assert f"{conceded['min']}–{conceded['max']}" in page
    assert "/incidents?belligerent=US-led%20Coalition&amp;conceded=yes" in page
    # How each figure is defined, and the downloads.
    assert 'id="definitions"' in page and "except those graded Discounted" in page
    assert 'href="/downloads"' in page
    assert "<script>" not in page and "onclick" not in page
    # The likely deaths' link lists exactly the incidents the figure sums.
    page = _get(client, "/incidents?grade=likely")
    assert _codes(page) == {"RQ0001", "RQ0003", "RQ0007"}  # Fair and Confirmed
    assert f"{stats['likely_deaths']}–{stats['likely_deaths_max']}" in page
    # The estimate: none yet, then the latest stored, with its inputs.
    from civharm.store import models

    assert "Not estimated yet" in _get(client, "/figures/estimate")
    models.MseEstimate.objects.create(
        method="loglinear", observed=40, estimate=61.4, lower=48.0, upper=None,
        lists=["S002", "S004"], capture_table=[{"pattern": [1, 0], "count": 20},
                                               {"pattern": [0, 1], "count": 12},
                                               {"pattern": [1, 1], "count": 8}],
        warnings=["the lists overlap little: the interval is wide"], details={"level": 0.95})
    page = _get(client, "/figures/estimate")
    assert ">61<" in page and "no upper bound" in page and "loglinear" in page
    assert "the lists overlap little" in page
    assert "Families buried under rubble" in page  # S002 named by its published title
    assert "Prior on each list" not in page  # a log-linear estimate has none
    home = _get(client, "/")
    assert "not estimated yet" not in home and ">61<" in home
    # An LCMCR estimate says its prior on capture probabilities, summed over strata too.
    settings = {"capture_prior": {"a": 0.5, "b": 1.0}}
    models.MseEstimate.objects.create(
        method="lcmcr", observed=40, estimate=70.0, lower=50.0, upper=120.0, lists=["S002", "S004"],
        capture_table=[], warnings=[], details={"level": 0.95, "settings": settings})
    assert "<code>Beta(0.5, 1)</code>" in _get(client, "/figures/estimate")
    models.MseEstimate.objects.create(
        method="lcmcr", observed=40, estimate=71.0, lower=50.0, upper=120.0, lists=["S002", "S004"],
        capture_table=[], warnings=[], details={"level": 0.95, "strata": {"2017-06": {"estimate": {
            "details": {"settings": {"capture_prior": {"a": 1.0, "b": 1.0}}}}}}})
    assert "<code>Beta(1, 1)</code>" in _get(client, "/figures/estimate")


# --- incidents ----------------------------------------------------------------------------


def test_incidents_list_counts_and_paginates(client: Any) -> None:
    page = _get(client, "/incidents")
    assert _codes(page) == {f"RQ000{n}" for n in range(1, 9)}
    assert "8 incidents of 8" in page
    assert 'class="grade grade-fair" title="Reported by two or more credible sources' in page
    from civharm.services import publishing

    first = publishing.incident_list(publishing.IncidentFilters(page=1), per_page=3)
    last = publishing.incident_list(publishing.IncidentFilters(page=99), per_page=3)
    assert (first.pages, first.matched, len(first.rows)) == (3, 8, 3)
    assert last.page == 3 and len(last.rows) == 2  # past the end: the last page


FILTERS = [
    ("from=2017-07-01&to=2017-08-31", {"RQ0003", "RQ0004", "RQ0005", "RQ0006"}),
    ("neighbourhood=al-badu", {"RQ0003"}),
    ("grade=weak&grade=contested", {"RQ0002", "RQ0005"}),
    ("grade=ungraded", {"RQ0004", "RQ0008"}),
    ("belligerent=Russia", {"RQ0005"}),
    ("status=declared_strike", {"RQ0003", "RQ0007"}),
    ("belligerent=US-led+Coalition&conceded=yes", {"RQ0003", "RQ0007"}),
    ("grade=likely&from=2017-07-01", {"RQ0003", "RQ0007"}),
]
SEARCHES = [

    ("أحمد", {"RQ0002"}),            # a victim's name, as written
    ("احمد", {"RQ0002"}),            # without the hamza
    ("أَحْمَد", {"RQ0002"}),          # with tashkeel
    ("عبد الله", {"RQ0003"}),        # compound written apart matches written together
    ("المشلب", {"RQ0001"}),          # an Arabic place name
    ("وقتلت عائلة", {"RQ0001", "RQ0003", "RQ0007"}),  # an Arabic summary, shadda and all
    ("HADDAD", {"RQ0002"}),          # Latin, case-folded
    ("al-Mishlab", {"RQ0001"}),      # a Latin place name
    ("grocery", {"RQ0003"}),         # an English summary
    ("rq0005", {"RQ0005"}),          # a code
    ("nobody-by-this-name", set()),
]


def test_incident_filters_and_search_in_arabic_and_latin(client: Any) -> None:
    from urllib.parse import quote

    for query, expected in FILTERS:
        assert _codes(_get(client, f"/incidents?{query}")) == expected, query
    for text, expected in SEARCHES:
        assert _codes(_get(client, f"/incidents?q={quote(text)}")) == expected, text


BAD = [
    "/incidents?from=yesterday", "/incidents?to=2017-13-45", "/incidents?grade=excellent",
    "/incidents?status=bombed", "/incidents?page=0", "/incidents?page=-3",
    "/incidents?page=x", "/incidents?page=99999999999999999999",
    "/incidents?from=2017-09-01&to=2017-06-01", "/incidents?conceded=maybe",
    "/incidents?q=" + "x" * 500, "/timeline?by=month", "/memorial?group=family",
    "/memorial?page=two",
]
ODD = [
    "/incidents?neighbourhood=nowhere", "/incidents?belligerent=%00", "/incidents?q=%00",
    "/incidents?q=%F0%9F%92%A3", "/incidents?q=%D9%8B", "/memorial?q=%E2%80%8F",
    "/incidents?grade=", "/incidents?lang=xx", "/timeline?by=", "/memorial?q=%00",
]


def test_bad_filter_values_are_answered_plainly_never_with_a_500(client: Any) -> None:
    for url in BAD:
        page = _get(client, url, status=400)
        assert 'class="error"' in page and "Traceback" not in page, url
        assert '<html lang="en" dir="ltr">' in page  # the page itself still renders
    for url in ODD:
        assert client.get(url).status_code in (200, 400), url


# --- one incident -------------------------------------------------------------------------


def test_incident_page_shows_the_public_record(client: Any) -> None:
    page = _get(client, "/incidents/RQ0001")
    assert "An air strike hit a three-storey residential building" in page
    assert '<span lang="ar" dir="rtl">المشلب، الرقة</span>' in page
    assert "2017-06-10" in page and "known to the day" in page and "05:40" in page
    assert "Families buried under rubble in Raqqa&#x27;s eastern districts" in page
    assert 'href="https://news.example.org/2017/06/raqqa-east-rubble"' in page
    assert "Euphrates Evening News" in page
    assert "Three independent sources name the family" in page  # the grade's reason
    assert "Reported by two or more credible sources" in page  # its definition
    assert "there is insufficient evidence" in page  # the coalition's verdict
    assert "Non-credible" in page
    assert '<span lang="ar" dir="rtl">خليل محمود الصواف</span>' in page
    assert "Interview W-07" not in page and "We were asleep" not in page  # S001 is not public
    assert "No declared strike was matched" in page
    assert "No destroyed or severely damaged building is recorded near" in page
    # A previous code leads to the current one; an unknown code is not found.
    response = client.get("/incidents/RQ0099")
    assert response.status_code == 301 and response["Location"] == "/incidents/RQ0007"
    for code in ("RQ9999", "x" * 300, "%00", "RQ0001%20"):
        assert client.get(f"/incidents/{code}").status_code == 404, code


def test_matched_strikes_and_nearby_destroyed_buildings(client: Any) -> None:
    from civharm.store import models

    incident = models.Incident.objects.get(code="RQ0003")
    strike = models.DeclaredStrike.objects.get(date=date(2017, 7, 3), place="Raqqa")
    models.StrikeMatch.objects.create(incident=incident, declared_strike=strike,
                                      distance_m=1200, day_offset=0)
    near = dict(latitude=incident.latitude + 0.001, longitude=incident.longitude)  # ~110 m
    models.DamageObservation.objects.create(site="SITE-NEAR", observed_on=date(2017, 7, 20),
                                            damage_class="destroyed", product="UNOSAT", **near)
    models.DamageObservation.objects.create(site="SITE-MILD", observed_on=date(2017, 7, 20),
                                            damage_class="moderate", **near)
    models.DamageObservation.objects.create(site="SITE-LATE", observed_on=date(2018, 6, 1),
                                            damage_class="destroyed", **near)
    models.DamageObservation.objects.create(site="SITE-SEVERE", observed_on=date(2017, 7, 21),
                                            damage_class="severe", **near)
    models.DamageObservation.objects.create(
        site="SITE-FAR", observed_on=date(2017, 7, 20), damage_class="severe",
        latitude=incident.latitude + 0.01, longitude=incident.longitude)  # ~1.1 km
    page = _get(client, "/incidents/RQ0003")
    assert "17 strikes engaged 15 tactical units" in page and "1200 m" in page
    assert "SITE-NEAR" in page and "destroyed" in page
    assert "SITE-SEVERE" in page and "severe" in page.split("SITE-SEVERE", 1)[1][:400]
    assert "SITE-MILD" not in page and "SITE-LATE" not in page and "SITE-FAR" not in page
    without = _get(client, "/incidents/RQ0004")
    assert "has no coordinates" in without


# --- timeline -----------------------------------------------------------------------------


def test_timeline_by_day_and_week_with_declared_strikes(client: Any) -> None:
    week = _get(client, "/timeline")
    day = _get(client, "/timeline?by=day")
    for page in (week, day):
        assert "<svg" in page and 'class="bar bar-fair"' in page and "bar-strikes" in page
        assert '<table class="timeline-table">' in page
        assert "<script" not in page
    assert 'href="?by=week" aria-current="page"' in week
    assert ">2017-06-10</a>" in day  # RQ0001's day
    assert ">2017-06-05</a>" in week  # the Monday of its week
    # A date known only to a month, or to a window of days, is counted apart rather than
    # spread over the axis: RQ0004 (July) and RQ0005 (14 to 16 August, one week).
    assert "Not placed: 2 incidents (7–12 deaths)" in day
    assert "Not placed: 1 incident (2–4 deaths)" in week
    # The declared strikes of 2017-07-03 (17 and 2) on the same axis.
    assert re.search(r">2017-07-03</a></th>.*?<td class=\"numeric\">19 ", day, re.S)
    # In Arabic, time runs right to left.
    from civharm.services import publishing

    english = publishing.timeline("week")["chart"]
    arabic = publishing.timeline("week", rtl=True)["chart"]
    assert english["bars"][0]["x"] < english["bars"][-1]["x"]
    assert arabic["bars"][0]["x"] > arabic["bars"][-1]["x"]  # time runs right to left
    page = _get(client, "/timeline?lang=ar")
    assert '<html lang="ar" dir="rtl">' in page and "<svg" in page


# --- memorial -----------------------------------------------------------------------------


def test_memorial_lists_the_named_dead_in_both_scripts(client: Any) -> None:
    page = _get(client, "/memorial")
    assert '<span class="name-ar" lang="ar" dir="rtl">خليل محمود الصواف</span>' in page
    assert '<span class="name-latin" lang="en" dir="ltr">Khalil Mahmoud al-Sawwaf</span>' in page
    assert '<span class="name-ar" lang="ar" dir="rtl">عمر خلف العبيد</span>' in page  # Arabic only
    assert "age 44" in page
    # The missing and the injured are not among the dead; V0009 has no name.
    assert "Layla Hussein al-Issa" not in page and "Hala Khalil al-Sawwaf" not in page
    assert "22 people shown of 22 named" in page
    by_date = _get(client, "/memorial?group=date")
    assert by_date.index("2017-06-10") < by_date.index("2017-09-12")
    from urllib.parse import quote

    from civharm.store import models

    for text, name in [("امنه", "Amina Hasan al-Ali"),  # آمنة without madda or ta marbuta
                       ("عبدالله", "Khadija Abdullah al-Mousa"),  # عبد الله written together
                       ("SAWWAF", "Rima Khalil al-Sawwaf")]:
        page = _get(client, f"/memorial?q={quote(text)}")
        assert name in page, text
        assert "Faisal Khalaf al-Obeid" not in page, text

    person = models.Person.objects.create(key="P-TEST")
    models.Victim.objects.filter(key__in=["V0001", "V0003"]).update(person=person)
    page = _get(client, "/memorial")
    assert "Khalil Mahmoud al-Sawwaf / Mahmoud Khalil al-Sawwaf" in page
    assert "named on 2 lists" in page and "21 people shown of 21 named" in page


# --- downloads ----------------------------------------------------------------------------


def test_downloads_are_the_allow_listed_export_and_are_audited(client: Any) -> None:
    from civharm.services import audit

    page = _get(client, "/downloads")
    assert 'href="/downloads/incidents.csv"' in page and 'href="/downloads/incidents.geojson"' in page
    from civharm.services.exporting import public_tables

    for kind, found in public_tables().items():  # the counts are the files' rows
        assert f'<td class="numeric">{len(found)}</td><td><a href="/downloads/{kind}.csv"' in page
    before = sum(1 for _ in audit.lines(action="export.write"))
    response = client.get("/downloads/sources.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="sources.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert {r["source_id"] for r in rows} == {"S002", "S003", "S004", "S005", "S006", "S007"}
    geojson = client.get("/downloads/incidents.geojson")
    assert geojson.status_code == 200
    features = json.loads(geojson.content)["features"]
    assert len(features) == 7 and all(f["geometry"]["type"] == "Point" for f in features)
    assert client.get("/downloads/public.json").status_code == 200
    entries = list(audit.lines(action="export.write"))
    assert len(entries) == before + 3
    assert entries[0].actor == "public" and entries[0].target == "export:public.json"
    assert {e.target for e in entries[:3]} == {"export:sources.csv", "export:incidents.geojson",
                                               "export:public.json"}
    for name in ("secrets.csv", "witnesses.csv", "incidents.xlsx", "..%2Fsettings.py"):
        assert client.get(f"/downloads/{name}").status_code == 404
    assert audit.verify().intact


# --- language and safety ------------------------------------------------------------------

PAGES = ["/", "/figures/estimate", "/incidents", "/incidents?q=%D8%A3%D8%AD%D9%85%D8%AF",
         "/incidents/RQ0001", "/incidents/RQ0007", "/timeline", "/timeline?by=day", "/memorial",
         "/memorial?group=date", "/downloads"]


def test_every_page_renders_right_to_left_in_arabic(client: Any) -> None:
    for url in PAGES:
        joined = "&" if "?" in url else "?"
        english = _get(client, f"{url}{joined}lang=en")
        arabic = _get(client, f"{url}{joined}lang=ar")
        assert '<html lang="en" dir="ltr">' in english, url
        assert '<html lang="ar" dir="rtl">' in arabic, url
        assert "public/public.css" in arabic
        assert "<script>" not in arabic and not re.search(r"\son[a-z]+=", arabic), url


def test_the_grade_definitions_shown_are_the_domain_ones() -> None:
    from civharm.domain.vocabulary import Grade
    from civharm.services import publishing

    for grade in Grade:
        assert str(publishing.GRADE_DEFINITIONS[grade.value]) == grade.definition


def test_no_witness_or_unpublished_source_reaches_a_public_page_or_download(
        client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from civharm.domain.sealing import write_key_file
    from civharm.services.witnesses import add_witness
    from civharm.store import models

    canary = f"CANARY{uuid.uuid4().hex.upper()}"
    vault = tmp_path / "vault"
    vault.mkdir(mode=0o700)
    key = vault / "witness.key"
    write_key_file(key)
    monkeypatch.setenv("CIVHARM_SECRET_KEY_FILE", str(key))
    add_witness("RQ0001", name=f"{canary}-name", contact=f"{canary}-contact",
                home=f"{canary}-home", statement=f"{canary}-statement")
    secret = models.Source.objects.create(
        key=f"{canary}-source", kind="witness_interview", title=f"{canary}-title",
        publisher=f"{canary}-publisher", author=f"{canary}-author",
        url=f"https://example.org/{canary}", original_text=f"{canary}-text",
        translated_text=f"{canary}-translated", public=False)
    incident = models.Incident.objects.get(code="RQ0001")
    models.Claim.objects.create(incident=incident, source=secret,
                                belligerent_blamed=f"{canary}-blamed",
                                killed_civilians_min=1, killed_civilians_max=11)
    models.Victim.objects.get(key="V0001").sources.add(secret)
    models.MseEstimate.objects.create(
        method="loglinear", observed=20, estimate=30.0, lower=22.0, upper=45.0,
        lists=[secret.key, "S004"], capture_table=[{"pattern": [1, 1], "count": 20}],
        warnings=[f"the list {secret.key} names few people"], details={"level": 0.95})
    assert models.Source.objects.filter(title__contains=canary).exists()  # the test can fail

    urls = [*PAGES, f"/incidents?q={canary[:16]}", f"/memorial?q={canary[:16]}", "/incidents?q=blamed",
            *(f"/downloads/{kind}.csv" for kind in
              ("incidents", "sources", "claims", "victims", "verdicts", "declared_strikes")),
            "/downloads/incidents.geojson", "/downloads/public.json"]
    for url in urls:
        for language in ("en", "ar"):
            joined = "&" if "?" in url else "?"
            response = client.get(f"{url}{joined}lang={language}")
            assert response.status_code == 200, url
            assert canary not in response.content.decode("utf-8"), url
    # The unpublished claim still counts towards the incident's range, unnamed.
    page = _get(client, "/incidents/RQ0001?lang=en")  # the loop above left Arabic chosen
    assert "1–11" in page and "not published (such as interviews)" in page
    assert "a source that is not published" in _get(client, "/figures/estimate?lang=en")
