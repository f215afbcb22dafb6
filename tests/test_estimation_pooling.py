"""Pooling estimates over linkage results: known answers for the mixture and for Rubin's rules."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from civharm.analysis.estimation import (
    Estimate,
    EstimationError,
    LcmcrSettings,
    LoglinearSettings,
    estimate,
    pool_estimates,
    sum_strata,
)
from test_estimation_loglinear import capture

Z95 = 1.959963984540054


def made(method: str, point: float, lower: float, upper: float, draws: np.ndarray | None = None,
         observed: int = 100, warnings: tuple[str, ...] = (), lists: tuple[str, ...] = ("A", "B", "C"),
         level: float = 0.95) -> Estimate:
    return Estimate(method=method, lists=lists, observed=observed, estimate=point, lower=lower, upper=upper,
                    level=level, warnings=warnings, details={},
                    draws=np.array([point]) if draws is None else draws)


def posterior(centre: float, sd: float, seed: int, size: int = 4000) -> Estimate:
    draws = np.random.default_rng(seed).normal(centre, sd, size)
    low, mid, high = np.quantile(draws, [0.025, 0.5, 0.975])
    return made("lcmcr", float(mid), float(low), float(high), draws)


# --- posterior draws: an equal mixture ------------------------------------------------------------


def test_pooling_identical_posteriors_gives_the_same_interval() -> None:
    one = posterior(1000, 50, seed=1)
    pooled = pool_estimates([one, one, one])
    assert pooled.method == "lcmcr"
    assert pooled.estimate == pytest.approx(one.estimate, rel=1e-3)
    assert pooled.lower == pytest.approx(one.lower, rel=1e-3)
    assert pooled.upper == pytest.approx(one.upper, rel=1e-3)
    assert len(pooled.draws) == 3 * len(one.draws)


def test_posterior_draws_are_mixed_equally() -> None:
    # Two linkage results, one with twice the draws: each still counts for half of the mixture.
    low = posterior(1000, 30, seed=2, size=8000)
    high = posterior(1400, 30, seed=3, size=4000)
    pooled = pool_estimates([low, high], names=["threshold 0.9", "threshold 0.5"])
    assert len(pooled.draws) == 8000
    assert np.mean(pooled.draws > 1200) == pytest.approx(0.5, abs=0.001)
    # The mixture's 2.5% point is inside the low component, its 97.5% inside the high one.
    assert pooled.lower == pytest.approx(float(np.quantile(low.draws, 0.05)), rel=0.01)
    assert pooled.upper == pytest.approx(float(np.quantile(high.draws, 0.95)), rel=0.01)
    assert pooled.lower < low.estimate and pooled.upper > high.estimate
    assert [link["name"] for link in pooled.details["linkages"]] == ["threshold 0.9", "threshold 0.5"]


# --- log-linear: Rubin's rules on the log scale -------------------------------------------------


def test_pooling_identical_loglinear_estimates_gives_the_same_interval() -> None:
    one = made("loglinear", 1000.0, 900.0, 1250.0)  # skewed, as bootstrap intervals are
    pooled = pool_estimates([one, one, one, one])
    assert pooled.estimate == pytest.approx(1000.0, rel=1e-12)
    assert pooled.lower == pytest.approx(900.0, rel=1e-12)
    assert pooled.upper == pytest.approx(1250.0, rel=1e-12)
    assert pooled.details["log_scale"]["between_variance"] == 0.0


def test_rubins_rules_on_the_log_scale_by_hand() -> None:
    sd = 0.05
    centres = [math.log(1000), math.log(1100), math.log(1300)]
    estimates = [made("loglinear", math.exp(c), math.exp(c - Z95 * sd), math.exp(c + Z95 * sd))
                 for c in centres]
    pooled = pool_estimates(estimates)
    m = 3
    mean = sum(centres) / m
    between = float(np.var(centres, ddof=1))
    total = sd**2 + (1 + 1 / m) * between
    df = (m - 1) * (1 + sd**2 / ((1 + 1 / m) * between)) ** 2
    t = stats.t.ppf(0.975, df)
    assert pooled.estimate == pytest.approx(math.exp(mean), rel=1e-9)
    assert pooled.lower == pytest.approx(math.exp(mean - t * math.sqrt(total)), rel=1e-9)
    assert pooled.upper == pytest.approx(math.exp(mean + t * math.sqrt(total)), rel=1e-9)


def test_disjoint_estimates_widen_the_interval_to_cover_both() -> None:
    first = made("loglinear", 1000.0, 950.0, 1060.0, warnings=("sparse table",))
    second = made("loglinear", 1600.0, 1500.0, 1700.0,
                  warnings=("sparse table", "lists A and B share only 2"))
    pooled = pool_estimates([first, second], names=["strict", "loose"])
    assert pooled.lower < first.estimate and pooled.upper > second.estimate
    assert pooled.upper - pooled.lower > (second.upper - second.lower) + (first.upper - first.lower)
    assert first.estimate < pooled.estimate < second.estimate
    # Warnings are kept: the shared one once, the other with its linkage result's name, and the
    # dependence on the linkage is said.
    assert pooled.warnings[0] == "sparse table"
    assert "loose: lists A and B share only 2" in pooled.warnings
    assert sum("sparse table" in w for w in pooled.warnings) == 1
    assert any("range from 1,000 to 1,600" in w and "how the records were linked" in w
               for w in pooled.warnings)
    assert pooled.details["log_scale"]["linkage_share_of_variance"] > 0.9
    json.dumps(pooled.as_json(), allow_nan=False)


def test_an_unbounded_linkage_result_makes_the_pool_unbounded() -> None:
    bounded = made("loglinear", 1000.0, 900.0, 1200.0)
    unbounded = made("loglinear", math.inf, 300.0, math.inf, draws=np.full(10, np.inf))
    pooled = pool_estimates([bounded, unbounded])
    assert pooled.estimate == math.inf and pooled.upper == math.inf
    assert any("no finite estimate" in w for w in pooled.warnings)
    assert any("no finite upper end" in w for w in pooled.warnings)
    assert pooled.as_json()["upper"] is None


def test_the_documented_count_is_the_smallest_over_the_linkages() -> None:
    pooled = pool_estimates([made("loglinear", 1000.0, 900.0, 1200.0, observed=700),
                             made("loglinear", 1050.0, 950.0, 1250.0, observed=650)])
    assert pooled.observed == 650
    assert [link["observed"] for link in pooled.details["linkages"]] == [700, 650]


# --- on real estimates --------------------------------------------------------------------------


def test_pooled_estimates_from_real_tables_cover_the_truth_and_sum_over_strata() -> None:
    # Three "linkage results" of the same population: the tables differ as linkages would.
    tables = [capture(1500, [[0.35, 0.3, 0.4, 0.3]], seed=s) for s in (31, 32, 33)]
    quick = LoglinearSettings(replicates=100)
    log_linear = [estimate(t, "loglinear", seed=1, loglinear=quick) for t in tables]
    pooled = pool_estimates(log_linear)
    assert pooled.lower <= 1500 <= pooled.upper
    assert pooled.upper - pooled.lower >= np.mean([e.upper - e.lower for e in log_linear])
    short = LcmcrSettings(chains=4, burn_in=300, draws=200, thin=2)
    bayes = pool_estimates([estimate(t, "lcmcr", seed=2, lcmcr=short) for t in tables])
    assert bayes.lower <= 1500 <= bayes.upper
    # A pooled estimate is an estimate like any other: strata of them can be summed.
    total = sum_strata([pooled, pooled])
    assert total.observed == 2 * pooled.observed


def test_pooling_refuses_what_cannot_be_pooled() -> None:
    one = made("loglinear", 1000.0, 900.0, 1200.0)
    with pytest.raises(EstimationError, match="no estimates"):
        pool_estimates([])
    with pytest.raises(EstimationError, match="different methods"):
        pool_estimates([one, posterior(1000, 10, seed=1)])
    with pytest.raises(EstimationError, match="different lists"):
        pool_estimates([one, made("loglinear", 1000.0, 900.0, 1200.0, lists=("A", "B"))])
    with pytest.raises(EstimationError, match="different interval levels"):
        pool_estimates([one, made("loglinear", 1000.0, 900.0, 1200.0, level=0.9)])
    with pytest.raises(EstimationError, match="one name per linkage"):
        pool_estimates([one], names=["a", "b"])
