#!/usr/bin/env python3
"""Take the README's screenshots of the web app: the public site, its map and an incident,
the timeline and the memorial in Arabic, and the workspace's victim review.

Builds the simulated demo at scale 0.3 in a temporary folder (or reuses a demo database
given with --db, whose accounts are read from its data folder), serves it with
``civharm serve`` and photographs it with Playwright driving Debian's chromium (no browser
is downloaded: ``apt-get install chromium``).

    .venv/bin/python scripts/screenshots.py                   # build, serve, photograph
    .venv/bin/python scripts/screenshots.py --db civharm-demo.db   # reuse a demo database

Everything shown is SIMULATED DATA: no real people or events.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"
WIDTH, HEIGHT = 1280, 900
LARGEST = 400_000  # bytes: a screenshot taller than this is cut shorter
TALLEST = 2400  # pixels: the most of a long page that is kept


def civharm(*args: str, db: str) -> list[str]:
    return [sys.executable, "-m", "civharm", "--db", db, *args]


def build(db: str, data_dir: Path, scale: float) -> None:
    print(f"building the simulated demo at scale {scale:g} (a few minutes)…", flush=True)
    subprocess.run(civharm("demo", "--no-serve", "--scale", f"{scale:g}", "--data-dir",
                           str(data_dir), db=db), check=True, stdout=subprocess.DEVNULL)


def read_accounts(data_dir: Path) -> dict[str, tuple[str, str]]:
    """role -> (user name, password), from the demo-accounts.txt the demo writes."""
    accounts = {}
    path = data_dir / "demo-accounts.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            user, role, password = line.split("\t")
            accounts[role] = (user, password)
    return accounts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(db: str) -> Iterator[str]:
    """``civharm serve`` on a free port until the block ends; yields its address."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(civharm("serve", "--port", str(free_port()), db=db),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=env)
    try:
        assert process.stdout is not None
        address = ""
        for line in process.stdout:
            found = re.search(r"Serving the public site at (http://\S+/)", line)
            if found:
                address = found.group(1).rstrip(",")
                break
        if not address:
            raise SystemExit("civharm serve stopped before serving")
        for _ in range(100):
            try:
                with urllib.request.urlopen(address, timeout=5):  # noqa: S310 (loopback)
                    break
            except OSError:
                time.sleep(0.1)
        yield address
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def shoot(page: Any, path: Path, *, full: bool = True) -> None:
    """Save the page as PNG: the whole page when ``full`` (at most TALLEST pixels of it),
    cut shorter until the file is under LARGEST bytes."""
    height = HEIGHT
    if full:
        height = min(TALLEST, int(page.evaluate("document.documentElement.scrollHeight")))
    while True:
        page.screenshot(path=str(path), type="png", full_page=full,
                        clip={"x": 0, "y": 0, "width": WIDTH, "height": max(height, HEIGHT)})
        size = path.stat().st_size
        if size <= LARGEST or height <= HEIGHT:
            break
        height = max(HEIGHT, int(height * 0.8))
    print(f"  {path.relative_to(ROOT)}: {WIDTH}×{max(height, HEIGHT)}, {size // 1024} KB")


def settle(page: Any, address: str, path: str) -> None:
    response = page.goto(address + path)
    if response is None or response.status != 200:
        raise SystemExit(f"{path}: {response.status if response else 'no answer'}")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")


def telling_incident(page: Any, address: str) -> str:
    """The code of an incident whose page fits a screenshot and shows most of what an
    incident page holds: graded Fair, with a handful of deaths (from the map's data)."""
    features = page.request.get(address + "map/incidents.geojson").json()["features"]
    found = [f["properties"] for f in features]
    fitting = [p for p in found if p.get("grade") == "fair"
               and 3 <= (p.get("civilians_killed_max") or 0) <= 8] or found
    if not fitting:
        return "RQ0001"
    best = max(fitting, key=lambda p: (p.get("civilians_killed_max") or 0, p["code"]))
    return str(best["code"])


def sign_in(page: Any, address: str, account: tuple[str, str]) -> None:
    settle(page, address, "workspace/login?lang=en")
    page.fill("input[name=username]", account[0])
    page.fill("input[name=password]", account[1])
    with page.expect_navigation():
        page.click("form[action$='/workspace/login'] button[type=submit]")


def photograph(address: str, accounts: dict[str, tuple[str, str]], out: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian's chromium is needed: apt-get install chromium")
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT},
                                      device_scale_factor=1, locale="en-GB")
        page = context.new_page()

        settle(page, address, "?lang=en")
        shoot(page, out / "site-home.png")

        settle(page, address, "map")
        page.wait_for_selector("#incident-map .leaflet-overlay-pane path")
        page.wait_for_timeout(500)  # the fit to the incidents' bounds
        shoot(page, out / "site-map.png", full=False)

        settle(page, address, f"incidents/{telling_incident(page, address)}")
        shoot(page, out / "site-incident.png")

        settle(page, address, "timeline?lang=ar")
        shoot(page, out / "site-timeline-ar.png")

        settle(page, address, "memorial?lang=ar")
        shoot(page, out / "site-memorial-ar.png")

        if "reviewer" not in accounts:
            raise SystemExit("the demo's accounts name no reviewer")
        sign_in(page, address, accounts["reviewer"])
        settle(page, address, "workspace/review/victims")
        first = page.locator("a[href*='/workspace/review/victims/']").first
        if first.count() == 0:
            raise SystemExit("no victim pair waits for review in this demo database")
        with page.expect_navigation():
            first.click()
        page.wait_for_load_state("networkidle")
        shoot(page, out / "workspace-review.png")
        context.close()

        if "volunteer" not in accounts:
            raise SystemExit("the demo's accounts name no volunteer")
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT},
                                      device_scale_factor=1, locale="en-GB")
        page = context.new_page()
        sign_in(page, address, accounts["volunteer"])
        settle(page, address, "workspace/dating/?lang=en")
        page.wait_for_selector(".dating-images img")
        page.wait_for_load_state("networkidle")
        shoot(page, out / "workspace-dating.png")
        context.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a demo database to reuse (built there if missing)")
    parser.add_argument("--data-dir", type=Path,
                        help="its data folder (default: beside the database, as the demo puts it)")
    parser.add_argument("--scale", type=float, default=0.3, help="the demo's scale when building")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the images")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "src"))
    from civharm.services.demo import data_dir_for

    with tempfile.TemporaryDirectory(prefix="civharm-screenshots-") as scratch:
        db = args.db or str(Path(scratch) / "civharm-demo.db")
        data_dir = args.data_dir or data_dir_for(db)
        if not (data_dir / "demo-accounts.txt").is_file():
            build(db, data_dir, args.scale)
        accounts = read_accounts(data_dir)
        with serving(db) as address:
            print(f"photographing {address}")
            photograph(address, accounts, args.out.resolve())


if __name__ == "__main__":
    main()
