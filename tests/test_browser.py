"""The web app in a real browser: Playwright drives Debian's chromium against ``civharm
serve`` on a small simulated demo database.

What a person sees: every public page loads without a script error or a Content-Security-
Policy violation, in English and right-to-left in Arabic; the map draws its incidents, a
neighbourhood-precision one as an outline; the workspace signs people in through its form,
warns of a duplicate while an incident is typed, signs them out, and refuses a viewer the
editor; the incidents search takes Arabic and pages.

The site is built once per module (per backend): a new database, the demo at a small
scale, a few more simulated incidents so that the incidents list has two pages, served by
``civharm serve``. Playwright's sync API keeps an event loop marked as running while it is
started, which Django's ORM takes for async code: it is started and stopped within this
module, and no test here touches the database in this process.
"""

from __future__ import annotations

import csv
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import BACKEND, SERVER_URL, civharm, free_port, serving

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                       "(apt-get install chromium; `make test` installs it)"),
]

PUBLIC_PAGES = ["", "incidents", "incidents/RQ0001", "map", "timeline", "memorial",
                "downloads", "api/docs"]
# Incidents added to the demo's so that the public list (50 a page) has a second page.
EXTRA_INCIDENTS = 45
TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Site:
    url: str  # ends with "/"
    accounts: dict[str, tuple[str, str]]  # role -> (user name, password)
    data_dir: Path

    def incident_row(self, code: str) -> dict[str, str]:
        with (self.data_dir / "incidents.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row["code"] == code:
                    return row
        raise AssertionError(f"{code} is not in the demo's incidents.csv")


def _database(folder: Path) -> tuple[str, str]:
    """A new, empty database on the backend under test: its URL, and its name on PostgreSQL."""
    name = f"civharm_t_{uuid.uuid4().hex[:12]}"
    if BACKEND == "sqlite":
        return str(folder / f"{name}.db"), ""
    import psycopg

    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER_URL.rsplit('/', 1)[0]}/{name}", name


def _drop(name: str) -> None:
    if not name:
        return
    import psycopg

    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _read_accounts(path: Path) -> dict[str, tuple[str, str]]:
    accounts = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        user, role, password = line.split("\t")
        accounts[role] = (user, password)
    return accounts


def _write_extra_incidents(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["code", "date", "place", "place_ar", "geo_precision", "summary"])
        for n in range(1, EXTRA_INCIDENTS + 1):
            out.writerow([f"RQ{9000 + n}", f"2017-09-{n % 28 + 1:02d}",
                          f"Simulated street {n}, Raqqa", f"شارع محاكاة {n}، الرقة", "city",
                          "Simulated incident, added to give the incidents list a second page."])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("browser")
    url, name = _database(folder)
    try:
        data = folder / "demo-data"
        civharm("demo", "--no-serve", "--scale", "0.05", "--data-dir", str(data), db=url,
                check=True)
        extra = folder / "more-incidents.csv"
        _write_extra_incidents(extra)
        civharm("import", "--kind", "incidents", str(extra), db=url, check=True)
        accounts = _read_accounts(data / "demo-accounts.txt")
        with serving("serve", "--port", str(free_port()), db=url) as (address, _printed):
            yield Site(address, accounts, data)
    finally:
        _drop(name)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()
    finally:
        playwright.stop()


# Chromium reports a violation of the Content-Security-Policy on the console; this also
# reports those it might only send as an event.
REPORT_CSP = """document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + e.blockedURI);
});"""


class Watched:
    """A page in a context of its own (no cookies), with the console errors, uncaught
    script errors and CSP violations it has met."""

    def __init__(self, browser: Any, base: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.add_init_script(REPORT_CSP)
        self.page = self.context.new_page()
        self.base = base
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "")
        # Chromium may ask for /favicon.ico by itself, whatever icon the page names.
        if where.endswith("/favicon.ico"):
            return
        self.problems.append(f"console error: {message.text} ({where})")

    def go(self, path: str, *, idle: bool = True) -> Any:
        response = self.page.goto(self.base + path)
        if idle:
            self.page.wait_for_load_state("networkidle")
        return response

    def sign_in(self, user: str, password: str) -> None:
        self.go("workspace/")
        assert "/workspace/login" in self.page.url, "the workspace sends strangers to sign in"
        self.page.fill("input[name=username]", user)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.click("form[action$='/workspace/login'] button[type=submit]")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser: Any, site: Site) -> Iterator[Watched]:
    page = Watched(browser, site.url)
    yield page
    page.close()


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_loads_cleanly_in_english_and_right_to_left_in_arabic(
        watched: Watched, path: str) -> None:
    response = watched.go(path)
    assert response.status == 200
    assert watched.page.evaluate("document.documentElement.dir") == "ltr"
    assert watched.page.evaluate("document.documentElement.lang") == "en"
    separator = "&" if "?" in path else "?"
    arabic = watched.go(f"{path}{separator}lang=ar")
    assert arabic.status == 200
    assert watched.page.evaluate("document.documentElement.dir") == "rtl"
    assert watched.page.evaluate("document.documentElement.lang") == "ar"
    assert watched.problems == []


def test_the_watcher_sees_a_csp_violation(watched: Watched) -> None:
    """The check above can fail: an inline script is refused by the page's policy, and the
    refusal is seen."""
    watched.go("")
    assert watched.problems == []
    watched.page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "document.body.dataset.inlineRan = 'yes';";
        document.body.appendChild(s);
    }""")
    watched.page.wait_for_timeout(200)
    assert watched.page.evaluate("document.body.dataset.inlineRan") is None
    assert any("Content Security Policy" in p or "CSP violation" in p for p in watched.problems)


def test_map_draws_incidents_honouring_their_precision(watched: Watched) -> None:
    page = watched.page
    with page.expect_response(lambda r: "/map/incidents.geojson" in r.url) as answer:
        assert watched.go("map", idle=False).status == 200
    features = answer.value.json()["features"]
    page.wait_for_load_state("networkidle")
    assert features, "the demo's incidents are placed on the map"
    assert page.locator("#incident-map.leaflet-container").count() == 1
    page.wait_for_function(
        "n => document.querySelectorAll('#incident-map .leaflet-overlay-pane path,"
        " #incident-map .leaflet-areas-pane path').length >= n", arg=len(features))

    outlined = [f for f in features if f["properties"]["geo_precision"] == "neighbourhood"]
    assert outlined, "the demo has an incident located only to its neighbourhood"
    for feature in outlined:
        assert feature["properties"]["shape"] == "area"
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    points = [f for f in features if f["geometry"]["type"] == "Point"]
    # Leaflet draws a point as a circle marker (an SVG arc) and every other shape as a
    # closed outline; neighbourhood outlines go to a pane of their own.
    shapes = page.evaluate("""() => {
        const d = sel => [...document.querySelectorAll(sel)].map(p => p.getAttribute('d') || '');
        return {areas: d('#incident-map .leaflet-areas-pane path'),
                overlay: d('#incident-map .leaflet-overlay-pane path')};
    }""")
    assert len(shapes["areas"]) == len(outlined)
    assert all("z" in d.lower() and "a" not in d.lower() for d in shapes["areas"])
    assert sum(1 for d in shapes["overlay"] if "a" in d.lower()) == len(points)
    assert len(shapes["areas"]) + len(shapes["overlay"]) == len(features)
    assert watched.problems == []


def test_analyst_signs_in_is_warned_of_a_duplicate_and_signs_out(
        watched: Watched, site: Site) -> None:
    page = watched.page
    user, password = site.accounts["analyst"]
    watched.sign_in(user, password)
    assert page.url == site.url + "workspace/"
    assert page.locator(".workspace-bar .who").inner_text().strip() == user

    assert watched.go("workspace/incidents/RQ0001/edit").status == 200
    assert page.locator("#incident-editor").count() == 1
    assert page.input_value("input[name='incident-code']") == "RQ0001"

    assert watched.go("workspace/incidents/new").status == 200
    assert page.locator("#incident-editor").count() == 1
    assert page.locator("#similar .similar-found").count() == 0
    known = site.incident_row("RQ0001")
    with page.expect_response(lambda r: "/workspace/incidents/similar?" in r.url) as asked:
        page.fill("input[name='incident-date']", known["date"])
        page.fill("input[name='incident-place']", known["place"])
    assert asked.value.status == 200
    warning = page.locator("#similar .similar-found")
    warning.wait_for()
    assert "RQ0001" in warning.inner_text()
    assert page.locator("#similar .similar-found a[href$='/workspace/incidents/RQ0001']").count() == 1

    with page.expect_navigation():
        page.click(".workspace-bar form button[type=submit]")
    assert "/workspace/login" in page.url and "signed_out=1" in page.url
    watched.go("workspace/")
    assert "/workspace/login" in page.url
    assert watched.problems == []


def test_viewer_gets_the_403_page_on_the_editor(watched: Watched, site: Site) -> None:
    page = watched.page
    user, password = site.accounts["viewer"]
    watched.sign_in(user, password)
    assert page.url == site.url + "workspace/"
    assert watched.problems == []
    refused = watched.go("workspace/incidents/new")
    assert refused.status == 403
    assert page.locator("section.error-page h1").inner_text().strip() == "Not allowed"
    assert page.locator("#incident-editor").count() == 0
    # Chromium reports the 403 itself on the console; nothing else may be there.
    assert [p for p in watched.problems if "status of 403" not in p] == []


def test_incidents_search_in_arabic_and_pages(watched: Watched, site: Site) -> None:
    page = watched.page
    assert watched.go("incidents?lang=ar").status == 200
    place_ar = site.incident_row("RQ0001")["place_ar"].split("،")[0].strip()
    assert place_ar and not place_ar.isascii()
    page.fill("input[name=q]", place_ar)
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    codes = page.locator("table.incidents tbody tr td:first-child a").all_inner_texts()
    assert "RQ0001" in codes

    # Every incident is in Raqqa: the city's Arabic name finds them all, on two pages.
    page.fill("input[name=q]", "الرقة")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    first = page.locator("table.incidents tbody tr td:first-child a").all_inner_texts()
    assert len(first) == 50
    assert page.locator(".pagination a[rel=prev]").count() == 0
    with page.expect_navigation():
        page.click(".pagination a[rel=next]")
    assert "page=2" in page.url and "q=" in page.url
    second = page.locator("table.incidents tbody tr td:first-child a").all_inner_texts()
    assert second and not set(second) & set(first)
    assert len(first) + len(second) > EXTRA_INCIDENTS
    assert len(codes) < len(first) + len(second), "the first search found only some"
    assert page.locator(".pagination a[rel=next]").count() == 0
    with page.expect_navigation():
        page.click(".pagination a[rel=prev]")
    assert page.locator("table.incidents tbody tr td:first-child a").all_inner_texts() == first
    assert watched.problems == []


def test_a_volunteer_dates_a_building(watched: Watched, site: Site) -> None:
    page = watched.page
    user, password = site.accounts["volunteer"]
    watched.sign_in(user, password)
    page.wait_for_load_state("networkidle")
    assert "/workspace/dating/" in page.url, "a volunteer lands on the next building"
    first = page.url
    images = page.locator(".dating-images img")
    assert images.count() >= 2
    loaded = page.evaluate("() => [...document.querySelectorAll('.dating-images img')]"
                           ".map(i => i.complete && i.naturalWidth)")
    assert all(width and width > 0 for width in loaded), loaded
    assert page.locator(".workspace-bar a[href$='/workspace/incidents/']").count() == 0
    page.locator("label.gap-choice").first.click()
    with page.expect_navigation():
        page.click(".dating-form button[type=submit]:not([name])")
    page.wait_for_load_state("networkidle")
    assert "/workspace/dating/" in page.url and page.url != first
    assert "You have dated 1 building." in page.content()
    watched.go("workspace/dating/?lang=ar")
    assert watched.page.evaluate("document.documentElement.dir") == "rtl"
    assert watched.problems == []
