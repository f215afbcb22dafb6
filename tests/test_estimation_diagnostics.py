"""MCMC diagnostics on chains whose answer is known: independent draws, AR(1), shifted chains."""

from __future__ import annotations

import math

import numpy as np
import pytest

from civharm.analysis.estimation import diagnose, effective_sample_size, geweke_z, split_rhat


def ar1(phi: float, chains: int, draws: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(chains, draws))
    out = np.empty_like(noise)
    out[:, 0] = noise[:, 0] / math.sqrt(1 - phi**2)
    for t in range(1, draws):
        out[:, t] = phi * out[:, t - 1] + noise[:, t]
    return out


def test_independent_draws_are_worth_about_their_number() -> None:
    draws = np.random.default_rng(1).normal(size=(4, 2000))
    assert effective_sample_size(draws) == pytest.approx(8000, rel=0.12)
    assert split_rhat(draws) == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("phi", [0.5, 0.9])
def test_ar1_chains_have_the_known_effective_size(phi: float) -> None:
    # For AR(1), the integrated autocorrelation time is (1 + phi) / (1 - phi).
    draws = ar1(phi, chains=4, draws=20_000, seed=2)
    expected = draws.size * (1 - phi) / (1 + phi)
    assert effective_sample_size(draws) == pytest.approx(expected, rel=0.15)
    assert split_rhat(draws) < 1.01


def test_chains_that_disagree_have_a_large_rhat() -> None:
    draws = np.random.default_rng(3).normal(size=(4, 1000))
    draws[0] += 1.0
    assert split_rhat(draws) > 1.1


def test_a_drifting_single_chain_is_caught_by_split_rhat_and_geweke() -> None:
    rng = np.random.default_rng(4)
    chain = rng.normal(size=2000) + np.linspace(0, 3, 2000)
    assert split_rhat(chain) > 1.1
    assert abs(geweke_z(chain)) > 5


def test_geweke_z_is_roughly_standard_normal_on_stationary_chains() -> None:
    zs = np.array([geweke_z(chain) for chain in ar1(0.5, 200, 2000, seed=6)])
    assert abs(zs.mean()) < 0.2
    assert zs.std() == pytest.approx(1.0, abs=0.2)
    assert np.mean(np.abs(zs) > 1.96) < 0.10


def test_constant_chains() -> None:
    same = np.full((2, 100), 7.0)
    assert split_rhat(same) == 1.0
    assert effective_sample_size(same) == 200
    apart = np.vstack([np.full(100, 7.0), np.full(100, 8.0)])
    assert split_rhat(apart) == math.inf
    assert geweke_z(np.full(100, 3.0)) == 0.0


def test_diagnose_collects_everything_and_serialises() -> None:
    result = diagnose(ar1(0.3, 2, 500, 5))
    assert result.chains == 2 and result.draws == 1000
    assert len(result.geweke_z) == 2
    as_json = result.as_json()
    assert set(as_json) == {"effective_sample_size", "split_rhat", "geweke_z", "draws", "chains"}


def test_too_short_chains_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 4 draws"):
        effective_sample_size([1.0, 2.0])
