"""Guard rails: the warnings that travel with every MSE figure.

MSE answers are only as good as the overlap between lists and the model's assumptions, and a
figure must never hide either. These checks read the table, the sampler's diagnostics and the
estimates, and return plain sentences for the reader of the figure (no numbers are changed
here except by :func:`floor_at_observed`, which keeps an estimate from falling below the people
actually documented).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from civharm.analysis.estimation.capture import CaptureTable
from civharm.analysis.estimation.diagnostics import Diagnostics
from civharm.analysis.estimation.loglinear import ModelSelection

# A cell or overlap with fewer people than this is too thin to estimate a dependence from.
SPARSE_CELL = 5
# Warn when more than this share of the possible patterns is thin.
SPARSE_SHARE = 0.5
SMALL_OVERLAP = SPARSE_CELL
# Convergence: the usual thresholds (Gelman et al.; Vehtari et al. 2021 ask for more).
MAX_RHAT = 1.1
MIN_ESS = 100.0
# Two methods disagree when their intervals are disjoint or their estimates differ by this factor.
DISAGREEMENT_RATIO = 1.5
# Log-linear models within this many AIC/BIC points of the best are as good (Burnham & Anderson).
CLOSE_MODELS = 2.0


@dataclass(frozen=True, slots=True)
class Summary:
    """What the comparison of methods needs of one estimate."""

    method: str
    estimate: float
    lower: float
    upper: float


def table_warnings(table: CaptureTable) -> list[str]:
    """Sparse cells, thin or missing overlaps, and lists that cannot inform the estimate."""
    found: list[str] = []
    lists = table.lists
    totals = table.list_totals
    j_count = len(lists)
    possible = 2**j_count - 1
    thin = possible - sum(1 for c in table.counts if c >= SPARSE_CELL)
    if thin / possible > SPARSE_SHARE:
        found.append(
            f"sparse table: {thin} of the {possible} possible capture patterns hold fewer than "
            f"{SPARSE_CELL} people; dependence between lists is poorly estimated"
        )
    for j, name in enumerate(lists):
        on = totals[j]
        if on == 0:
            found.append(f"list {name} names nobody in this table; leave it out")
            continue
        shared = sum(c for p, c in zip(table.patterns, table.counts, strict=True) if p[j] and sum(p) > 1)
        if shared == 0:
            found.append(
                f"list {name} shares no one with any other list: the data say nothing about how "
                "many it missed, so the estimate rests on the model's assumptions alone"
            )
        elif shared == on:
            found.append(
                f"list {name} names no one the other lists lack: it may be compiled from them, "
                "and such dependence biases the estimate"
            )
    for i in range(j_count):
        for j in range(i + 1, j_count):
            both = sum(c for p, c in zip(table.patterns, table.counts, strict=True) if p[i] and p[j])
            if 0 < both < SMALL_OVERLAP and totals[i] and totals[j]:
                found.append(
                    f"lists {lists[i]} and {lists[j]} share only {both} "
                    f"{'person' if both == 1 else 'people'}: "
                    "estimates that lean on their overlap are unstable"
                )
    return found


def convergence_warnings(diagnostics: Diagnostics) -> list[str]:
    """Non-convergence of the sampler: chains that disagree, or too few effective draws."""
    found = []
    if not diagnostics.split_rhat <= MAX_RHAT:
        found.append(
            f"the chains have not converged (split R-hat {_number(diagnostics.split_rhat, 2)} > {MAX_RHAT}); "
            "run longer before relying on the interval"
        )
    if not diagnostics.effective_sample_size >= MIN_ESS:
        found.append(
            f"only {_number(diagnostics.effective_sample_size, 0)} effective draws (fewer than "
            f"{MIN_ESS:.0f}); the interval's ends are uncertain: run longer"
        )
    return found


def floor_at_observed(observed: int, estimate: float, lower: float, upper: float,
                      ) -> tuple[float, float, float, list[str]]:
    """Never report fewer than the people documented: raise anything below ``observed``."""
    found = []
    if lower < observed:
        found.append(
            f"the interval's lower end ({_number(lower, 1)}) fell below the {observed} documented "
            "and was raised to it: the lists may have missed almost no one, or the model fits poorly"
        )
    if estimate < observed:
        found.append(f"the estimate ({_number(estimate, 1)}) fell below the documented count "
                     "and was raised to it")
    return max(estimate, observed), max(lower, observed), max(upper, observed), found


def model_dependence_warnings(selection: ModelSelection) -> list[str]:
    """Log-linear models the data support about equally well, but which disagree on the total."""
    score = selection.best.criterion(selection.criterion)
    close = [f for f in selection.fits
             if f.bounded and f.criterion(selection.criterion) - score <= CLOSE_MODELS]
    if not close:
        return []
    low = min(f.estimate for f in close)
    high = max(f.estimate for f in close)
    if high > DISAGREEMENT_RATIO * low:
        return [
            f"{len(close)} log-linear models fit about equally well ({selection.criterion.upper()} within "
            f"{CLOSE_MODELS:g}) but estimate from {low:,.0f} to {high:,.0f}: the figure depends on the model"
        ]
    return []


def interval_warnings(upper: float) -> list[str]:
    if not math.isfinite(upper):
        return ["the interval has no finite upper end: the lists overlap too little to bound the total"]
    return []


def method_disagreement(summaries: Sequence[Summary]) -> list[str]:
    """Warn for every pair of methods whose intervals do not overlap or whose estimates differ by
    more than :data:`DISAGREEMENT_RATIO`; the figure must then show both."""
    found = []
    for a_index, a in enumerate(summaries):
        for b in summaries[a_index + 1:]:
            reasons = []
            if a.upper < b.lower or b.upper < a.lower:
                reasons.append("their intervals do not overlap")
            low, high = sorted((a.estimate, b.estimate))
            if high > DISAGREEMENT_RATIO * low:
                reasons.append(f"one estimate is {high / low:.1f}× the other" if math.isfinite(high)
                               else "one estimate is unbounded")
            if reasons:
                found.append(
                    f"{a.method} ({_figure(a)}) and {b.method} ({_figure(b)}) disagree: "
                    + " and ".join(reasons)
                    + "; show both, with the assumptions behind each"
                )
    return found


def _figure(s: Summary) -> str:
    return f"{_number(s.estimate, 0)}, interval {_number(s.lower, 0)}–{_number(s.upper, 0)}"


def _number(value: float, digits: int) -> str:
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "∞"
    return f"{value:,.{digits}f}"
