"""Does the prior on LCMCR's capture probabilities explain its low coverage on hard-to-reach classes?

    python benchmarks/lcmcr_prior.py                  # 40 replicates per scenario and prior
    python benchmarks/lcmcr_prior.py --replicates 10
    python benchmarks/lcmcr_prior.py --replicates 100 --scenarios classes-3 --priors "0.5,1" --extend 4

Under the uniform prior λ_jk ~ Beta(1, 1) of the R package, LCMCR's 95 % intervals miss the true
N low on the five-list scenario with half the people hard to reach: the prior gives little mass
to a class that every list rarely records, so the posterior prefers a smaller, easier-to-reach
hidden class. This runs the validation benchmark's LCMCR estimate (default settings otherwise,
the same tables and seeds as ``benchmarks/estimation.py``) under several priors on the capture
probabilities — by default Beta(1, 1), the Jeffreys Beta(0.5, 0.5) and Beta(0.5, 1), civharm's
default, which puts most mass on small capture probabilities — on that scenario, on the
four-list latent-class one and on the positive-dependence one (``--scenarios``, ``--priors``),
and prints bias, median absolute relative error, coverage, misses, interval width and the
convergence warnings per scenario and prior. ``--extend`` sets how often a run may be
lengthened. It prints figures; it asserts nothing. One process, sequential.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from estimation import LEVEL, SCENARIOS, SEED, _summarise, lcmcr_diagnostics

from civharm.analysis.estimation import estimate
from civharm.analysis.estimation.lcmcr import DEFAULT_LCMCR

SCENARIO_INDICES = (0, 1, 3)
PRIORS = ((1.0, 1.0), (0.5, 0.5), (0.5, 1.0))
REPLICATES = 40


def _run(replicate: int, table: Any, prior: tuple[float, float], extend: int) -> dict[str, Any]:
    """One LCMCR estimate, recorded as the validation benchmark's ``_replicate`` records it."""
    settings = replace(DEFAULT_LCMCR, capture_a=prior[0], capture_b=prior[1], extend=extend)
    start = time.process_time()
    result = estimate(table, "lcmcr", seed=replicate, level=LEVEL, lcmcr=settings)
    seconds = time.process_time() - start
    return {"lcmcr": {"estimate": result.estimate, "lower": result.lower, "upper": result.upper,
                      "seconds": seconds, "warnings": len(result.warnings), **lcmcr_diagnostics(result)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=REPLICATES,
                        help=f"replicates per scenario and prior (default {REPLICATES})")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS[i].key for i in SCENARIO_INDICES),
                        help="comma-separated scenario keys of benchmarks/estimation.py "
                             "(default: the three shown in docs/estimation-validation.md)")
    parser.add_argument("--priors", default=";".join(f"{a:g},{b:g}" for a, b in PRIORS),
                        help="semicolon-separated A,B pairs (default: 1,1;0.5,0.5;0.5,1)")
    parser.add_argument("--extend", type=int, default=DEFAULT_LCMCR.extend,
                        help="how many times a run that fails the diagnostics may be lengthened "
                             f"(default {DEFAULT_LCMCR.extend}, LCMCR's default)")
    args = parser.parse_args(argv)
    if args.replicates < 1:
        parser.error("--replicates must be at least 1")
    if args.extend < 0:
        parser.error("--extend must not be negative")
    keys = [s.key for s in SCENARIOS]
    try:
        indices = [keys.index(key.strip()) for key in args.scenarios.split(",")]
    except ValueError:
        parser.error(f"--scenarios takes keys among {', '.join(keys)}")
    try:
        priors = [tuple(float(v) for v in pair.split(",")) for pair in args.priors.split(";")]
    except ValueError:
        parser.error("--priors takes pairs such as 1,1;0.5,1")
    if any(len(p) != 2 or min(p) <= 0 for p in priors):
        parser.error("--priors takes pairs of two positive numbers, such as 1,1;0.5,1")
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    print(f"LCMCR under {len(priors)} priors on the capture probabilities: {args.replicates} replicates per "
          f"scenario and prior, default settings otherwise, {LEVEL:.0%} intervals")
    header = (f"  {'prior':16s} {'bias':>9s} {'MARE':>8s} {'coverage':>9s} {'missed low/high':>16s} "
              f"{'width/N':>8s} {'ESS':>6s} {'lengthened':>10s} {'warned':>6s} {'CPU s':>6s}")
    for scenario_index in indices:
        scenario = SCENARIOS[scenario_index]
        # The same tables as the validation benchmark's replicates, shared by every prior.
        tables = [scenario.simulate(np.random.default_rng([SEED, scenario_index, r]))
                  for r in range(args.replicates)]
        print(f"\n{scenario.title} — {scenario.describe()}", flush=True)
        print(header, flush=True)
        for prior in priors:
            rows = []
            for replicate, table in enumerate(tables):
                rows.append(_run(replicate, table, prior, args.extend))
            print(f"  {scenario.key} Beta{prior}: done, {time.perf_counter() - wall_start:.0f} s",
                  file=sys.stderr, flush=True)
            s = _summarise(scenario, rows, "lcmcr")
            width = s["median_relative_width"]
            label = f"Beta({prior[0]:g}, {prior[1]:g})"
            mare = s["median_absolute_relative_error"]
            print(f"  {label:16s} {100 * s['bias']:+8.1f} % {100 * mare:6.1f} % {100 * s['coverage']:7.1f} % "
                  f"{s['below']:>7d} / {s['above']:<6d} "
                  f"{'—' if width is None else f'{width:.3f}':>8s} {s['ess_median']:6.0f} "
                  f"{s['lengthened_runs']:>10d} {s['convergence_warnings']:>6d} "
                  f"{s['cpu_seconds_mean'] * s['replicates']:6.0f}", flush=True)
    cpu, wall = time.process_time() - cpu_start, time.perf_counter() - wall_start
    load = " ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"\nTotal {cpu:.0f} CPU s, {wall:.0f} s wall, one process (load average at the end {load})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
