"""One call from a capture table to a reportable MSE figure, with its interval and warnings.

:func:`estimate` runs one method — the latent-class model (``"lcmcr"``, the default) or log-linear
models (``"loglinear"``) — and wraps the answer with the guard rails: never below the documented
count, warnings on the table, on convergence and on unbounded intervals. :func:`side_by_side`
runs both and warns when they disagree, because neither is right by construction. :func:`sum_strata`
adds estimates of disjoint strata (periods, areas) by summing their draws, so the total's
interval carries every stratum's uncertainty (strata are assumed independent).

Every estimate keeps its draws (posterior draws or bootstrap replicates of N) for that purpose.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from civharm.analysis.estimation.capture import CaptureTable
from civharm.analysis.estimation.diagnostics import diagnose
from civharm.analysis.estimation.guards import (
    Summary,
    convergence_warnings,
    floor_at_observed,
    interval_warnings,
    method_disagreement,
    model_dependence_warnings,
    table_warnings,
)
from civharm.analysis.estimation.lcmcr import DEFAULT_LCMCR, LcmcrSettings, sample_lcmcr
from civharm.analysis.estimation.loglinear import (
    Criterion,
    ModelSelection,
    bootstrap_estimates,
    fit_loglinear,
    profile_interval,
    select_model,
)

Method = Literal["lcmcr", "loglinear"]
METHODS: tuple[Method, ...] = ("lcmcr", "loglinear")
FloatArray = npt.NDArray[np.float64]


class EstimationError(ValueError):
    """The estimate cannot be made as asked; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class LoglinearSettings:
    """How the log-linear estimate is made.

    ``interactions`` fixes the model (by list names) instead of selecting it; ``interval`` is
    ``"bootstrap"`` (re-selecting the model in each replicate) or ``"profile"`` (profile
    likelihood under the chosen model, which ignores the uncertainty of the choice).
    """

    criterion: Criterion = "aic"
    replicates: int = 500
    interval: Literal["bootstrap", "profile"] = "bootstrap"
    interactions: tuple[tuple[str, str], ...] | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "criterion": self.criterion,
            "replicates": self.replicates,
            "interval": self.interval,
            "interactions": None if self.interactions is None else [list(p) for p in self.interactions],
        }


DEFAULT_LOGLINEAR = LoglinearSettings()


@dataclass(frozen=True, slots=True)
class Estimate:
    """An MSE estimate of the total, documented and undocumented, with its interval."""

    method: str
    lists: tuple[str, ...]
    observed: int
    estimate: float
    lower: float
    upper: float
    level: float
    warnings: tuple[str, ...]
    details: Mapping[str, object]
    draws: FloatArray = field(repr=False, compare=False)

    @property
    def undocumented(self) -> float:
        return self.estimate - self.observed

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict; an infinite bound is ``null``."""
        return {
            "observed": self.observed,
            "estimate": _json_float(self.estimate),
            "lower": _json_float(self.lower),
            "upper": _json_float(self.upper),
            "level": self.level,
            "method": self.method,
            "lists": list(self.lists),
            "warnings": list(self.warnings),
            "details": dict(self.details),
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    """Several methods on one table, and the warnings their disagreement raises."""

    estimates: tuple[Estimate, ...]
    warnings: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"estimates": [e.as_json() for e in self.estimates], "warnings": list(self.warnings)}


def estimate(
    table: CaptureTable,
    method: Method = "lcmcr",
    *,
    seed: int = 0,
    level: float = 0.95,
    lcmcr: LcmcrSettings = DEFAULT_LCMCR,
    loglinear: LoglinearSettings = DEFAULT_LOGLINEAR,
) -> Estimate:
    """Estimate the total number of people, named on the lists or not, from a capture table.

    The run is reproducible: the same table, method, settings and seed give the same figure.
    """
    if table.observed == 0:
        raise EstimationError("the capture table names nobody: there is nothing to estimate from")
    if not 0 < level < 1:
        raise EstimationError(f"level must be between 0 and 1, not {level}")
    if method == "lcmcr":
        problems = lcmcr.problems()
        if problems:
            raise EstimationError("; ".join(problems))
        return _lcmcr(table, seed, level, lcmcr)
    if method == "loglinear":
        return _loglinear(table, seed, level, loglinear)
    raise EstimationError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")


def _quantiles(draws: FloatArray, level: float) -> tuple[float, float, float]:
    low, mid, high = np.quantile(draws, [(1 - level) / 2, 0.5, (1 + level) / 2])
    return float(low), float(mid), float(high)


def _finish(table: CaptureTable, method: str, point: float, lower: float, upper: float, level: float,
            warnings: list[str], details: dict[str, object], draws: FloatArray) -> Estimate:
    point, lower, upper, floor = floor_at_observed(table.observed, point, lower, upper)
    floored = np.maximum(draws, float(table.observed))
    floored.setflags(write=False)
    return Estimate(
        method=method,
        lists=table.lists,
        observed=table.observed,
        estimate=point,
        lower=lower,
        upper=upper,
        level=level,
        warnings=tuple(table_warnings(table) + warnings + floor + interval_warnings(upper)),
        details=details,
        draws=floored,
    )


def _lcmcr(table: CaptureTable, seed: int, level: float, settings: LcmcrSettings) -> Estimate:
    samples = sample_lcmcr(table, settings, seed)
    population = samples.population.astype(np.float64)
    lower, median, upper = _quantiles(population.ravel(), level)
    diagnostics = diagnose(population)
    details: dict[str, object] = {
        "seed": seed,
        "settings": settings.as_json(),
        "sweeps_per_chain": samples.sweeps,
        "lengthened": samples.extensions,
        "posterior_mean": float(population.mean()),
        "diagnostics": diagnostics.as_json(),
        "alpha_median": float(np.median(samples.alpha)),
        "classes_used_mean": float(samples.classes_used.mean()),
    }
    return _finish(table, "lcmcr", median, lower, upper, level, convergence_warnings(diagnostics),
                   details, population.ravel())


def _loglinear(table: CaptureTable, seed: int, level: float, settings: LoglinearSettings) -> Estimate:
    if settings.criterion not in ("aic", "bic"):
        raise EstimationError(f"unknown criterion {settings.criterion!r}; use 'aic' or 'bic'")
    if settings.interval not in ("bootstrap", "profile"):
        raise EstimationError(f"unknown interval {settings.interval!r}; use 'bootstrap' or 'profile'")
    if settings.replicates < 1:
        raise EstimationError("replicates must be at least 1")
    warnings: list[str] = []
    try:
        if settings.interactions is not None:
            fixed = fit_loglinear(table, settings.interactions)
            selection = ModelSelection(settings.criterion, (fixed,), exhaustive=False)
        else:
            selection = select_model(table, settings.criterion)
    except ValueError as error:
        raise EstimationError(str(error)) from None
    best = selection.best
    profile_low, _, profile_high = profile_interval(table, best.model, level)
    details: dict[str, object] = {
        "seed": seed,
        "settings": settings.as_json(),
        "model": best.model.describe(table.lists),
        "models_considered": len(selection.fits),
        "search": "exhaustive" if selection.exhaustive else (
            "fixed" if settings.interactions is not None else "stepwise"),
        "top_models": _top_models(selection),
        "profile_interval": [_json_float(profile_low), _json_float(profile_high)],
    }
    if not best.bounded:
        warnings.append("no log-linear model gives a finite estimate for this table")
        draws = np.full(max(settings.replicates, 1), np.inf)
        return _finish(table, "loglinear", math.inf, float(table.observed), math.inf, level, warnings,
                       details, draws)
    if settings.interactions is None:
        warnings += model_dependence_warnings(selection)
    if settings.interval == "bootstrap":
        pinned = selection if settings.interactions is None else ModelSelection(
            settings.criterion, (best,), exhaustive=False)
        boot = bootstrap_estimates(table, settings.criterion, settings.replicates, seed, pinned)
        lower, _, upper = _quantiles(boot.draws, level)
        details["bootstrap"] = {
            "replicates": boot.replicates,
            "unbounded_replicates": boot.unbounded,
            "models_chosen": [
                {"model": m.describe(table.lists), "share": n / boot.replicates}
                for m, n in sorted(boot.chosen.items(), key=lambda item: -item[1])[:10]
            ],
        }
        draws = boot.draws
    else:
        lower, upper = profile_low, profile_high
        draws = np.array([best.estimate])
    return _finish(table, "loglinear", best.estimate, lower, upper, level, warnings, details, draws)


def _top_models(selection: ModelSelection, shown: int = 5) -> list[dict[str, object]]:
    weights = selection.weights()
    rows = []
    for index, fit in enumerate(selection.fits[:shown]):
        row = fit.as_json()
        row["weight"] = float(weights[index]) if fit.bounded and index < len(weights) else None
        rows.append(row)
    return rows


def side_by_side(
    table: CaptureTable,
    methods: Sequence[Method] = METHODS,
    *,
    seed: int = 0,
    level: float = 0.95,
    lcmcr: LcmcrSettings = DEFAULT_LCMCR,
    loglinear: LoglinearSettings = DEFAULT_LOGLINEAR,
) -> Comparison:
    """Every method on the same table, with a warning wherever two of them disagree."""
    estimates = tuple(estimate(table, m, seed=seed, level=level, lcmcr=lcmcr, loglinear=loglinear)
                      for m in methods)
    return Comparison(estimates, tuple(compare_methods(estimates)))


def compare_methods(estimates: Sequence[Estimate]) -> list[str]:
    return method_disagreement([Summary(e.method, e.estimate, e.lower, e.upper) for e in estimates])


def sum_strata(estimates: Sequence[Estimate], names: Sequence[str] | None = None) -> Estimate:
    """The total over disjoint strata, its interval from the sums of the strata's draws.

    Draw i of the total is the sum of draw i of every stratum; strata are treated as independent.
    All strata must come from the same method with the same number of draws. The point estimate
    is the sum of the strata's log-linear estimates, or the posterior median of the summed draws
    for LCMCR. Each stratum's warnings are kept, prefixed with its name.
    """
    if not estimates:
        raise EstimationError("there are no strata to sum")
    labels = list(names) if names is not None else [f"stratum {i + 1}" for i in range(len(estimates))]
    if len(labels) != len(estimates):
        raise EstimationError("give one name per stratum")
    methods = {e.method for e in estimates}
    if len(methods) > 1:
        raise EstimationError(f"strata were estimated by different methods ({', '.join(sorted(methods))})")
    sizes = {len(e.draws) for e in estimates}
    if len(sizes) > 1:
        raise EstimationError("strata have different numbers of draws; estimate them with the same settings")
    levels = {e.level for e in estimates}
    if len(levels) > 1:
        raise EstimationError("strata were estimated at different interval levels")
    method = methods.pop()
    level = levels.pop()
    draws = np.sum([e.draws for e in estimates], axis=0).astype(np.float64)
    draws.setflags(write=False)
    lower, median, upper = _quantiles(draws, level)
    point = median if method == "lcmcr" else float(sum(e.estimate for e in estimates))
    if method != "lcmcr" and len(draws) == 1:
        # Profile intervals leave no draws; the sum of the bounds is all that can honestly be said.
        lower = float(sum(e.lower for e in estimates))
        upper = float(sum(e.upper for e in estimates))
    lists: list[str] = []
    for e in estimates:
        lists += [name for name in e.lists if name not in lists]
    warnings = [f"{label}: {w}" for label, e in zip(labels, estimates, strict=True) for w in e.warnings]
    observed = sum(e.observed for e in estimates)
    return Estimate(
        method=method,
        lists=tuple(lists),
        observed=observed,
        estimate=max(point, observed),
        lower=max(lower, observed),
        upper=max(upper, observed),
        level=level,
        warnings=tuple(warnings + interval_warnings(upper)),
        details={
            "strata": [
                {"name": label, **{k: v for k, v in e.as_json().items() if k != "details"}}
                for label, e in zip(labels, estimates, strict=True)
            ],
        },
        draws=draws,
    )


def _json_float(value: float) -> float | None:
    return value if math.isfinite(value) else None

