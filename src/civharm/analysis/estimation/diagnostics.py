"""Convergence diagnostics for Markov chain Monte Carlo draws of one quantity.

* :func:`effective_sample_size` — how many independent draws the chains are worth: the
  multi-chain estimator of Gelman et al. (BDA3, §11.5) with Geyer's initial monotone sequence to
  truncate the autocorrelations.
* :func:`split_rhat` — the potential scale reduction factor on chains split in halves, so a
  chain that drifts is caught even when there is one chain (BDA3, §11.4). Near 1 is good; above
  1.1 the chains have not mixed.
* :func:`geweke_z` — compares the mean of the first 10 % of one chain with that of the last 50 %,
  each with its autocorrelation-corrected standard error (Geweke 1992). Roughly standard normal
  when the chain is stationary.

All assume the draws are finite numbers; constant chains are handled explicitly (they are
converged when all chains agree on the constant, and not when they disagree).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Diagnostics:
    """The diagnostics of one quantity (here, N) over all chains."""

    effective_sample_size: float
    split_rhat: float
    geweke_z: tuple[float, ...]
    draws: int
    chains: int

    def as_json(self) -> dict[str, object]:
        return {
            "effective_sample_size": _json_number(self.effective_sample_size),
            "split_rhat": _json_number(self.split_rhat),
            "geweke_z": [_json_number(z) for z in self.geweke_z],
            "draws": self.draws,
            "chains": self.chains,
        }


def _json_number(value: float) -> float | None:
    return round(value, 4) if math.isfinite(value) else None


def _as_chains(draws: npt.ArrayLike) -> FloatArray:
    chains = np.asarray(draws, dtype=np.float64)
    if chains.ndim == 1:
        chains = chains[None, :]
    if chains.ndim != 2 or chains.shape[1] < 4:
        raise ValueError("diagnostics need a (chains × draws) array with at least 4 draws per chain")
    return chains


def _autocovariance(chain: FloatArray) -> FloatArray:
    """Biased autocovariances at every lag, by FFT."""
    n = len(chain)
    centred = chain - chain.mean()
    size = 1 << (2 * n - 1).bit_length()
    spectrum = np.fft.rfft(centred, size)
    return np.asarray(np.fft.irfft(spectrum * np.conj(spectrum), size)[:n] / n, dtype=np.float64)


def effective_sample_size(draws: npt.ArrayLike) -> float:
    """Effective number of independent draws in a (chains × draws) array (or one chain)."""
    chains = _as_chains(draws)
    m, n = chains.shape
    if np.all(chains == chains[0, 0]):
        return float(m * n)
    acov = np.array([_autocovariance(c) for c in chains])
    within = float(np.mean(acov[:, 0] * n / (n - 1)))
    means = chains.mean(axis=1)
    between_part = float(np.var(means, ddof=1)) if m > 1 else 0.0
    var_plus = within * (n - 1) / n + between_part
    if var_plus <= 0:
        return float(m * n)
    rho = 1.0 - (within - np.mean(acov, axis=0)) / var_plus
    rho[0] = 1.0
    # Geyer: sum autocorrelations in pairs while the pair sums stay positive, and force them to
    # decrease, which keeps the estimate from being inflated by noise in the far tail.
    pair_sums: list[float] = []
    for t in range(0, n - 1, 2):
        pair = rho[t] + rho[t + 1]
        if pair <= 0:
            break
        pair_sums.append(min(pair, pair_sums[-1]) if pair_sums else pair)
    tau = -1.0 + 2.0 * sum(pair_sums) if pair_sums else 1.0
    # Antithetic chains can make tau tiny; cap the gain at log10(draws) times the draws, as Stan does.
    tau = max(tau, 1.0 / math.log10(m * n))
    return float(m * n / tau)


def split_rhat(draws: npt.ArrayLike) -> float:
    """Split R-hat of a (chains × draws) array (or one chain)."""
    chains = _as_chains(draws)
    half = chains.shape[1] // 2
    halves = np.concatenate([chains[:, :half], chains[:, -half:]], axis=0)
    variances = halves.var(axis=1, ddof=1)
    means = halves.mean(axis=1)
    within = float(variances.mean())
    between = float(half * means.var(ddof=1))
    if within == 0:
        return 1.0 if between == 0 else math.inf
    var_plus = (half - 1) / half * within + between / half
    return math.sqrt(var_plus / within)


def geweke_z(chain: npt.ArrayLike, first: float = 0.1, last: float = 0.5) -> float:
    """Geweke's z for one chain: the early mean against the late mean, in standard errors."""
    draws = np.asarray(chain, dtype=np.float64).ravel()
    if not 0 < first < 1 or not 0 < last < 1 or first + last > 1:
        raise ValueError("first and last must be fractions of the chain that do not overlap")
    early = draws[: max(int(first * len(draws)), 4)]
    late = draws[len(draws) - max(int(last * len(draws)), 4):]
    if len(early) + len(late) > len(draws):
        raise ValueError("the chain is too short for Geweke's test")
    error2 = 0.0
    for part in (early, late):
        variance = float(part.var(ddof=1))
        if variance > 0:
            error2 += variance / effective_sample_size(part)
    difference = float(early.mean() - late.mean())
    if error2 == 0:
        return 0.0 if difference == 0 else math.copysign(math.inf, difference)
    return difference / math.sqrt(error2)


def diagnose(draws: npt.ArrayLike) -> Diagnostics:
    """All three diagnostics for a (chains × draws) array."""
    chains = _as_chains(draws)
    return Diagnostics(
        effective_sample_size=effective_sample_size(chains),
        split_rhat=split_rhat(chains),
        geweke_z=tuple(geweke_z(c) for c in chains),
        draws=int(chains.size),
        chains=int(chains.shape[0]),
    )
