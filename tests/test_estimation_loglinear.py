"""Log-linear MSE against closed forms, an independent optimiser and simulations with known N."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize
from scipy.special import gammaln

from civharm.analysis.estimation import (
    CaptureTable,
    LoglinearModel,
    bootstrap_estimates,
    chapman,
    fit_loglinear,
    lincoln_petersen,
    profile_interval,
    select_model,
)
from civharm.analysis.estimation.capture import all_patterns
from civharm.analysis.estimation.loglinear import (
    LoglinearError,
    all_models,
    design_matrix,
    profile_log_likelihood,
)


def capture(population: int, probabilities: list[list[float]], seed: int,
            shares: list[float] | None = None) -> CaptureTable:
    """Simulate lists capturing a population of known size; rows of ``probabilities`` are
    latent classes (one row: homogeneous), columns are lists."""
    rng = np.random.default_rng(seed)
    p = np.asarray(probabilities)
    weights = np.full(len(p), 1 / len(p)) if shares is None else np.asarray(shares)
    classes = rng.choice(len(p), size=population, p=weights)
    seen = rng.random((population, p.shape[1])) < p[classes]
    seen = seen[seen.any(axis=1)].astype(int)
    patterns, counts = np.unique(seen, axis=0, return_counts=True)
    names = [chr(ord("A") + j) for j in range(p.shape[1])]
    return CaptureTable.from_counts(names, {tuple(map(int, r)): int(c) for r, c in zip(patterns, counts,
                                                                                       strict=True)})


TWO = CaptureTable.from_counts(["A", "B"], {(1, 0): 60, (0, 1): 40, (1, 1): 20})


# --- closed forms -------------------------------------------------------------------------------


def test_two_lists_under_independence_give_lincoln_petersen_exactly() -> None:
    fit = fit_loglinear(TWO)
    assert lincoln_petersen(TWO) == 80 * 60 / 20
    assert fit.estimate == pytest.approx(240.0, rel=1e-9)
    assert fit.unseen == pytest.approx(60 * 40 / 20, rel=1e-9)
    assert fit.bounded and fit.converged


def test_chapman() -> None:
    assert chapman(TWO) == pytest.approx(81 * 61 / 21 - 1)
    empty_overlap = CaptureTable.from_counts(["A", "B"], {(1, 0): 5, (0, 1): 7})
    assert chapman(empty_overlap) == pytest.approx(6 * 8 - 1)
    assert lincoln_petersen(empty_overlap) == math.inf


def test_three_lists_under_independence_solve_darrochs_equation() -> None:
    # The MLE of N for independent lists satisfies prod_j (1 - n_j/N) = 1 - n/N (Darroch 1958).
    table = capture(1000, [[0.3, 0.4, 0.35]], seed=7)
    n = table.observed
    totals = table.list_totals

    def darroch(population: float) -> float:
        return math.prod(1 - t / population for t in totals) - (1 - n / population)

    expected = optimize.brentq(darroch, n + 1e-6, 100 * n)
    assert fit_loglinear(table).estimate == pytest.approx(expected, rel=1e-8)


def test_three_lists_with_every_pairwise_term_give_the_cross_ratio() -> None:
    # With all two-way terms and no three-way term, n0 = y100 y010 y001 y111 / (y110 y101 y011).
    table = capture(1500, [[0.3, 0.4, 0.35]], seed=3)
    y = {p: table.count(p) for p in table.patterns}
    unseen = (y[(1, 0, 0)] * y[(0, 1, 0)] * y[(0, 0, 1)] * y[(1, 1, 1)]
              / (y[(1, 1, 0)] * y[(1, 0, 1)] * y[(0, 1, 1)]))
    fit = fit_loglinear(table, [("A", "B"), ("A", "C"), ("B", "C")])
    assert fit.unseen == pytest.approx(unseen, rel=1e-8)
    assert fit.residual_df == 0


def test_irls_matches_scipy_maximum_likelihood() -> None:
    table = capture(3000, [[0.3, 0.45, 0.25, 0.4], [0.1, 0.2, 0.1, 0.15]], seed=11)
    model_pairs = [("A", "B"), ("B", "C"), ("A", "D")]
    fit = fit_loglinear(table, model_pairs)
    x_full = design_matrix(4)
    columns = [0, 1, 2, 3, 4] + [5 + k for k, pair in enumerate(
        [(i, j) for i in range(4) for j in range(i + 1, 4)]) if pair in {(0, 1), (1, 2), (0, 3)}]
    x = x_full[:, columns]
    y = table.full_counts().astype(float)

    def negative_log_likelihood(beta: np.ndarray) -> float:
        eta = x @ beta
        return float(np.sum(np.exp(eta)) - y @ eta + gammaln(y + 1).sum())

    def gradient(beta: np.ndarray) -> np.ndarray:
        return x.T @ (np.exp(x @ beta) - y)

    def hessian(beta: np.ndarray) -> np.ndarray:
        return x.T @ (np.exp(x @ beta)[:, None] * x)

    start = np.zeros(len(columns))
    start[0] = math.log(y.mean())
    best = optimize.minimize(negative_log_likelihood, start, jac=gradient, hess=hessian,
                             method="trust-exact", options={"gtol": 1e-9})
    # Stopped at the optimum (scipy may call that "no predicted improvement"): the score is zero.
    assert np.abs(gradient(best.x)).max() < 1e-6
    assert fit.log_likelihood == pytest.approx(-best.fun, abs=1e-6)
    assert fit.unseen == pytest.approx(math.exp(best.x[0]), rel=1e-5)
    assert fit.aic == pytest.approx(2 * best.fun + 2 * len(columns), abs=1e-5)
    assert fit.bic == pytest.approx(2 * best.fun + len(columns) * math.log(table.observed), abs=1e-5)


def test_profile_interval_matches_the_closed_form_profile_for_two_lists() -> None:
    n1, n2 = TWO.list_totals
    n = TWO.observed

    def closed(population: float) -> float:
        # Multinomial log-likelihood with p1 = n1/N and p2 = n2/N, the MLEs for fixed N.
        value = gammaln(population + 1) - gammaln(population - n + 1)
        for seen in (n1, n2):
            share = seen / population
            value += seen * math.log(share) + (population - seen) * math.log(1 - share)
        return float(value)

    peak = optimize.minimize_scalar(lambda v: -closed(v), bounds=(n, 10 * n), method="bounded",
                                    options={"xatol": 1e-8})
    top = -peak.fun
    cut = top - 0.5 * 3.841458820694124
    lower = optimize.brentq(lambda v: closed(v) - cut, n, peak.x)
    upper = optimize.brentq(lambda v: closed(v) - cut, peak.x, 100 * n)
    ours = profile_interval(TWO)
    assert ours[0] == pytest.approx(lower, abs=0.05)
    assert ours[1] == pytest.approx(peak.x, abs=0.05)
    assert ours[2] == pytest.approx(upper, abs=0.05)
    # And the profile log-likelihood itself differs from the closed form by a constant only.
    offsets = [profile_log_likelihood(TWO, LoglinearModel(), v) - closed(v) for v in (200.0, 240.0, 330.0)]
    assert max(offsets) - min(offsets) == pytest.approx(0, abs=1e-6)


def test_every_model_is_hierarchical_and_never_has_the_top_order_term() -> None:
    assert all_models(2) == [LoglinearModel()]
    assert len(all_models(3)) == 8
    assert len(all_models(4)) == 64
    with pytest.raises(LoglinearError, match="top-order"):
        fit_loglinear(TWO, [("A", "B")])
    with pytest.raises(LoglinearError, match="no list named"):
        fit_loglinear(capture(500, [[0.5, 0.5, 0.5]], 1), [("A", "Z")])


def test_a_list_pair_with_no_overlap_gives_an_unbounded_estimate() -> None:
    table = CaptureTable.from_counts(["A", "B"], {(1, 0): 50, (0, 1): 30})
    fit = fit_loglinear(table)
    assert not fit.bounded
    low, _, high = profile_interval(table)
    assert low == 80 and high == math.inf


# --- simulations with known N -------------------------------------------------------------------


def test_independent_lists_profile_interval_covers_the_truth() -> None:
    truth = 1000
    covered = 0
    estimates = []
    for seed in range(20):
        table = capture(truth, [[0.3, 0.4, 0.35]], seed=seed)
        low, _, high = profile_interval(table)
        covered += low <= truth <= high
        estimates.append(fit_loglinear(table).estimate)
    assert covered >= 18
    assert abs(np.mean(estimates) / truth - 1) < 0.02


def test_selection_finds_a_planted_dependence_and_corrects_the_estimate() -> None:
    # List B copies many of A's names: a positive A:B dependence, which biases independence low.
    rng = np.random.default_rng(5)
    truth = 3000
    on = rng.random((truth, 4)) < np.array([0.3, 0.15, 0.3, 0.35])
    on[:, 1] |= on[:, 0] & (rng.random(truth) < 0.6)
    seen = on[on.any(axis=1)].astype(int)
    patterns, counts = np.unique(seen, axis=0, return_counts=True)
    table = CaptureTable.from_counts("ABCD", {tuple(map(int, p)): int(c) for p, c in zip(patterns, counts,
                                                                                       strict=True)})
    selection = select_model(table, "aic")
    assert (0, 1) in selection.best.model.interactions
    independence = fit_loglinear(table)
    assert independence.estimate < 0.95 * truth
    assert abs(selection.best.estimate / truth - 1) < 0.05
    assert select_model(table, "bic").best.model.interactions >= {(0, 1)}


def test_stepwise_search_beyond_five_lists_finds_the_planted_dependence() -> None:
    rng = np.random.default_rng(8)
    truth = 4000
    on = rng.random((truth, 6)) < np.array([0.3, 0.2, 0.3, 0.25, 0.2, 0.3])
    on[:, 3] |= on[:, 2] & (rng.random(truth) < 0.7)
    seen = on[on.any(axis=1)].astype(int)
    patterns, counts = np.unique(seen, axis=0, return_counts=True)
    table = CaptureTable.from_counts("ABCDEF", {tuple(map(int, p)): int(c) for p, c in zip(patterns, counts,
                                                                                         strict=True)})
    selection = select_model(table, "bic")
    assert not selection.exhaustive
    assert (2, 3) in selection.best.model.interactions
    assert abs(selection.best.estimate / truth - 1) < 0.05


def test_bootstrap_is_reproducible_and_covers_the_truth() -> None:
    truth = 1500
    table = capture(truth, [[0.35, 0.3, 0.4]], seed=2)
    first = bootstrap_estimates(table, replicates=200, seed=9)
    again = bootstrap_estimates(table, replicates=200, seed=9)
    other = bootstrap_estimates(table, replicates=200, seed=10)
    assert np.array_equal(first.draws, again.draws)
    assert not np.array_equal(first.draws, other.draws)
    low, high = np.quantile(first.draws, [0.025, 0.975])
    assert low <= truth <= high
    assert sum(first.chosen.values()) + first.unbounded == 200
    assert first.unbounded == 0


def test_all_patterns_is_the_binary_count() -> None:
    rows = all_patterns(3)
    assert rows.shape == (7, 3)
    assert [int("".join(map(str, r[::-1])), 2) for r in rows] == list(range(1, 8))
