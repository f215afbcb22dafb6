"""Estimation benchmark: MSE on simulated populations of known size, and its speed.

    python benchmarks/estimation.py              # the tables (what `run.py --only estimation` runs)
    python benchmarks/estimation.py --json       # the same results, machine-readable
    python benchmarks/estimation.py --scale 0.1  # a tenth of the replicates

(a) Validation. Populations of known size N are captured by 3 to 5 lists, with heterogeneous
capture (latent classes of people who are easier or harder to record) or with direct
dependence between two lists (one list drawing on another, or two lists covering different
people). Each replicate's capture table is estimated by both methods with their default
settings — LCMCR, and log-linear models selected by AIC with the re-selecting bootstrap — and
the benchmark reports, per scenario and method, the bias and the median absolute relative error
of the point estimate and the coverage of the 95 % interval. At scale 1 every scenario has 100
replicates; the issue's target for LCMCR on heterogeneous data (coverage ≥ 90 %, median absolute
relative error ≤ 10 %) is assessed on the latent-class scenarios only, and only at scale 1.

(b) Speed. The full log-linear model search (all 1,024 models) on a five-list table of 5,000
records, against a target of under a second, and LCMCR iterations per minute, against a target
of 100,000. An iteration is one Gibbs sweep of one chain, as in the R package; the sampler
advances all its chains in one vectorised sweep, so one sweep of the default run is 16
iterations. The effective sample size per second of N is printed beside it, because that, not
the raw sweep rate, is what a figure's precision costs.

Replicates run in a pool of two worker processes (the machine has two cores); every replicate
is seeded from its scenario and number, so a run is reproducible whatever the scheduling.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from civharm.analysis.estimation import METHODS, CaptureTable, estimate, sample_lcmcr, select_model
from civharm.analysis.estimation.diagnostics import effective_sample_size
from civharm.analysis.estimation.lcmcr import DEFAULT_LCMCR

SEED = 2017
REPLICATES = 100
LEVEL = 0.95
TARGET_COVERAGE = 0.90
TARGET_MARE = 0.10
TARGET_SEARCH_SECONDS = 1.0
TARGET_ITERATIONS_PER_MINUTE = 100_000
SPEED_RECORDS = 5_000


@dataclass(frozen=True, slots=True)
class Scenario:
    """A population of ``population`` people in latent classes (``shares``; ``capture[k][j]`` is
    the chance that list j names a person of class k). ``dependence`` = (a, b, p_on, p_off)
    makes list b name a person with chance p_on if list a names them and p_off otherwise,
    overriding b's row in every class."""

    key: str
    title: str
    population: int
    shares: tuple[float, ...]
    capture: tuple[tuple[float, ...], ...]
    dependence: tuple[int, int, float, float] | None = None
    heterogeneous: bool = False

    @property
    def lists(self) -> int:
        return len(self.capture[0])

    def simulate(self, rng: np.random.Generator) -> CaptureTable:
        people = rng.choice(len(self.shares), size=self.population, p=np.asarray(self.shares))
        chance = np.asarray(self.capture)[people]
        seen = rng.random(chance.shape) < chance
        if self.dependence is not None:
            a, b, p_on, p_off = self.dependence
            seen[:, b] = rng.random(self.population) < np.where(seen[:, a], p_on, p_off)
        return _table(seen)

    def describe(self) -> str:
        classes = "; ".join(f"{share:.0%} at {', '.join(f'{p:g}' for p in row)}"
                            for share, row in zip(self.shares, self.capture, strict=True))
        text = f"N = {self.population:,}, {self.lists} lists; classes: {classes}"
        if self.dependence is not None:
            a, b, p_on, p_off = self.dependence
            names = "ABCDE"
            text += (f"; list {names[b]} names {p_on:g} of those on list {names[a]} and {p_off:g} of the "
                     "others")
        return text


SCENARIOS = (
    Scenario("classes-5-hard", "latent classes, 5 lists, half the people hard to reach", 3000,
             (0.5, 0.5), ((0.5, 0.45, 0.5, 0.4, 0.45), (0.1, 0.15, 0.1, 0.12, 0.08)), heterogeneous=True),
    Scenario("classes-4", "latent classes, 4 lists", 2000,
             (0.4, 0.6), ((0.6, 0.5, 0.55, 0.4), (0.2, 0.15, 0.25, 0.2)), heterogeneous=True),
    Scenario("classes-3", "latent classes, 3 lists", 2000,
             (0.4, 0.6), ((0.6, 0.5, 0.55), (0.2, 0.25, 0.2)), heterogeneous=True),
    Scenario("positive-4", "positive list dependence, 4 lists (B draws on A)", 2000,
             (1.0,), ((0.3, 0.0, 0.35, 0.25),), dependence=(0, 1, 0.6, 0.15)),
    Scenario("negative-4", "negative list dependence, 4 lists (A and B cover different people)", 2000,
             (1.0,), ((0.4, 0.0, 0.35, 0.3),), dependence=(0, 1, 0.1, 0.4)),
)


def _table(seen: np.ndarray) -> CaptureTable:
    seen = seen[seen.any(axis=1)].astype(np.int64)
    patterns, counts = np.unique(seen, axis=0, return_counts=True)
    names = [chr(ord("A") + j) for j in range(seen.shape[1])]
    return CaptureTable.from_counts(names, {tuple(int(v) for v in row): int(c)
                                            for row, c in zip(patterns, counts, strict=True)})


# ---------------------------------------------------------------------------------------
# (a) Validation: one replicate per task, in worker processes.


def lcmcr_diagnostics(result: Any) -> dict[str, Any]:
    """What the benchmarks record of an LCMCR estimate's convergence."""
    diagnostics = result.details["diagnostics"]
    assert isinstance(diagnostics, dict)
    return {"ess": diagnostics["effective_sample_size"], "rhat": diagnostics["split_rhat"],
            "convergence_warning": any("converged" in w or "effective draws" in w for w in result.warnings),
            "lengthened": result.details["lengthened"]}


def _replicate(task: tuple[int, int]) -> dict[str, Any]:
    scenario_index, replicate = task
    scenario = SCENARIOS[scenario_index]
    rng = np.random.default_rng([SEED, scenario_index, replicate])
    table = scenario.simulate(rng)
    out: dict[str, Any] = {"scenario": scenario.key, "replicate": replicate, "observed": table.observed}
    for method in METHODS:
        start = time.process_time()
        result = estimate(table, method, seed=replicate, level=LEVEL)
        seconds = time.process_time() - start
        row: dict[str, Any] = {"estimate": result.estimate, "lower": result.lower, "upper": result.upper,
                               "seconds": seconds, "warnings": len(result.warnings)}
        if method == "lcmcr":
            row |= lcmcr_diagnostics(result)
        out[method] = row
    return out


def _summarise(scenario: Scenario, rows: list[dict[str, Any]], method: str) -> dict[str, Any]:
    truth = scenario.population
    results = [r[method] for r in rows]
    finite = [r for r in results if math.isfinite(r["estimate"])]
    errors = [r["estimate"] / truth - 1 for r in finite]
    covered = [r["lower"] <= truth <= r["upper"] for r in results]
    widths = [(r["upper"] - r["lower"]) / truth for r in results if math.isfinite(r["upper"])]
    summary: dict[str, Any] = {
        "replicates": len(results),
        "unbounded": len(results) - len(finite),
        "bias": statistics.fmean(errors) if errors else None,
        "median_absolute_relative_error": statistics.median(abs(e) for e in errors) if errors else None,
        "coverage": sum(covered) / len(covered),
        "below": sum(r["upper"] < truth for r in results),
        "above": sum(r["lower"] > truth for r in results),
        "median_relative_width": statistics.median(widths) if widths else None,
        "cpu_seconds_mean": statistics.fmean(r["seconds"] for r in results),
    }
    if method == "lcmcr":
        summary["ess_median"] = statistics.median(r["ess"] for r in results if r["ess"] is not None)
        summary["convergence_warnings"] = sum(r["convergence_warning"] for r in results)
        summary["lengthened_runs"] = sum(r["lengthened"] > 0 for r in results)
    return summary


def validate(scale: float, workers: int) -> dict[str, Any]:
    replicates = max(2, round(REPLICATES * scale))
    tasks = [(s, r) for s in range(len(SCENARIOS)) for r in range(replicates)]
    _log(f"validation: {len(SCENARIOS)} scenarios × {replicates} replicates × 2 methods, "
         f"{workers} worker processes")
    start = time.perf_counter()
    rows: list[dict[str, Any]] = []
    if workers > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for done, row in enumerate(pool.imap_unordered(_replicate, tasks), start=1):
                rows.append(row)
                if done % max(1, len(tasks) // 20) == 0:
                    _log(f"  {done}/{len(tasks)} replicates, {time.perf_counter() - start:.0f} s")
    else:
        rows = [_replicate(task) for task in tasks]
    seconds = time.perf_counter() - start
    scenarios = []
    for scenario in SCENARIOS:
        mine = sorted((r for r in rows if r["scenario"] == scenario.key), key=lambda r: r["replicate"])
        lcmcr = _summarise(scenario, mine, "lcmcr")
        assessed = scenario.heterogeneous and replicates >= REPLICATES
        met = None
        if assessed:
            mare = lcmcr["median_absolute_relative_error"]
            met = lcmcr["coverage"] >= TARGET_COVERAGE and mare is not None and mare <= TARGET_MARE
        scenarios.append({
            "key": scenario.key, "title": scenario.title, "setup": scenario.describe(),
            "population": scenario.population, "heterogeneous": scenario.heterogeneous,
            "observed_median": statistics.median(r["observed"] for r in mine),
            "lcmcr": lcmcr, "loglinear": _summarise(scenario, mine, "loglinear"),
            "lcmcr_target_met": met,
        })
    verdicts = [s["lcmcr_target_met"] for s in scenarios if s["heterogeneous"]]
    overall = None if any(v is None for v in verdicts) else all(verdicts)
    return {"replicates": replicates, "wall_seconds": seconds, "workers": workers,
            "scenarios": scenarios, "lcmcr_target_met": overall}


# ---------------------------------------------------------------------------------------
# (b) Speed.


def speed_table() -> CaptureTable:
    """Five lists naming exactly 5,000 people of a heterogeneous population."""
    rng = np.random.default_rng([SEED, 99])
    scenario = SCENARIOS[0]
    seen = np.zeros((0, scenario.lists), dtype=bool)
    while len(seen) < SPEED_RECORDS:
        people = rng.choice(len(scenario.shares), size=4000, p=np.asarray(scenario.shares))
        draw = rng.random((4000, scenario.lists)) < np.asarray(scenario.capture)[people]
        seen = np.vstack([seen, draw[draw.any(axis=1)]])
    return _table(seen[:SPEED_RECORDS])


def speed(repeats: int = 5) -> dict[str, Any]:
    table = speed_table()
    _log(f"speed: log-linear model search on {table.observed:,} records, {len(table.lists)} lists")
    search = []
    for _ in range(repeats):
        start = time.perf_counter()
        selection = select_model(table, "aic")
        search.append(time.perf_counter() - start)
    start = time.perf_counter()
    full = estimate(table, "loglinear", seed=1)
    full_seconds = time.perf_counter() - start

    _log("speed: LCMCR, default settings")
    settings = DEFAULT_LCMCR
    runs = []
    for seed in range(max(1, repeats // 2)):
        start = time.perf_counter()
        samples = sample_lcmcr(table, settings, seed)
        seconds = time.perf_counter() - start
        ess = effective_sample_size(samples.population.astype(np.float64))
        # A run the diagnostics lengthened ran more sweeps than settings.sweeps: count them all.
        runs.append((seconds, ess, samples.sweeps * settings.chains))
    seconds = statistics.median(s for s, _, _ in runs)
    iterations = int(statistics.median(i for _, _, i in runs))
    per_minute = statistics.median(i / s * 60 for s, _, i in runs)
    search_seconds = statistics.median(search)
    return {
        "table": {"records": table.observed, "lists": len(table.lists)},
        "loglinear_search": {
            "models": len(selection.fits), "seconds_median": search_seconds, "seconds_all": search,
            "target_seconds": TARGET_SEARCH_SECONDS, "met": search_seconds < TARGET_SEARCH_SECONDS,
        },
        "loglinear_estimate_with_bootstrap": {
            "seconds": full_seconds, "replicates": 500, "estimate": full.estimate,
            "interval": [full.lower, full.upper],
        },
        "lcmcr": {
            "settings": settings.as_json(), "iterations": iterations, "seconds_median": seconds,
            "iterations_per_minute": per_minute, "ess_median": statistics.median(e for _, e, _ in runs),
            "ess_per_second": statistics.median(e / s for s, e, _ in runs),
            "target_iterations_per_minute": TARGET_ITERATIONS_PER_MINUTE,
            "met": per_minute >= TARGET_ITERATIONS_PER_MINUTE,
        },
    }


# ---------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:+.1f} %"


def _abs_pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def show(results: dict[str, Any]) -> None:
    validation = results["validation"]
    print(f"MSE validation: {validation['replicates']} replicates per scenario, both methods at their "
          f"defaults, 95 % intervals ({validation['wall_seconds']:.0f} s on {validation['workers']} "
          "worker processes)")
    header = (f"  {'method':10s} {'bias':>9s} {'MARE':>8s} {'coverage':>9s} {'missed low/high':>16s} "
              f"{'width/N':>8s} {'unbounded':>9s} {'CPU s':>6s}")
    for s in validation["scenarios"]:
        print(f"\n{s['title']} — {s['setup']}; median documented {s['observed_median']:,.0f}")
        print(header)
        for method in ("lcmcr", "loglinear"):
            m = s[method]
            width = m["median_relative_width"]
            print(f"  {method:10s} {_pct(m['bias']):>9s} {_abs_pct(m['median_absolute_relative_error']):>8s} "
                  f"{100 * m['coverage']:8.0f} % {m['below']:>7d} / {m['above']:<6d} "
                  f"{'—' if width is None else f'{width:.2f}':>8s} {m['unbounded']:>9d} "
                  f"{m['cpu_seconds_mean']:6.2f}")
        lcmcr = s["lcmcr"]
        print(f"  LCMCR diagnostics: median ESS {lcmcr['ess_median']:.0f}; {lcmcr['lengthened_runs']} of "
              f"{lcmcr['replicates']} runs lengthened, {lcmcr['convergence_warnings']} still warned")
        if s["heterogeneous"]:
            met = s["lcmcr_target_met"]
            verdict = ("not assessed (it needs 100 replicates: run at --scale 1)" if met is None
                       else "met" if met else "NOT met")
            print(f"  LCMCR target (coverage ≥ {TARGET_COVERAGE:.0%}, MARE ≤ {TARGET_MARE:.0%}): {verdict}")
    overall = validation["lcmcr_target_met"]
    verdict = "not assessed (it applies at --scale 1)" if overall is None else "met" if overall else "NOT met"
    print(f"\nLCMCR target on heterogeneous data, every latent-class scenario: {verdict}")

    sp = results["speed"]
    search, lcmcr = sp["loglinear_search"], sp["lcmcr"]
    print(f"\nSpeed on a {sp['table']['lists']}-list table of {sp['table']['records']:,} records:")
    print(f"  log-linear model search ({search['models']:,} models, AIC): {search['seconds_median']:.3f} s "
          f"(median of {len(search['seconds_all'])}) — target < {TARGET_SEARCH_SECONDS:g} s: "
          f"{'met' if search['met'] else 'NOT met'}")
    full = sp["loglinear_estimate_with_bootstrap"]
    print(f"  (the whole log-linear estimate with {full['replicates']} re-selecting bootstrap replicates: "
          f"{full['seconds']:.2f} s)")
    print(f"  LCMCR: {lcmcr['iterations']:,} iterations (chain-sweeps) in {lcmcr['seconds_median']:.2f} s = "
          f"{lcmcr['iterations_per_minute']:,.0f} per minute — target ≥ {TARGET_ITERATIONS_PER_MINUTE:,}: "
          f"{'met' if lcmcr['met'] else 'NOT met'}")
    print(f"  LCMCR effective sample size of N: {lcmcr['ess_median']:.0f} per default run, "
          f"{lcmcr['ess_per_second']:.0f} per second")
    cpu = sum(s["lcmcr"]["cpu_seconds_mean"] * s["lcmcr"]["replicates"]
              + s["loglinear"]["cpu_seconds_mean"] * s["loglinear"]["replicates"]
              for s in validation["scenarios"])
    print(f"\nTotal {results['wall_seconds']:.0f} s wall on {results['machine']['cpus']} cores; the "
          f"estimates alone took {cpu:.0f} CPU seconds (load average at the end "
          f"{results['machine']['load_average']}: other work shares the machine)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the replicate counts (default 1: 100 per scenario)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    start = time.perf_counter()
    results: dict[str, Any] = {"scale": args.scale, "validation": validate(args.scale, args.workers),
                               "speed": speed()}
    results["wall_seconds"] = time.perf_counter() - start
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "numpy": np.__version__,
                          "load_average": " ".join(f"{v:.1f}" for v in os.getloadavg())}
    if args.json:
        print(json.dumps(_finite(results), indent=2, allow_nan=False))
    else:
        show(results)
    return 0


def _finite(value: object) -> object:
    """JSON-ready: numpy scalars as Python numbers, infinities and NaN as null."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


if __name__ == "__main__":
    sys.exit(main())
