"""The latent-class sampler against an exact posterior and against simulated populations of known N."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.special import betaln, gammaln

from civharm.analysis.estimation import (
    CaptureTable,
    LcmcrSettings,
    estimate,
    profile_interval,
    sample_lcmcr,
)
from civharm.analysis.estimation.lcmcr import DEFAULT_LCMCR, LcmcrError
from test_estimation_loglinear import capture

SHORT = LcmcrSettings(chains=2, burn_in=100, draws=200, thin=1)


def exact_one_class_posterior(table: CaptureTable, a: float = 1.0,
                              b: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """With one class, λ_j ~ Beta(a, b) and p(N) ∝ 1/N, the posterior of N is known in closed form:
    p(N | data) ∝ (1/N) · N!/(N − n)! · Π_j B(a + n_j, b + N − n_j)."""
    n = table.observed
    population = np.arange(n, 30 * n)
    log_post = -np.log(population) + gammaln(population + 1) - gammaln(population - n + 1)
    for on_list in table.list_totals:
        log_post += betaln(a + on_list, b + population - on_list)
    weights = np.exp(log_post - log_post.max())
    return population, weights / weights.sum()


@pytest.mark.parametrize(("a", "b"), [(1.0, 1.0), (0.5, 1.0)])
def test_one_class_sampler_matches_the_exact_posterior(a: float, b: float) -> None:
    table = capture(1000, [[0.2, 0.3, 0.25]], seed=5)
    population, posterior = exact_one_class_posterior(table, a, b)
    cdf = np.cumsum(posterior)
    exact = [population[np.searchsorted(cdf, q)] for q in (0.025, 0.5, 0.975)]
    settings = LcmcrSettings(classes=1, chains=2, burn_in=200, draws=5000, thin=1, capture_a=a, capture_b=b)
    samples = sample_lcmcr(table, settings, seed=3)
    drawn = np.quantile(samples.population, [0.025, 0.5, 0.975])
    assert drawn[1] == pytest.approx(exact[1], rel=0.01)
    assert drawn[0] == pytest.approx(exact[0], rel=0.015)
    assert drawn[2] == pytest.approx(exact[2], rel=0.015)
    assert samples.population.mean() == pytest.approx(float(population @ posterior), rel=0.01)


def test_heterogeneous_population_is_covered_where_independence_is_biased_low() -> None:
    # Two latent classes: 40% easy to record, 60% hard. Lists are independent within a class, so
    # the independence model is biased low; the latent-class model is built for this case.
    truth = 2000
    for seed in (1, 2):
        table = capture(truth, [[0.6, 0.5, 0.55, 0.4], [0.2, 0.15, 0.25, 0.2]], seed=seed, shares=[0.4, 0.6])
        result = estimate(table, "lcmcr", seed=seed)
        assert result.lower <= truth <= result.upper, (seed, result.lower, result.upper)
        assert abs(result.estimate / truth - 1) < 0.1
        _, independence, independence_upper = profile_interval(table)
        assert independence_upper < truth
        assert abs(result.estimate - truth) < abs(independence - truth)


def test_seeded_runs_are_reproducible_bit_for_bit() -> None:
    table = capture(800, [[0.3, 0.4, 0.35, 0.3]], seed=1)
    first = sample_lcmcr(table, SHORT, seed=42)
    again = sample_lcmcr(table, SHORT, seed=42)
    other = sample_lcmcr(table, SHORT, seed=43)
    assert np.array_equal(first.population, again.population)
    assert np.array_equal(first.alpha, again.alpha)
    assert not np.array_equal(first.population, other.population)
    assert first.population.shape == (2, 200)


def test_the_default_capture_prior_is_beta_half_one_bit_for_bit() -> None:
    table = capture(900, [[0.6, 0.5, 0.55, 0.4], [0.2, 0.15, 0.25, 0.2]], seed=3, shares=[0.4, 0.6])
    default = sample_lcmcr(table, SHORT, seed=11)
    leaning = sample_lcmcr(table, replace(SHORT, capture_a=0.5, capture_b=1.0), seed=11)
    uniform = sample_lcmcr(table, replace(SHORT, capture_a=1.0, capture_b=1.0), seed=11)
    assert np.array_equal(default.population, leaning.population)
    assert np.array_equal(default.alpha, leaning.alpha)
    assert np.array_equal(default.classes_used, leaning.classes_used)
    assert not np.array_equal(default.population, uniform.population)
    assert SHORT.as_json()["capture_prior"] == {"a": 0.5, "b": 1.0}


def test_the_leaning_prior_puts_the_estimate_above_the_flat_one_on_a_hard_to_reach_class() -> None:
    # Half the people are hard to reach on every list: the flat prior reads them as a smaller,
    # easier class (docs/estimation-validation.md), Beta(0.5, 1) leaves more room for them.
    table = capture(3000, [[0.5, 0.45, 0.5, 0.4, 0.45], [0.1, 0.15, 0.1, 0.12, 0.08]], seed=6,
                    shares=[0.5, 0.5])
    flat = estimate(table, "lcmcr", seed=2, lcmcr=replace(DEFAULT_LCMCR, capture_a=1.0, capture_b=1.0))
    leaning = estimate(table, "lcmcr", seed=2)
    assert leaning.estimate > flat.estimate
    assert leaning.upper - leaning.lower > flat.upper - flat.lower
    assert leaning.details["settings"]["capture_prior"] == {"a": 0.5, "b": 1.0}


def test_draws_are_never_below_the_observed_count() -> None:
    # Lists that name almost everyone: the unseen are few, and N can only be n plus them.
    table = capture(500, [[0.95, 0.9, 0.92]], seed=4)
    samples = sample_lcmcr(table, SHORT, seed=1)
    assert samples.population.min() >= table.observed
    result = estimate(table, "lcmcr", seed=1, lcmcr=SHORT)
    assert result.lower >= result.observed and result.estimate >= result.observed


def test_thinning_keeps_every_thin_th_sweep() -> None:
    table = capture(600, [[0.3, 0.4, 0.35]], seed=9)
    thinned = sample_lcmcr(table, LcmcrSettings(chains=1, burn_in=10, draws=50, thin=3), seed=5)
    assert thinned.population.shape == (1, 50)
    assert thinned.classes_used.max() <= 10


def test_a_run_that_fails_the_diagnostics_is_lengthened_and_keeps_its_shape() -> None:
    # Far too short to converge: 2 chains of 20 kept sweeps cannot give 100 effective draws.
    table = capture(900, [[0.6, 0.5, 0.55, 0.4], [0.2, 0.15, 0.25, 0.2]], seed=3, shares=[0.4, 0.6])
    short = LcmcrSettings(chains=2, burn_in=20, draws=20, thin=1)
    once = sample_lcmcr(table, short, seed=7)
    assert once.extensions == 0 and once.sweeps == 40
    lengthened = sample_lcmcr(table, LcmcrSettings(chains=2, burn_in=20, draws=20, thin=1, extend=2), seed=7)
    assert lengthened.extensions == 2 and lengthened.sweeps == 80
    assert lengthened.population.shape == (2, 20)
    # The same seed gives the same first sweeps, and the lengthened run is reproducible.
    again = sample_lcmcr(table, LcmcrSettings(chains=2, burn_in=20, draws=20, thin=1, extend=2), seed=7)
    assert np.array_equal(lengthened.population, again.population)


def test_a_run_that_passes_the_diagnostics_is_not_lengthened() -> None:
    table = capture(800, [[0.5, 0.5, 0.5]], seed=2)
    settings = LcmcrSettings(classes=1, chains=4, burn_in=200, draws=1000, thin=2, extend=2)
    samples = sample_lcmcr(table, settings, seed=1)
    assert samples.extensions == 0 and samples.sweeps == 2200


@pytest.mark.parametrize(
    "settings",
    [LcmcrSettings(classes=0), LcmcrSettings(chains=0), LcmcrSettings(draws=0), LcmcrSettings(thin=0),
     LcmcrSettings(burn_in=-1), LcmcrSettings(alpha_rate=0), LcmcrSettings(extend=-1),
     LcmcrSettings(capture_a=0), LcmcrSettings(capture_b=-1.0), LcmcrSettings(capture_a=float("nan"))],
)
def test_bad_settings_are_refused(settings: LcmcrSettings) -> None:
    table = capture(300, [[0.4, 0.4, 0.4]], seed=1)
    with pytest.raises(LcmcrError):
        sample_lcmcr(table, settings)


def test_an_empty_table_is_refused() -> None:
    with pytest.raises(LcmcrError, match="names nobody"):
        sample_lcmcr(CaptureTable(("A", "B"), (), ()))
