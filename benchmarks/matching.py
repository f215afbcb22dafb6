"""Matching benchmark: civharm's strike matcher beside a plain SQL band join in SQLite.

    python benchmarks/matching.py              # the table
    python benchmarks/matching.py --json       # the same results, machine-readable
    python benchmarks/matching.py --scale 0.1  # a tenth of the rows
    python benchmarks/matching.py --verify 300 # also check 300 allegations by brute force

It generates, with a fixed seed, 100,000 allegations and 100,000 declared strike lines
around Raqqa from June to October 2017 (at scale 1), times
``civharm.analysis.strike_matching.match_strikes`` on them, then the peer on the same
rows, and checks that both find the same matched pairs (their number and a checksum of
which allegation and strike each pair joins). Memory is the process's resident size
(peak: ``ru_maxrss``) before and after each.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import resource
import sqlite3
import sys
import time
from datetime import date, timedelta
from typing import Any

from civharm.analysis.strike_matching import (
    EARTH_RADIUS_M,
    Allegation,
    Match,
    StrikeReport,
    match_strikes,
    match_strikes_brute_force,
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


# Which pairs were found, in one number: the sum over the pairs of (allegation number ×
# _PAIR_FACTOR + strike number) modulo _PAIR_MODULUS, the numbers being positions in the
# generated lists. Both sides compute it, so "same pairs" is more than "as many pairs".
_PAIR_FACTOR = 1_000_003
_PAIR_MODULUS = 2_147_483_647


def pair_checksum(allegations: list[Allegation], strikes: list[StrikeReport],
                  found: dict[str, list[Match]]) -> int:
    allegation_number = {a.code: i for i, a in enumerate(allegations)}
    strike_number = {s.key: j for j, s in enumerate(strikes)}
    return sum((allegation_number[code] * _PAIR_FACTOR + strike_number[m.strike_key]) % _PAIR_MODULUS
               for code, matches in found.items() for m in matches)


def peer_sqlite(allegations: list[Allegation], strikes: list[StrikeReport],
                days_before: int = 1, days_after: int = 0) -> tuple[int, int, float, float]:
    """Matched pairs, their checksum, seconds loading and indexing, seconds in the query.

    Strikes go into a table indexed on (belligerent, day); each allegation becomes one row
    per belligerent it blames. The join is on belligerent and day between the window's
    ends, narrowed by a bounding box on latitude and longitude, and decided by the exact
    haversine in SQL (SQLite's built-in math functions)."""
    start = time.perf_counter()
    db = sqlite3.connect(":memory:")
    db.executescript("""
        CREATE TABLE strike (number INTEGER PRIMARY KEY, key TEXT UNIQUE, belligerent TEXT,
                             day INTEGER, lat REAL, lon REAL, radius REAL);
        CREATE TABLE allegation (number INTEGER, code TEXT, belligerent TEXT, first_day INTEGER,
                                 last_day INTEGER, lat REAL, lon REAL, radius REAL);
    """)
    with db:
        db.executemany("INSERT INTO strike VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(j, s.key, s.belligerent, s.date.toordinal(), s.latitude, s.longitude,
                         s.radius_m) for j, s in enumerate(strikes)])
        db.executemany(
            "INSERT INTO allegation VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(i, a.code, b, a.date_start.toordinal() - days_before,
              a.date_end.toordinal() + days_after, a.latitude, a.longitude, a.radius_m)
             for i, a in enumerate(allegations) if a.latitude is not None and a.longitude is not None
             for b in dict.fromkeys(a.belligerents)])
        db.execute("CREATE INDEX strike_belligerent_day ON strike (belligerent, day)")
    loaded = time.perf_counter() - start

    start = time.perf_counter()
    pairs, checksum = db.execute(
        """
        SELECT count(*), coalesce(sum(pair % :modulus), 0) FROM (
          SELECT a.number * :factor + s.number AS pair,
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
        {"earth": EARTH_RADIUS_M, "per_degree": METRES_PER_DEGREE, "factor": _PAIR_FACTOR,
         "modulus": _PAIR_MODULUS},
    ).fetchone()
    queried = time.perf_counter() - start
    db.close()
    return int(pairs), int(checksum), loaded, queried


# ---------------------------------------------------------------------------------------


def _resident_mb() -> float:
    """The process's resident size now (Linux), or its peak where /proc is missing."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return _peak_mb()


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # macOS: bytes


# ---------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def verify(allegations: list[Allegation], strikes: list[StrikeReport],
           found: dict[str, list[Match]], sample: int) -> dict[str, Any]:
    """Check a seeded sample of the allegations against every strike line by brute force:
    the same matches, distances to the last bit and order included."""
    chosen = random.Random(SEED).sample(allegations, min(sample, len(allegations)))
    start = time.perf_counter()
    expected = match_strikes_brute_force(chosen, strikes)
    seconds = time.perf_counter() - start
    differ = [a.code for a in chosen if found[a.code] != expected[a.code]]
    return {"allegations": len(chosen), "pairs": sum(len(m) for m in expected.values()),
            "differing": len(differ), "same": not differ, "seconds": seconds}


def benchmark(scale: float = 1.0, scenario: str = "theatre", check: int = 0) -> dict[str, Any]:
    _log(f"generating allegations and strike lines (scale {scale:g}, scenario {scenario})")
    allegations, strikes = generate(scale, scenario)
    _log("… civharm match_strikes")
    before_mb = _resident_mb()
    start = time.perf_counter()
    found = match_strikes(allegations, strikes)
    civharm_seconds = time.perf_counter() - start
    civharm_peak_mb = _peak_mb()
    result_mb = _resident_mb() - before_mb
    civharm_pairs = sum(len(m) for m in found.values())
    civharm_checksum = pair_checksum(allegations, strikes, found)
    matched = sum(1 for m in found.values() if m)
    fifty = sum(1 for m in found.values() if any(x.fifty_metre_rule for x in m))
    _log(f"  {civharm_seconds:.2f} s, {civharm_pairs:,} pairs, peak {civharm_peak_mb:.0f} MB")
    checked = None
    if check:
        _log(f"… brute force on {check:,} of the allegations")
        checked = verify(allegations, strikes, found, check)
        _log(f"  {checked['seconds']:.2f} s, {checked['pairs']:,} pairs, "
             f"{checked['differing']} allegations differ")
    del found
    _log("… peer: SQLite band join")
    peer_pairs, peer_checksum, peer_load, peer_query = peer_sqlite(allegations, strikes)
    peer_seconds = peer_load + peer_query
    _log(f"  {peer_seconds:.2f} s, {peer_pairs:,} pairs")
    same = civharm_pairs == peer_pairs and civharm_checksum == peer_checksum
    met = civharm_seconds <= TARGET_SECONDS if scale == 1 and same else None
    return {
        "scale": scale,
        "scenario": scenario,
        "allegations": len(allegations),
        "strike_lines": len(strikes),
        "window": {"days_before": 1, "days_after": 0},
        "civharm": {"seconds": civharm_seconds, "pairs": civharm_pairs,
                    "pair_checksum": civharm_checksum,
                    "allegations_matched": matched, "allegations_fifty_metre_rule": fifty},
        "peer": {"seconds": peer_seconds, "load_seconds": peer_load,
                 "query_seconds": peer_query, "pairs": peer_pairs, "pair_checksum": peer_checksum},
        "same_pairs": same,
        "brute_force_sample": checked,
        "ratio_civharm_to_peer": civharm_seconds / peer_seconds if peer_seconds else None,
        "memory_mb": {"before_match": before_mb, "peak_after_match": civharm_peak_mb,
                      "result": result_mb, "peak_after_peer": _peak_mb()},
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
        ratio = results["ratio_civharm_to_peer"]
        print(f"civharm / peer: {ratio:.3f}× the peer's time (the peer takes {1 / ratio:.1f}× as long)")
    print("same matched pairs (count and checksum): " + ("yes" if results["same_pairs"] else "NO"))
    checked = results["brute_force_sample"]
    if checked is not None:
        print(f"brute force on {checked['allegations']:,} allegations ({checked['pairs']:,} pairs): "
              + ("same matches" if checked["same"] else f"{checked['differing']} DIFFER"))
    memory = results["memory_mb"]
    print(f"memory (resident): {memory['before_match']:.0f} MB before match_strikes, peak "
          f"{memory['peak_after_match']:.0f} MB during it, its result "
          f"{memory['result']:.0f} MB; peak {memory['peak_after_peer']:.0f} MB after the peer")
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
    parser.add_argument("--verify", type=int, default=0, metavar="N",
                        help="also match N sampled allegations against every strike line by "
                             "brute force and compare (slow: about 20 s per 500 at scale 1)")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    results = benchmark(args.scale, args.scenario, args.verify)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        show(results)
    checked = results["brute_force_sample"]
    return 0 if results["same_pairs"] and (checked is None or checked["same"]) else 1


if __name__ == "__main__":
    sys.exit(main())
