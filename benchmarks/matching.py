"""Matching benchmark: civharm's strike matcher beside a plain SQL band join in SQLite.

    python benchmarks/matching.py              # the table
    python benchmarks/matching.py --json       # the same results, machine-readable
    python benchmarks/matching.py --scale 0.1  # a tenth of the rows

It generates, with a fixed seed, 100,000 allegations and 100,000 declared strike lines
around Raqqa from June to October 2017 (at scale 1), times
``civharm.analysis.strike_matching.match_strikes`` on them, then the peer on the same
rows, and checks that both find the same number of matched pairs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sqlite3
import sys
import time
from datetime import date, timedelta
from typing import Any

from civharm.analysis.strike_matching import (
    EARTH_RADIUS_M,
    Allegation,
    StrikeReport,
    match_strikes,
    precision_radius_m,
)
from civharm.domain.vocabulary import GeoPrecision

TARGET_SECONDS = 10.0
TARGET_TEXT = "≤ 10 s to match 100k allegations against 100k declared strike lines on 2 cores"
SEED = 2017
RAQQA = (35.9528, 39.0079)
FIRST_DAY = date(2017, 6, 1)
LAST_DAY = date(2017, 10, 31)
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180.0

# Who struck: the coalition declared most strike lines; the others are there so that
# belligerent matters.
BELLIGERENTS = (("coalition", 0.85), ("russia", 0.10), ("syrian_government", 0.05))
# Strike lines placed by MGRS squares (radius: half the square's diagonal) or by place.
STRIKE_RADII = ((7.1, 0.20), (71.0, 0.55), (707.0, 0.15), (1_000.0, 0.08), (2_000.0, 0.015),
                (8_000.0, 0.005))
ALLEGATION_PRECISIONS = (
    (GeoPrecision.EXACT, 0.03), (GeoPrecision.WITHIN_1M, 0.02), (GeoPrecision.WITHIN_100M, 0.30),
    (GeoPrecision.LANDMARK, 0.10), (GeoPrecision.STREET, 0.20), (GeoPrecision.NEIGHBOURHOOD, 0.25),
    (GeoPrecision.VILLAGE, 0.06), (GeoPrecision.CITY, 0.02), (None, 0.02),
)


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _offset(point: tuple[float, float], north_m: float, east_m: float) -> tuple[float, float]:
    lat = point[0] + north_m / METRES_PER_DEGREE
    return lat, point[1] + east_m / (METRES_PER_DEGREE * math.cos(math.radians(lat)))


SCENARIOS = ("theatre", "city")


def _place(rng: random.Random, scenario: str) -> tuple[float, float]:
    """Where a strike or an allegation falls.

    theatre (the default): a quarter in and around Raqqa city (σ 2.5 km), the rest along
    the Euphrates campaign area from Tabqa to Deir ez-Zor (200 × 120 km). city: all of it
    within 30 km of Raqqa, 80 % in the city; about 60 matches per allegation, far denser
    than any real campaign, kept as a stress case."""
    city_share, half_width, half_height = (0.25, 100_000, 60_000) if scenario == "theatre" \
        else (0.8, 30_000, 30_000)
    if rng.random() < city_share:
        return _offset(RAQQA, rng.gauss(0, 2_500), rng.gauss(0, 2_500))
    return _offset(RAQQA, rng.uniform(-half_height, half_height),
                   rng.uniform(-half_width / 2, 3 * half_width / 2))


def generate(scale: float = 1.0, scenario: str = "theatre"
             ) -> tuple[list[Allegation], list[StrikeReport]]:
    rng = random.Random(SEED)
    days = (LAST_DAY - FIRST_DAY).days + 1
    strikes = []
    for j in range(round(100_000 * scale)):
        lat, lon = _place(rng, scenario)
        strikes.append(StrikeReport(
            f"S{j:06d}", FIRST_DAY + timedelta(days=rng.randrange(days)),
            _pick(rng, BELLIGERENTS), lat, lon, _pick(rng, STRIKE_RADII)))
    allegations = []
    for i in range(round(100_000 * scale)):
        precision = _pick(rng, ALLEGATION_PRECISIONS)
        if strikes and rng.random() < 0.5:
            # Reported from a real strike: a day later at most, placed as precisely as known.
            near = rng.choice(strikes)
            jitter = min(precision_radius_m(precision), 8_000.0) * 0.7
            lat, lon = _offset((near.latitude, near.longitude),
                               rng.gauss(0, jitter), rng.gauss(0, jitter))
            start = near.date + timedelta(days=rng.choice((0, 0, 0, 1)))
            blamed = (near.belligerent,)
        else:
            lat, lon = _place(rng, scenario)
            start = FIRST_DAY + timedelta(days=rng.randrange(days))
            blamed = (_pick(rng, BELLIGERENTS),)
        if rng.random() < 0.05:
            blamed = ("coalition", "russia")
        end = start + timedelta(days=rng.choice((0,) * 9 + (2,)))  # one in ten a window
        allegations.append(Allegation(f"RQ{i:06d}", start, end, lat, lon, precision, blamed))
    return allegations, strikes


# ---------------------------------------------------------------------------------------
# The peer: a band join in SQLite.


def peer_sqlite(allegations: list[Allegation], strikes: list[StrikeReport],
                days_before: int = 1, days_after: int = 0) -> tuple[int, float, float]:
    """Matched pairs, seconds loading and indexing, seconds in the query.

    Strikes go into a table indexed on (belligerent, day); each allegation becomes one row
    per belligerent it blames. The join is on belligerent and day between the window's
    ends, narrowed by a bounding box on latitude and longitude, and decided by the exact
    haversine in SQL (SQLite's built-in math functions)."""
    start = time.perf_counter()
    db = sqlite3.connect(":memory:")
    db.executescript("""
        CREATE TABLE strike (key TEXT PRIMARY KEY, belligerent TEXT, day INTEGER,
                             lat REAL, lon REAL, radius REAL);
        CREATE TABLE allegation (code TEXT, belligerent TEXT, first_day INTEGER,
                                 last_day INTEGER, lat REAL, lon REAL, radius REAL);
    """)
    with db:
        db.executemany("INSERT INTO strike VALUES (?, ?, ?, ?, ?, ?)",
                       [(s.key, s.belligerent, s.date.toordinal(), s.latitude, s.longitude,
                         s.radius_m) for s in strikes])
        db.executemany(
            "INSERT INTO allegation VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(a.code, b, a.date_start.toordinal() - days_before,
              a.date_end.toordinal() + days_after, a.latitude, a.longitude, a.radius_m)
             for a in allegations if a.latitude is not None and a.longitude is not None
             for b in dict.fromkeys(a.belligerents)])
        db.execute("CREATE INDEX strike_belligerent_day ON strike (belligerent, day)")
    loaded = time.perf_counter() - start

    start = time.perf_counter()
    (pairs,) = db.execute(
        """
        SELECT count(*) FROM (
          SELECT a.code, s.key,
                 max(a.radius, s.radius) AS reach,
                 2 * :earth * asin(min(1, sqrt(
                     pow(sin((radians(s.lat) - radians(a.lat)) / 2), 2)
                   + cos(radians(a.lat)) * cos(radians(s.lat))
                     * pow(sin(radians(s.lon - a.lon) / 2), 2)))) AS distance
          FROM allegation a
          JOIN strike s ON s.belligerent = a.belligerent
                       AND s.day BETWEEN a.first_day AND a.last_day
          WHERE abs(s.lat - a.lat) <= max(a.radius, s.radius) / :per_degree * 1.0001
            AND abs(s.lon - a.lon) <= max(a.radius, s.radius) / :per_degree * 1.0001
                                      / cos(radians(abs(a.lat)) + max(a.radius, s.radius) / :earth)
        ) WHERE distance <= reach
        """,
        {"earth": EARTH_RADIUS_M, "per_degree": METRES_PER_DEGREE},
    ).fetchone()
    queried = time.perf_counter() - start
    db.close()
    return int(pairs), loaded, queried


# ---------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def benchmark(scale: float = 1.0, scenario: str = "theatre") -> dict[str, Any]:
    _log(f"generating allegations and strike lines (scale {scale:g}, scenario {scenario})")
    allegations, strikes = generate(scale, scenario)
    _log("… civharm match_strikes")
    start = time.perf_counter()
    found = match_strikes(allegations, strikes)
    civharm_seconds = time.perf_counter() - start
    civharm_pairs = sum(len(m) for m in found.values())
    matched = sum(1 for m in found.values() if m)
    fifty = sum(1 for m in found.values() if any(x.fifty_metre_rule for x in m))
    _log(f"  {civharm_seconds:.2f} s, {civharm_pairs:,} pairs")
    del found
    _log("… peer: SQLite band join")
    peer_pairs, peer_load, peer_query = peer_sqlite(allegations, strikes)
    peer_seconds = peer_load + peer_query
    _log(f"  {peer_seconds:.2f} s, {peer_pairs:,} pairs")
    met = civharm_seconds <= TARGET_SECONDS if scale == 1 and civharm_pairs == peer_pairs else None
    return {
        "scale": scale,
        "scenario": scenario,
        "allegations": len(allegations),
        "strike_lines": len(strikes),
        "window": {"days_before": 1, "days_after": 0},
        "civharm": {"seconds": civharm_seconds, "pairs": civharm_pairs,
                    "allegations_matched": matched, "allegations_fifty_metre_rule": fifty},
        "peer": {"seconds": peer_seconds, "load_seconds": peer_load,
                 "query_seconds": peer_query, "pairs": peer_pairs},
        "same_pairs": civharm_pairs == peer_pairs,
        "ratio_civharm_to_peer": civharm_seconds / peer_seconds if peer_seconds else None,
        "target": {"text": TARGET_TEXT, "seconds": TARGET_SECONDS, "met": met},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "sqlite": sqlite3.sqlite_version},
    }


def show(results: dict[str, Any]) -> None:
    civ, peer = results["civharm"], results["peer"]
    print(f"civharm strike matching: {results['allegations']:,} allegations × "
          f"{results['strike_lines']:,} declared strike lines, scenario {results['scenario']} "
          "(window: day before to same day)")
    print(f"  civharm match_strikes (index + match)  {civ['seconds']:7.2f} s  "
          f"{civ['pairs']:,} pairs; {civ['allegations_matched']:,} allegations matched, "
          f"{civ['allegations_fifty_metre_rule']:,} by the 50 m rule")
    print(f"  peer: SQLite band join (load+index)   {peer['load_seconds']:7.2f} s")
    print(f"  peer: SQLite band join (query)        {peer['query_seconds']:7.2f} s  "
          f"{peer['pairs']:,} pairs")
    print(f"  peer total                            {peer['seconds']:7.2f} s")
    if results["ratio_civharm_to_peer"] is not None:
        print(f"civharm / peer: {results['ratio_civharm_to_peer']:.2f}× the peer's time")
    print("same number of matched pairs: " + ("yes" if results["same_pairs"] else "NO"))
    met = results["target"]["met"]
    verdict = ("not assessed (it applies at --scale 1)" if met is None
               else f"{'met' if met else 'NOT met'} ({civ['seconds']:.1f} s, "
                    f"{results['machine']['cpus']} cores here)")
    print(f"Target {results['target']['text']}: {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply both row counts (default 1: 100k and 100k)")
    parser.add_argument("--scenario", choices=SCENARIOS, default="theatre",
                        help="where strikes fall: across the campaign area (default) or "
                             "all in and around the city (a stress case)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    results = benchmark(args.scale, args.scenario)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        show(results)
    return 0 if results["same_pairs"] else 1


if __name__ == "__main__":
    sys.exit(main())
