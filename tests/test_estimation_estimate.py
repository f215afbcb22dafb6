"""estimate(), the guard rails, the side-by-side comparison and the sum over strata."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from civharm.analysis.estimation import (
    CaptureTable,
    Estimate,
    EstimationError,
    LcmcrSettings,
    LoglinearSettings,
    compare_methods,
    estimate,
    lincoln_petersen,
    side_by_side,
    sum_strata,
)
from civharm.analysis.estimation.diagnostics import Diagnostics
from civharm.analysis.estimation.guards import (
    Summary,
    convergence_warnings,
    floor_at_observed,
    method_disagreement,
    table_warnings,
)
from test_estimation_loglinear import capture

FAST_LOGLINEAR = LoglinearSettings(replicates=200)
SHORT = LcmcrSettings(chains=2, burn_in=100, draws=200, thin=1)
# Four lists that name most people, independently: every cell is full and the sampler mixes fast.
CLEAN = capture(2000, [[0.5, 0.6, 0.55, 0.5]], seed=12)


def test_clean_table_raises_no_warning_with_either_method() -> None:
    assert table_warnings(CLEAN) == []
    comparison = side_by_side(CLEAN, seed=3)
    assert [e.method for e in comparison.estimates] == ["lcmcr", "loglinear"]
    for result in comparison.estimates:
        assert result.warnings == (), (result.method, result.warnings)
        assert result.lower <= 2000 <= result.upper
    assert comparison.warnings == ()
    json.dumps(comparison.as_json(), allow_nan=False)


def test_as_json_has_the_cli_contract_and_is_strict_json() -> None:
    result = estimate(CLEAN, "loglinear", seed=1, loglinear=FAST_LOGLINEAR)
    data = result.as_json()
    assert {"observed", "estimate", "lower", "upper", "method", "lists", "warnings"} <= set(data)
    assert data["lists"] == ["A", "B", "C", "D"]
    assert data["observed"] == CLEAN.observed
    json.dumps(data, allow_nan=False)
    unbounded = estimate(CaptureTable.from_counts(["A", "B"], {(1, 0): 5, (0, 1): 4}), "loglinear", seed=1,
                         loglinear=FAST_LOGLINEAR)
    assert unbounded.as_json()["upper"] is None
    json.dumps(unbounded.as_json(), allow_nan=False)
    json.dumps(estimate(CLEAN, "lcmcr", seed=1, lcmcr=SHORT).as_json(), allow_nan=False)


def test_two_lists_through_estimate_give_lincoln_petersen() -> None:
    table = CaptureTable.from_counts(["A", "B"], {(1, 0): 60, (0, 1): 40, (1, 1): 20})
    result = estimate(table, "loglinear", seed=1, loglinear=LoglinearSettings(interval="profile"))
    assert result.estimate == pytest.approx(lincoln_petersen(table))
    assert result.lower < 240 < result.upper
    assert result.details["model"] == "[A][B] (independence)"


def test_a_fixed_model_is_used_as_given() -> None:
    result = estimate(CLEAN, "loglinear", seed=1,
                      loglinear=LoglinearSettings(replicates=100, interactions=(("A", "B"),)))
    assert result.details["model"] == "[A][B][C][D][A:B]"
    assert result.details["search"] == "fixed"


# --- guard rails: each fires on a table built for it and is silent on the clean one ---------------


def warnings_containing(table: CaptureTable, text: str) -> list[str]:
    return [w for w in table_warnings(table) if text in w]


def test_sparse_cells_warn() -> None:
    sparse = capture(120, [[0.2, 0.2, 0.2, 0.2, 0.2]], seed=1)
    assert warnings_containing(sparse, "sparse table")
    assert not warnings_containing(CLEAN, "sparse table")


def test_thin_overlap_warns() -> None:
    table = CaptureTable.from_counts("ABC", {(1, 0, 0): 80, (0, 1, 0): 70, (0, 0, 1): 60, (1, 1, 0): 2,
                                             (1, 0, 1): 30, (0, 1, 1): 25, (1, 1, 1): 0})
    assert warnings_containing(table, "lists A and B share only 2 people")
    assert not warnings_containing(CLEAN, "share only")


def test_a_list_that_overlaps_no_other_warns() -> None:
    table = CaptureTable.from_counts("ABC", {(1, 0, 0): 80, (0, 1, 0): 70, (1, 1, 0): 30, (0, 0, 1): 40})
    assert warnings_containing(table, "list C shares no one with any other list")
    assert not warnings_containing(CLEAN, "shares no one")


def test_a_list_with_no_one_the_others_lack_warns() -> None:
    table = CaptureTable.from_counts("ABC", {(1, 0, 0): 80, (0, 1, 0): 70, (1, 1, 0): 30, (1, 0, 1): 20,
                                             (0, 1, 1): 15, (1, 1, 1): 9})
    assert warnings_containing(table, "list C names no one the other lists lack")
    assert not warnings_containing(CLEAN, "names no one")


def test_a_list_naming_nobody_warns() -> None:
    table = CaptureTable.from_counts("ABC", {(1, 0, 0): 80, (0, 1, 0): 70, (1, 1, 0): 30})
    assert warnings_containing(table, "list C names nobody")


def test_non_convergence_warns() -> None:
    stuck = Diagnostics(effective_sample_size=12.0, split_rhat=1.4, geweke_z=(0.1,), draws=400, chains=2)
    found = convergence_warnings(stuck)
    assert any("R-hat 1.40" in w for w in found) and any("only 12 effective draws" in w for w in found)
    assert convergence_warnings(Diagnostics(900.0, 1.01, (0.3,), 4000, 4)) == []
    assert convergence_warnings(Diagnostics(math.nan, math.nan, (), 8, 2)) != []
    # And from a real run far too short to converge:
    result = estimate(CLEAN, "lcmcr", seed=1, lcmcr=LcmcrSettings(chains=2, burn_in=0, draws=20, thin=1))
    assert any("effective draws" in w for w in result.warnings)


def test_estimates_are_never_below_the_documented_count() -> None:
    assert floor_at_observed(100, 98.0, 90.0, 120.0)[:3] == (100, 100, 120.0)
    assert floor_at_observed(100, 110.0, 104.0, 120.0) == (110.0, 104.0, 120.0, [])
    # Lists that name nearly everyone: some bootstrap replicates fall below n, and are raised to it.
    table = capture(400, [[0.85, 0.8, 0.85]], seed=2)
    result = estimate(table, "loglinear", seed=1, loglinear=FAST_LOGLINEAR)
    assert result.lower == result.observed
    assert any("fell below the 398 documented and was raised to it" in w for w in result.warnings)
    assert result.draws.min() >= result.observed
    sampled = estimate(table, "lcmcr", seed=1, lcmcr=SHORT)
    assert min(sampled.lower, sampled.estimate, sampled.draws.min()) >= sampled.observed


def test_models_that_fit_equally_well_but_disagree_warn() -> None:
    thin = CaptureTable.from_counts("ABC", {(0, 0, 1): 28, (0, 1, 0): 11, (0, 1, 1): 2, (1, 0, 0): 26,
                                            (1, 0, 1): 3, (1, 1, 0): 4, (1, 1, 1): 1})
    result = estimate(thin, "loglinear", seed=1, loglinear=FAST_LOGLINEAR)
    assert any("fit about equally well" in w and "depends on the model" in w for w in result.warnings)
    clean = estimate(CLEAN, "loglinear", seed=1, loglinear=FAST_LOGLINEAR)
    assert not any("equally well" in w for w in clean.warnings)


def test_unbounded_estimates_warn() -> None:
    table = CaptureTable.from_counts(["A", "B"], {(1, 0): 50, (0, 1): 30})
    result = estimate(table, "loglinear", seed=1, loglinear=FAST_LOGLINEAR)
    assert result.upper == math.inf
    assert any("no finite upper end" in w for w in result.warnings)
    assert any("shares no one" in w for w in result.warnings)


def test_methods_that_disagree_warn_and_methods_that_agree_do_not() -> None:
    lcmcr = Summary("lcmcr", 2000, 1800, 2300)
    apart = method_disagreement([lcmcr, Summary("loglinear", 1200, 1100, 1300)])
    assert len(apart) == 1 and "intervals do not overlap" in apart[0] and "1.7×" in apart[0]
    ratio_only = method_disagreement([Summary("lcmcr", 3100, 1500, 6000),
                                      Summary("loglinear", 2000, 1700, 2600)])
    assert len(ratio_only) == 1 and "overlap" not in ratio_only[0] and "1.6×" in ratio_only[0]
    assert method_disagreement([lcmcr, Summary("loglinear", 1900, 1700, 2150)]) == []
    unbounded = method_disagreement([lcmcr, Summary("loglinear", math.inf, 900, math.inf)])
    assert unbounded and "unbounded" in unbounded[0]


def test_compare_methods_reads_estimates() -> None:
    made = [_estimate("lcmcr", 2000, 1800, 2300, np.zeros(1)),
            _estimate("loglinear", 1200, 1100, 1300, np.zeros(1))]
    assert len(compare_methods(made)) == 1


# --- strata ---------------------------------------------------------------------------------------


def _estimate(method: str, point: float, lower: float, upper: float, draws: np.ndarray,
              observed: int = 100, warnings: tuple[str, ...] = ()) -> Estimate:
    return Estimate(method=method, lists=("A", "B"), observed=observed, estimate=point, lower=lower,
                    upper=upper, level=0.95, warnings=warnings, details={}, draws=draws)


def test_sum_strata_sums_draws_stratum_by_stratum() -> None:
    rng = np.random.default_rng(1)
    first = rng.normal(1000, 50, 4000)
    second = rng.normal(500, 30, 4000)
    a = _estimate("lcmcr", 1000, *np.quantile(first, [0.025, 0.975]), draws=first, warnings=("thin overlap",))
    b = _estimate("lcmcr", 500, *np.quantile(second, [0.025, 0.975]), draws=second, observed=50)
    total = sum_strata([a, b], names=["2017-06", "2017-07"])
    assert np.array_equal(total.draws, first + second)
    assert total.observed == 150
    assert total.estimate == pytest.approx(float(np.median(first + second)))
    # Independent strata: the sd of the sum is sqrt(50² + 30²) ≈ 58.3, not 50 + 30.
    assert (total.upper - total.lower) / (2 * 1.96) == pytest.approx(math.hypot(50, 30), rel=0.05)
    assert total.upper - total.lower < (a.upper - a.lower) + (b.upper - b.lower)
    assert total.warnings == ("2017-06: thin overlap",)
    assert [s["name"] for s in total.details["strata"]] == ["2017-06", "2017-07"]


def test_sum_strata_covers_the_known_total() -> None:
    strata = [capture(1000, [[0.3, 0.4, 0.35]], seed=21), capture(1500, [[0.35, 0.3, 0.3]], seed=22)]
    estimates = [estimate(t, "loglinear", seed=i, loglinear=FAST_LOGLINEAR) for i, t in enumerate(strata)]
    total = sum_strata(estimates)
    assert total.lower <= 2500 <= total.upper
    assert total.estimate == pytest.approx(sum(e.estimate for e in estimates))
    assert total.observed == sum(t.observed for t in strata)


def test_sum_strata_refuses_what_cannot_be_summed() -> None:
    draws = np.ones(10)
    with pytest.raises(EstimationError, match="no strata"):
        sum_strata([])
    with pytest.raises(EstimationError, match="different methods"):
        sum_strata([_estimate("lcmcr", 1, 1, 1, draws), _estimate("loglinear", 1, 1, 1, draws)])
    with pytest.raises(EstimationError, match="numbers of draws"):
        sum_strata([_estimate("lcmcr", 1, 1, 1, draws), _estimate("lcmcr", 1, 1, 1, np.ones(5))])
    with pytest.raises(EstimationError, match="one name per stratum"):
        sum_strata([_estimate("lcmcr", 1, 1, 1, draws)], names=["a", "b"])


# --- refusals -----------------------------------------------------------------------------------


def test_estimate_refuses_bad_requests_with_a_clear_error() -> None:
    with pytest.raises(EstimationError, match="names nobody"):
        estimate(CaptureTable(("A", "B"), (), ()))
    with pytest.raises(EstimationError, match="unknown method"):
        estimate(CLEAN, "petersen")  # type: ignore[arg-type]
    with pytest.raises(EstimationError, match="level"):
        estimate(CLEAN, level=1.5)
    with pytest.raises(EstimationError, match="classes"):
        estimate(CLEAN, lcmcr=LcmcrSettings(classes=0))
    with pytest.raises(EstimationError, match="criterion"):
        estimate(CLEAN, "loglinear", loglinear=LoglinearSettings(criterion="cic"))  # type: ignore[arg-type]
    with pytest.raises(EstimationError, match="no list named"):
        estimate(CLEAN, "loglinear", loglinear=LoglinearSettings(interactions=(("A", "Z"),)))
    with pytest.raises(EstimationError, match="top-order"):
        estimate(CaptureTable.from_counts(["A", "B"], {(1, 0): 5, (0, 1): 4, (1, 1): 2}), "loglinear",
                 loglinear=LoglinearSettings(interactions=(("A", "B"),)))
