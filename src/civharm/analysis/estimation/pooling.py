"""Pool MSE estimates made on several linkage results, as multiple imputation pools them.

Which records are the same person is itself uncertain. Re-running the linkage at several match
thresholds, or drawing several linkage samples, gives several capture tables and so several
estimates; :func:`pool_estimates` combines them into one figure whose interval carries the
linkage uncertainty as well as each estimate's own. Each linkage result plays the part of one
imputation.

How, by method:

* **Posterior draws (LCMCR): mix them.** The pooled draws are an equal mixture of every linkage
  result's posterior draws of N (the same number from each). If each linkage result is a draw
  from the posterior of the linkage, the mixture is a draw from the posterior of N with the
  linkage integrated out: the Bayesian analogue of Rubin's rules, and it needs no normality
  (Zhou & Reiter 2010, *The American Statistician* 64). The point estimate is the mixture's
  median, the interval its quantiles.
* **Log-linear estimates: Rubin's rules on the log scale.** A log-linear estimate is a maximum
  likelihood point with a bootstrap (or profile) interval that is skewed to the right, so the
  rules (Rubin 1987) are applied to log N: the pooled centre is the mean of log N̂ over the
  linkage results, the within variance comes from each interval's half-widths, the between
  variance is that of log N̂ across linkage results, and the total T = W + (1 + 1/M) B is used
  with Rubin's degrees of freedom and a Student t. Each side of the interval keeps its own
  within variance, so pooling identical estimates returns their interval unchanged, while
  estimates that disagree widen it. Mixing bootstrap draws instead would drop the (1 + 1/M)
  correction that matters with the few (three to five) thresholds one usually runs, and would not
  work for profile intervals, which have no draws. The pooled estimate's ``draws`` are still
  the equal mixture of the bootstrap draws, for :func:`sum_strata`.

The documented count of a pooled estimate is the smallest over the linkage results: the people
every linkage agrees are documented (a looser linkage merges more records into fewer people).
Warnings are kept: one that every linkage result raised once, the others prefixed with the
linkage result's name. A warning is added when the estimates differ by more than the
disagreement ratio across linkage results: the figure then depends on the linkage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped]

from civharm.analysis.estimation.estimate import Estimate, EstimationError
from civharm.analysis.estimation.guards import DISAGREEMENT_RATIO, interval_warnings

FloatArray = npt.NDArray[np.float64]


def pool_estimates(estimates: Sequence[Estimate], names: Sequence[str] | None = None) -> Estimate:
    """One estimate from estimates of the same lists on several linkage results.

    All must come from the same method, lists and interval level. ``names`` labels the linkage
    results (a threshold, a sample number) in warnings and details.
    """
    if not estimates:
        raise EstimationError("there are no estimates to pool")
    labels = list(names) if names is not None else [f"linkage {i + 1}" for i in range(len(estimates))]
    if len(labels) != len(estimates):
        raise EstimationError("give one name per linkage result")
    methods = {e.method for e in estimates}
    if len(methods) > 1:
        raise EstimationError(f"the estimates were made by different methods ({', '.join(sorted(methods))}); "
                              "pool each method on its own")
    if len({e.lists for e in estimates}) > 1:
        raise EstimationError("the estimates are of different lists; pool estimates of the same lists")
    levels = {e.level for e in estimates}
    if len(levels) > 1:
        raise EstimationError("the estimates were made at different interval levels")
    method, level = methods.pop(), levels.pop()
    observed = min(e.observed for e in estimates)
    draws = _mixed_draws(estimates)
    if method == "lcmcr":
        lower, point, upper = (float(q) for q in np.quantile(draws, [(1 - level) / 2, 0.5, (1 + level) / 2]))
        rule = "equal mixture of the posterior draws"
        pooled: dict[str, object] = {}
    else:
        point, lower, upper, pooled = _rubin_log_scale(estimates, level)
        rule = "Rubin's rules on log N, each side of the interval with its own within variance"
    warnings = _kept_warnings(estimates, labels)
    finite = [e.estimate for e in estimates if math.isfinite(e.estimate)]
    if len(finite) < len(estimates):
        warnings.append("some linkage results give no finite estimate: the pooled figure is unbounded")
    elif len(estimates) > 1 and max(finite) > DISAGREEMENT_RATIO * min(finite):
        warnings.append(
            f"the estimates on the {len(estimates)} linkage results range from {min(finite):,.0f} to "
            f"{max(finite):,.0f}: the figure depends on how the records were linked"
        )
    warnings += [w for w in interval_warnings(upper) if w not in warnings]
    return Estimate(
        method=method,
        lists=estimates[0].lists,
        observed=observed,
        estimate=max(point, observed),
        lower=max(lower, observed),
        upper=max(upper, observed),
        level=level,
        warnings=tuple(warnings),
        details={
            "pooled": len(estimates),
            "rule": rule,
            **pooled,
            "linkages": [
                {"name": label, **{k: v for k, v in e.as_json().items() if k not in ("details", "lists")}}
                for label, e in zip(labels, estimates, strict=True)
            ],
        },
        draws=draws,
    )


def _mixed_draws(estimates: Sequence[Estimate]) -> FloatArray:
    """The same number of draws from each estimate (evenly spaced when they have more), together."""
    size = min(len(e.draws) for e in estimates)
    if size == 0:
        raise EstimationError("an estimate has no draws to pool")
    parts = []
    for e in estimates:
        chosen = np.round(np.linspace(0, len(e.draws) - 1, size)).astype(np.int64)
        parts.append(np.asarray(e.draws, dtype=np.float64)[chosen])
    mixed = np.concatenate(parts)
    mixed.setflags(write=False)
    return mixed


def _rubin_log_scale(estimates: Sequence[Estimate], level: float,
                     ) -> tuple[float, float, float, dict[str, object]]:
    """(point, lower, upper, details) by Rubin's rules on log N."""
    if any(not math.isfinite(e.estimate) or e.estimate <= 0 for e in estimates):
        return math.inf, float(min(e.lower for e in estimates)), math.inf, {}
    m = len(estimates)
    centres = np.array([math.log(e.estimate) for e in estimates])
    z = NormalDist().inv_cdf((1 + level) / 2)
    # Each side's within variance from its half-width, as if the interval were centre ± z·sd.
    below = np.array([(c - math.log(max(e.lower, 1e-300))) / z
                      for c, e in zip(centres, estimates, strict=True)])
    above = np.array([(math.log(e.upper) - c) / z if math.isfinite(e.upper) else math.inf
                      for c, e in zip(centres, estimates, strict=True)])
    centre = float(centres.mean())
    between = float(centres.var(ddof=1)) if m > 1 else 0.0
    inflated = (1 + 1 / m) * between
    bounds = []
    for half in (below, above):
        within = float(np.mean(half**2))
        total = within + inflated
        if not math.isfinite(total):
            bounds.append(math.inf)
            continue
        if inflated > 0:
            # Rubin's (1987) degrees of freedom: many when the linkage adds little, few otherwise.
            df = (m - 1) * (1 + within / inflated) ** 2
            quantile = float(stats.t.ppf((1 + level) / 2, df))
        else:
            quantile = z
        bounds.append(quantile * math.sqrt(total))
    lower = math.exp(centre - bounds[0])
    upper = math.exp(centre + bounds[1]) if math.isfinite(bounds[1]) else math.inf
    within_both = float(np.mean(np.concatenate([below, above]) ** 2))
    share = inflated / (within_both + inflated) if math.isfinite(within_both) and within_both + inflated > 0 \
        else None
    return math.exp(centre), lower, upper, {
        "log_scale": {"centre": centre, "between_variance": between,
                      "linkage_share_of_variance": share},
    }


def _kept_warnings(estimates: Sequence[Estimate], labels: Sequence[str]) -> list[str]:
    everywhere = set(estimates[0].warnings).intersection(*(set(e.warnings) for e in estimates[1:]))
    kept = [w for w in dict.fromkeys(estimates[0].warnings) if w in everywhere]
    for label, e in zip(labels, estimates, strict=True):
        kept += [f"{label}: {w}" for w in dict.fromkeys(e.warnings) if w not in everywhere]
    return kept
