"""civharm's multiple systems estimators on four published capture tables, beside the published figures.

    .venv/bin/python benchmarks/published_tables.py                 # log-linear, LCMCR default and THOROUGH
    .venv/bin/python benchmarks/published_tables.py --no-thorough   # without the (slower) THOROUGH runs
    .venv/bin/python benchmarks/published_tables.py --json          # the same results, machine-readable

Reproduces the section "Published tables" of docs/estimation-validation.md. The four tables —
Kosovo 1999 (4 lists, 4,400 killings), Korea (3 lists, 123 people), the diabetes table of Bruno
et al. 1994 (4 lists, 2,069 people) and Seber (1982) p. 107 (2 lists, 1,202 animals) — are
written below as they were copied from stored public sources, each named beside its counts; this
script reads nothing at run time and needs no network.

For every table it runs the log-linear estimate (pairwise interactions, model chosen by AIC and
by BIC, re-selecting bootstrap interval; seed 1, 500 replicates) and checks the figures that
docs/estimation-validation.md quotes for it, and, for Korea, each model's N and BIC against the
values `MultipleSystemsEstimation` prints, to the printed precision. Those figures are fixed by
the counts: if one differs, a count was mistyped, and the script exits with status 1. On the
tables of three or more lists it then runs LCMCR (seed 1) with the default settings and with
``THOROUGH``, each under two priors on the capture probabilities, Beta(1, 1) and Beta(0.5, 1),
always passed explicitly so that the output does not depend on the default prior, and prints
the estimate, the 95 % interval, the effective sample size and split R-hat of N, and whether a
convergence warning was raised. The LCMCR figures are printed, never checked. Figures the
sources publish (from methods civharm does not have) are printed for comparison.

One process, sequential. Progress goes to standard error.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from estimation import _finite, lcmcr_diagnostics  # benchmarks/estimation.py

from civharm.analysis.estimation import (
    CaptureTable,
    LcmcrSettings,
    LoglinearSettings,
    estimate,
    fit_loglinear,
)
from civharm.analysis.estimation.lcmcr import DEFAULT_LCMCR, THOROUGH
from civharm.analysis.estimation.loglinear import Criterion

SEED = 1
LEVEL = 0.95
PRIORS: tuple[tuple[float, float], ...] = ((1.0, 1.0), (0.5, 1.0))
DOC = "docs/estimation-validation.md"
MSE_REPO = "bernardsilverman/MultipleSystemsEstimation"
RCAPTURE_REPO = "cran/Rcapture"

Pattern = tuple[int, ...]


def histpos_t(t: int) -> list[Pattern]:
    """The capture histories in Rcapture's order: a port of ``histpos.t`` (cran/Rcapture, R/histpos.t.R).

    1…1 first, 0…01 last: the first list varies slowest, each list's 1 before its 0.
    """
    rows: list[Pattern] = [(1, 1), (1, 0), (0, 1)]
    for i in range(3, t + 1):
        rows = [(1, *r) for r in rows] + [(1,) + (0,) * (i - 1)] + [(0, *r) for r in rows]
    return rows


# Kosovo, 1999: copied from bernardsilverman/MultipleSystemsEstimation,
# docs/reference/estimate_population_stepwise.md (stored version at commit aeba105d, the
# `$input$data` printed by `estimate_population_stepwise(Kosovo, maxorder = Inf)`), in its row order.
KOSOVO = CaptureTable.from_counts(("EXH", "ABA", "OSCE", "HRW"), {
    (1, 0, 0, 0): 1131,
    (0, 1, 0, 0): 845,
    (0, 0, 1, 0): 936,
    (0, 0, 0, 1): 306,
    (1, 1, 0, 0): 177,
    (1, 0, 1, 0): 228,
    (1, 0, 0, 1): 106,
    (0, 1, 1, 0): 217,
    (0, 1, 0, 1): 31,
    (0, 0, 1, 1): 123,
    (1, 1, 1, 0): 181,
    (1, 1, 0, 1): 18,
    (1, 0, 1, 1): 42,
    (0, 1, 1, 1): 32,
    (1, 1, 1, 1): 27,
})

# Korea: copied from bernardsilverman/MultipleSystemsEstimation, docs/articles/user-guide.md
# (the printed `Korea` data, lists b, c, d), in its row order.
KOREA = CaptureTable.from_counts(("b", "c", "d"), {
    (0, 0, 1): 41,
    (0, 1, 0): 5,
    (1, 0, 0): 5,
    (1, 1, 0): 54,
    (1, 0, 1): 6,
    (0, 1, 1): 0,
    (1, 1, 1): 12,
})

# Diabetes (Bruno et al. 1994): copied from cran/Rcapture, man/closedpCI.Rd (the example
# `diabetes <- cbind(histpos, c(58,157,18,104,46,650,12,709,14,20,7,74,8,182,10))` with
# `histpos <- histpos.t(4)`); the counts are in the order of histpos.t(4), cran/Rcapture R/histpos.t.R.
DIABETES = CaptureTable.from_counts(("c1", "c2", "c3", "c4"), dict(zip(
    histpos_t(4), (58, 157, 18, 104, 46, 650, 12, 709, 14, 20, 7, 74, 8, 182, 10), strict=True)))

# Seber (1982) p. 107: copied from cran/Rcapture, tests/Examples/Rcapture-Ex.Rout.save (the
# closedp.t example `X <- matrix(c(1,1,167,1,0,781,0,1,254),byrow=TRUE,ncol=3)`: pattern, count).
SEBER = CaptureTable.from_counts(("c1", "c2"), {
    (1, 1): 167,
    (1, 0): 781,
    (0, 1): 254,
})


@dataclass(frozen=True, slots=True)
class Quoted:
    """A figure as printed (in the doc or a source), compared with ours at the printed precision."""

    figure: str
    printed: str
    where: str = DOC


@dataclass(frozen=True, slots=True)
class LoglinearRun:
    label: str
    settings: LoglinearSettings
    quoted: tuple[Quoted, ...] = ()
    model: str | None = None  # the interactions the doc names, in civharm's notation


@dataclass(frozen=True, slots=True)
class ModelQuote:
    """One model's N and BIC as a source prints them (Korea)."""

    interactions: tuple[tuple[str, str], ...]
    estimate: str
    bic: str
    where: str


@dataclass(frozen=True, slots=True)
class Published:
    """A figure a source publishes from a method civharm does not have: shown, not computed."""

    label: str
    figure: str
    where: str


@dataclass(frozen=True, slots=True)
class PublishedTable:
    key: str
    title: str
    unit: str
    source: str
    table: CaptureTable
    loglinear: tuple[LoglinearRun, ...]
    models: tuple[ModelQuote, ...] = ()
    published: tuple[Published, ...] = ()

    @property
    def lcmcr(self) -> bool:
        # Two lists cannot tell latent classes apart.
        return len(self.table.lists) >= 3


def _run(label: str, quoted: Sequence[tuple[str, str]], criterion: Criterion = "aic",
         model: str | None = None) -> LoglinearRun:
    """A log-linear run with a selected model and the bootstrap interval; ``quoted``: (figure, as printed)."""
    return LoglinearRun(label, LoglinearSettings(criterion=criterion), tuple(Quoted(f, p) for f, p in quoted),
                        model)


USER_GUIDE = f"{MSE_REPO} docs/articles/user-guide.md"
REPRODUCE_2024 = f"{MSE_REPO} docs/articles/reproduce-2024.md"
STEPWISE = f"{MSE_REPO} docs/reference/estimate_population_stepwise.md"
ROUT = f"{RCAPTURE_REPO} tests/Examples/Rcapture-Ex.Rout.save"
DIABETES_I = (("c1", "c3"), ("c2", "c4"), ("c3", "c4"))  # "chosen interaction set I in Rivest (2011)"

TABLES: tuple[PublishedTable, ...] = (
    PublishedTable(
        "kosovo", "Kosovo, 1999", "killings", STEPWISE, KOSOVO,
        (
            _run("AIC, bootstrap", (("N", "14,342"), ("lower", "12,610"), ("upper", "16,509")), "aic",
                 "[EXH:ABA][EXH:OSCE][EXH:HRW][ABA:OSCE][OSCE:HRW]"),
            _run("BIC, bootstrap", (("N", "14,342"), ("lower", "12,688"), ("upper", "16,417")), "bic",
                 "[EXH:ABA][EXH:OSCE][EXH:HRW][ABA:OSCE][OSCE:HRW]"),
        ),
        published=(
            Published("stepwise, interactions of any order ([134,12,23])", "18,393.31", STEPWISE),
            Published("Bayesian thresholding with three-list interactions",
                      "11,814.25 (10,015.00 – 14,567.56)", USER_GUIDE),
            Published("BIC + BCa bootstrap over all 113 hierarchical models (2024, Table 2)",
                      "(6,900 – 18,000)", REPRODUCE_2024),
            Published("the same, best BIC model only", "(9,100 – 12,000)", REPRODUCE_2024),
        ),
    ),
    PublishedTable(
        "korea", "Korea", "people", USER_GUIDE, KOREA,
        (
            _run("AIC, bootstrap", (("lower", "130"), ("upper", "341")), "aic"),
            _run("BIC, bootstrap", (("N", "157.17"), ("lower", "130"), ("upper", "390")), "bic",
                 "[b:c][c:d]"),
        ),
        models=(
            ModelQuote((("b", "c"), ("c", "d")), "157.1667", "57.14081", USER_GUIDE),
            ModelQuote((("b", "c"),), "268.7778", "58.96860", USER_GUIDE),
            ModelQuote((), "141.9926", "184.14431", USER_GUIDE),
        ),
        published=(
            Published("BIC, best model [12,23]", "157.1667", USER_GUIDE),
            Published("stepwise (pairwise), model [12,3]", "268.7778", STEPWISE),
            Published("BIC + BCa bootstrap over all 6 admissible models (2024, Table 3)", "(128 – 349)",
                      REPRODUCE_2024),
        ),
    ),
    PublishedTable(
        "diabetes", "Diabetes (Bruno et al. 1994)", "people", f"{RCAPTURE_REPO} man/closedpCI.Rd", DIABETES,
        (
            _run("AIC, bootstrap", (("N", "2,771"), ("lower", "2,509"), ("upper", "3,122")), "aic",
                 "[c1:c2][c1:c3][c2:c3][c2:c4][c3:c4]"),
            _run("BIC, bootstrap", (("N", "2,472"), ("lower", "2,401"), ("upper", "3,090")), "bic",
                 "[c1:c3][c2:c4][c3:c4]"),
            LoglinearRun(
                "interaction set I fixed, profile",
                LoglinearSettings(interval="profile", interactions=DIABETES_I),
                (Quoted("N", "2,472"),
                 Quoted("lower", "2,374"),
                 Quoted("upper", "2,584")),
            ),
        ),
        published=(
            Published('"Mth normal with I" (c1:c3, c2:c4, c3:c4 + normal heterogeneity, Rivest 2011)',
                      "2,763.5 (2,592.3 – 2,990.8)", ROUT),
        ),
    ),
    PublishedTable(
        "seber", "Seber (1982), p. 107", "animals", ROUT, SEBER,
        (
            _run("AIC, bootstrap", (("N", "2,389.9"), ("lower", "2,160"), ("upper", "2,664"),
                                    ("profile lower", "2,156"), ("profile upper", "2,670"))),
        ),
        published=(Published("Mt (Lincoln–Petersen), closedp.t", "2,389.9", ROUT),),
    ),
)


# ---------------------------------------------------------------------------------------
# Running


def _progress(message: str, wall_start: float) -> None:
    print(f"  {message}: done, {time.perf_counter() - wall_start:.0f} s", file=sys.stderr, flush=True)


def _matches(value: float | None, printed: str) -> bool:
    if value is None or not math.isfinite(value):
        return False
    return _at_precision(value, printed) == printed.replace(",", "")


def _at_precision(value: float, printed: str, separator: bool = False) -> str:
    """``value`` written with as many decimals as ``printed`` has, with or without thousands separators."""
    digits = printed.replace(",", "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return f"{value:{',' if separator else ''}.{decimals}f}"


def _interactions(model: str, lists: Sequence[str]) -> str:
    """A model description without its main effects: ``[A:B][B:C]`` or ``(independence)``."""
    return model.removeprefix("".join(f"[{name}]" for name in lists)).strip()


def _loglinear(spec: PublishedTable, run: LoglinearRun) -> dict[str, Any]:
    start = time.process_time()
    result = estimate(spec.table, "loglinear", seed=SEED, level=LEVEL, loglinear=run.settings)
    seconds = time.process_time() - start
    profile = result.details["profile_interval"]
    assert isinstance(profile, list)
    model = result.details["model"]
    assert isinstance(model, str)
    ours: dict[str, float | None] = {
        "N": result.estimate, "lower": result.lower, "upper": result.upper,
        "profile lower": profile[0], "profile upper": profile[1],
    }
    checks = [{"table": spec.key, "run": run.label, "figure": q.figure, "printed": q.printed,
               "where": q.where, "ours": ours[q.figure], "matches": _matches(ours[q.figure], q.printed)}
              for q in run.quoted]
    interactions = _interactions(model, spec.table.lists)
    if run.model is not None:
        checks.append({"table": spec.key, "run": run.label, "figure": "model", "printed": run.model,
                       "where": DOC, "ours": interactions, "matches": interactions == run.model})
    return {
        "label": run.label, "settings": run.settings.as_json(), "estimate": result.estimate,
        "lower": result.lower, "upper": result.upper, "profile_interval": profile, "model": interactions,
        "warnings": list(result.warnings), "cpu_seconds": seconds, "checks": checks,
    }


def _models(spec: PublishedTable) -> list[dict[str, Any]]:
    rows = []
    for quote in spec.models:
        fit = fit_loglinear(spec.table, quote.interactions)
        model = _interactions(fit.model.describe(spec.table.lists), spec.table.lists)
        figures = (("N", quote.estimate, fit.estimate), ("BIC", quote.bic, fit.bic))
        checks = [{"table": spec.key, "run": f"model {model}", "figure": figure, "printed": printed,
                   "where": quote.where, "ours": ours, "matches": _matches(ours, printed)}
                  for figure, printed, ours in figures]
        rows.append({"model": model, "estimate": fit.estimate, "bic": fit.bic, "aic": fit.aic,
                     "published_estimate": quote.estimate, "published_bic": quote.bic, "checks": checks})
    return rows


def _lcmcr(table: CaptureTable, name: str, base: LcmcrSettings, prior: tuple[float, float]) -> dict[str, Any]:
    settings = replace(base, capture_a=prior[0], capture_b=prior[1])
    start = time.process_time()
    result = estimate(table, "lcmcr", seed=SEED, level=LEVEL, lcmcr=settings)
    seconds = time.process_time() - start
    return {
        "settings_name": name, "prior": list(prior), "settings": settings.as_json(),
        "estimate": result.estimate, "lower": result.lower, "upper": result.upper,
        "sweeps_per_chain": result.details["sweeps_per_chain"], **lcmcr_diagnostics(result),
        "warnings": list(result.warnings), "cpu_seconds": seconds,
    }


def run(thorough: bool) -> dict[str, Any]:
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    runs: list[tuple[str, LcmcrSettings]] = [("default", DEFAULT_LCMCR)]
    if thorough:
        runs.append(("THOROUGH", THOROUGH))
    tables = []
    for spec in TABLES:
        table = spec.table
        record: dict[str, Any] = {
            "key": spec.key, "title": spec.title, "unit": spec.unit, "source": spec.source,
            "lists": list(table.lists), "observed": table.observed, "list_totals": list(table.list_totals),
            "counts": [{"pattern": "".join(map(str, p)), "count": c}
                       for p, c in zip(table.patterns, table.counts, strict=True)],
            "loglinear": [], "models": _models(spec), "lcmcr": [],
            "published": [{"label": p.label, "figure": p.figure, "where": p.where} for p in spec.published],
        }
        for loglinear_run in spec.loglinear:
            record["loglinear"].append(_loglinear(spec, loglinear_run))
            _progress(f"{spec.key} log-linear {loglinear_run.label}", wall_start)
        if spec.lcmcr:
            for name, base in runs:
                for prior in PRIORS:
                    record["lcmcr"].append(_lcmcr(table, name, base, prior))
                    _progress(f"{spec.key} LCMCR {name} Beta({prior[0]:g}, {prior[1]:g})", wall_start)
        tables.append(record)
    checks = [c for t in tables for r in t["loglinear"] + t["models"] for c in r["checks"]]
    return {
        "seed": SEED, "level": LEVEL, "thorough": thorough, "tables": tables, "checks": checks,
        "cpu_seconds": time.process_time() - cpu_start, "wall_seconds": time.perf_counter() - wall_start,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
                    "load_average": " ".join(f"{v:.1f}" for v in os.getloadavg())},
    }


# ---------------------------------------------------------------------------------------
# Showing


def _n(value: float | None, decimals: int = 0) -> str:
    if value is None or not math.isfinite(value):
        return "∞"
    return f"{value:,.{decimals}f}"


def _decimals(observed: int) -> int:
    return 2 if observed < 1000 else 1 if observed < 2000 else 0


def show(results: dict[str, Any]) -> None:
    print(f"MSE on published capture tables: seed {results['seed']}, {results['level']:.0%} intervals; "
          "log-linear models with pairwise interactions, 500 bootstrap replicates")
    for t in results["tables"]:
        d = _decimals(t["observed"])
        sizes = ", ".join(f"{n:,}" for n in t["list_totals"])
        print(f"\n{t['title']} — {len(t['lists'])} lists ({', '.join(t['lists'])}), {t['observed']:,} "
              f"{t['unit']}; list sizes {sizes}")
        print(f"  counts copied from {t['source']}")
        print(f"  {'log-linear':34s} {'N':>10s} {'95% interval':>21s} {'profile interval':>21s}  model")
        for r in t["loglinear"]:
            low, high = r["profile_interval"]
            print(f"  {r['label']:34s} {_n(r['estimate'], d):>10s} "
                  f"{_n(r['lower'], d) + ' – ' + _n(r['upper'], d):>21s} "
                  f"{_n(low, d) + ' – ' + _n(high, d):>21s}  {r['model']}")
            for w in r["warnings"]:
                print(f"  {'':34s} warning: {w}")
        if t["models"]:
            print(f"  {'model (fixed)':34s} {'N':>10s} {'BIC':>10s} {'published N':>13s} "
                  f"{'published BIC':>14s}")
            for m in t["models"]:
                print(f"  {m['model']:34s} {m['estimate']:10.4f} {m['bic']:10.5f} "
                      f"{m['published_estimate']:>13s} {m['published_bic']:>14s}")
        if t["lcmcr"]:
            print(f"  {'LCMCR':34s} {'N':>10s} {'95% interval':>21s} {'ESS':>6s} {'R-hat':>6s} "
                  f"{'sweeps/chain':>12s} {'conv. warning':>13s} {'CPU s':>6s}")
            for r in t["lcmcr"]:
                label = f"{r['settings_name']}, Beta({r['prior'][0]:g}, {r['prior'][1]:g})"
                ess = "—" if r["ess"] is None else f"{r['ess']:.0f}"
                rhat = "—" if r["rhat"] is None else f"{r['rhat']:.2f}"
                print(f"  {label:34s} {_n(r['estimate']):>10s} "
                      f"{_n(r['lower']) + ' – ' + _n(r['upper']):>21s} {ess:>6s} {rhat:>6s} "
                      f"{r['sweeps_per_chain']:>12,d} {'yes' if r['convergence_warning'] else 'no':>13s} "
                      f"{r['cpu_seconds']:6.1f}")
        else:
            print("  LCMCR not run: two lists cannot tell latent classes apart")
        if t["published"]:
            print("  published, by methods civharm does not have:")
            for p in t["published"]:
                print(f"    {p['label']}: {p['figure']}  [{p['where']}]")
    checks = results["checks"]
    print(f"\nLog-linear figures quoted in {DOC} and in the sources, against this run:")
    print(f"  {'table':9s} {'run':34s} {'figure':14s} {'quoted':>12s} {'ours':>12s}  result")
    for c in checks:
        verdict = "ok" if c["matches"] else "DIFFERS"
        if c["figure"] == "model":
            ours = "" if c["matches"] else f", ours {c['ours']}"
            print(f"  {c['table']:9s} {c['run']:34s} {'model':14s} {c['printed']}{ours}  {verdict}")
            continue
        ours = "—" if c["ours"] is None else _at_precision(c["ours"], c["printed"], "," in c["printed"])
        print(f"  {c['table']:9s} {c['run']:34s} {c['figure']:14s} {c['printed']:>12s} {ours:>12s}  "
              f"{verdict}")
    failed = [c for c in checks if not c["matches"]]
    print(f"  {len(checks) - len(failed)} of {len(checks)} figures match")
    load = results["machine"]["load_average"]
    print(f"\nTotal {results['cpu_seconds']:.0f} CPU s, {results['wall_seconds']:.0f} s wall, one process "
          f"(load average at the end {load})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thorough", action=argparse.BooleanOptionalAction, default=True,
                        help="also run LCMCR with THOROUGH settings (slower; default on)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    results = run(args.thorough)
    if args.json:
        print(json.dumps(_finite(results), indent=2, allow_nan=False, ensure_ascii=False))
    else:
        show(results)
    failed = [c for c in results["checks"] if not c["matches"]]
    if failed:
        print(f"\nFAILED: {len(failed)} log-linear figure(s) differ from the figures quoted in {DOC} or the "
              "sources; the counts in benchmarks/published_tables.py are probably mistyped:", file=sys.stderr)
        for c in failed:
            print(f"  {c['table']} {c['run']} {c['figure']}: quoted {c['printed']}, ours {c['ours']} "
                  f"[{c['where']}]", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
