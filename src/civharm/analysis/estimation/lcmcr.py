"""Bayesian non-parametric latent-class capture–recapture (LCMCR; Manrique-Vallier 2016).

Estimates the population size N from a capture table under the assumption that people fall into
latent classes: inside a class lists capture independently, but each class has its own capture
probabilities, so people who are easy (or hard) to record for one list tend to be so for the
others. This absorbs capture heterogeneity, the usual cause of log-linear estimates biased low.
What it cannot absorb is direct dependence between lists within a class (one list copying
another), and it reads a large group of people seen on a single list as a hard-to-reach class,
which can push N well above a log-linear estimate.

Model (truncated at K classes): weights π by stick-breaking with concentration α ~ Gamma(0.25,
0.25) (shape, rate); λ_jk ~ Beta(1, 1), the chance that list j names a person of class k; and
p(N) ∝ 1/N. One Gibbs sweep allocates the observed people to classes, updates the capture
probabilities, the weights, the unseen count n0 (drawn from its exact negative-binomial full
conditional), the unseen people's classes and α, as in the R package LCMCR. It works on the
compressed table — one row per observed pattern with its count — so a sweep costs about the same
for a hundred people or a hundred thousand. The chains advance together in one vectorised sweep
from one generator, so a run is reproduced exactly by the same table, settings and seed.

Mixing is slow: successive draws of N are strongly correlated (integrated autocorrelation times
of 50–300 sweeps on typical four-list tables, far more on weakly identified three-list ones),
which is why the R package thins by 100. The defaults (4 chains × (1,000 burn-in + 8,000
sweeps), one draw kept in 8) buy an effective sample of one to a few hundred in a few seconds;
the diagnostics say when that is not enough, and :data:`THOROUGH` (five times longer) is for a
figure that will be published.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from civharm.analysis.estimation.capture import CaptureTable

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Keeps log π and 1 − p0 away from exact zeros, which would stall the chain (α → 0) or
# overflow the negative binomial. The cap on N this implies is a billion times the observed.
_TINY = 1e-12
_MIN_SEEN = 1e-9


class LcmcrError(ValueError):
    """The sampler cannot run on this table or with these settings; the message says why."""


@dataclass(frozen=True, slots=True)
class LcmcrSettings:
    """How long to sample. Draws are kept per chain: chains × draws in all."""

    classes: int = 10
    chains: int = 4
    burn_in: int = 1000
    draws: int = 1000
    thin: int = 8
    alpha_shape: float = 0.25
    alpha_rate: float = 0.25

    def problems(self) -> list[str]:
        found = []
        for name in ("classes", "chains", "draws", "thin"):
            if getattr(self, name) < 1:
                found.append(f"{name} must be at least 1")
        if self.burn_in < 0:
            found.append("burn_in must not be negative")
        if self.alpha_shape <= 0 or self.alpha_rate <= 0:
            found.append("the Gamma prior on alpha needs a positive shape and rate")
        return found

    def as_json(self) -> dict[str, object]:
        return {
            "classes": self.classes, "chains": self.chains, "burn_in": self.burn_in,
            "draws": self.draws, "thin": self.thin,
            "alpha_prior": {"shape": self.alpha_shape, "rate": self.alpha_rate},
        }


DEFAULT_LCMCR = LcmcrSettings()
# About five times the default run: for a figure that will be published.
THOROUGH = LcmcrSettings(chains=4, burn_in=5000, draws=2500, thin=16)


@dataclass(frozen=True, slots=True)
class LcmcrSamples:
    """Posterior draws: ``population`` and ``alpha`` are (chains × draws); ``classes_used``
    counts, per draw, the latent classes holding at least one person."""

    population: IntArray
    alpha: FloatArray
    classes_used: IntArray
    observed: int
    settings: LcmcrSettings


def sample_lcmcr(table: CaptureTable, settings: LcmcrSettings = DEFAULT_LCMCR,
                 seed: int | np.random.SeedSequence = 0) -> LcmcrSamples:
    """Run ``settings.chains`` Gibbs chains on the table and return the kept draws."""
    problems = settings.problems()
    if table.observed == 0:
        problems.append("the table names nobody")
    if problems:
        raise LcmcrError("; ".join(problems))
    population, alpha, used = _run_chains(table, settings, np.random.default_rng(seed))
    return LcmcrSamples(population=population, alpha=alpha, classes_used=used,
                        observed=table.observed, settings=settings)


def _log_normalise(log_weights: FloatArray) -> FloatArray:
    """Probabilities along the last axis from log weights, without underflow."""
    shifted = np.exp(log_weights - log_weights.max(axis=-1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=-1, keepdims=True), dtype=np.float64)


def _betas(rng: np.random.Generator, a: FloatArray, b: FloatArray) -> FloatArray:
    """Beta(a, b) draws as G_a / (G_a + G_b), from one gamma call: numpy's per-call overhead,
    not the arithmetic, is what a sweep on a small table spends its time on."""
    gammas = rng.standard_gamma(np.concatenate([a, b]))
    half = len(a)
    draws = gammas[:half] / (gammas[:half] + gammas[half:])
    return np.asarray(np.clip(draws, _TINY, 1.0 - _TINY), dtype=np.float64)


def _run_chains(table: CaptureTable, settings: LcmcrSettings, rng: np.random.Generator,
                ) -> tuple[IntArray, FloatArray, IntArray]:
    """All chains advance together: every array carries the chain as its first axis, so one
    numpy call serves every chain and the per-call overhead is paid once per sweep."""
    x = table.pattern_array().astype(np.float64)           # patterns × lists
    counts = table.count_array()                            # patterns
    n = int(counts.sum())
    chains, classes = settings.chains, settings.classes
    lists = x.shape[1]
    a_alpha, b_alpha = settings.alpha_shape, settings.alpha_rate
    zeros = np.zeros((chains, 1))
    capture_size = chains * lists * classes

    # Start anywhere in the prior's support: equal weights, capture probabilities in (0.05, 0.95)
    # and nobody unseen; burn-in forgets the start.
    alpha = np.ones(chains)
    capture = rng.uniform(0.05, 0.95, size=(chains, lists, classes))
    log_weight = np.full((chains, classes), -np.log(classes))
    unseen_by_class = np.zeros((chains, classes), dtype=np.int64)

    kept = settings.draws
    population = np.empty((chains, kept), dtype=np.int64)
    alphas = np.empty((chains, kept))
    used = np.empty((chains, kept), dtype=np.int64)
    for sweep in range(settings.burn_in + kept * settings.thin):
        # 1. Allocate each observed pattern's people to classes.
        log_capture = np.log(capture)
        log_escape = np.log1p(-capture)
        log_pattern = x @ (log_capture - log_escape) + log_escape.sum(axis=1)[:, None, :]
        allocation = rng.multinomial(counts, _log_normalise(log_pattern + log_weight[:, None, :]))
        seen_by_class = allocation.sum(axis=1)                               # chains × classes
        on_list = x.T @ allocation                                           # chains × lists × classes
        class_size = seen_by_class + unseen_by_class

        # 2. Capture probabilities (the unseen count as "not on the list") and 3. the sticks
        # behind the class weights. Given the class sizes they are independent: one draw serves.
        after = np.cumsum(class_size[:, ::-1], axis=1)[:, ::-1]              # class k and later
        betas = _betas(
            rng,
            np.concatenate([(1.0 + on_list).ravel(), (1.0 + class_size[:, :-1]).ravel()]),
            np.concatenate([(1.0 + class_size[:, None, :] - on_list).ravel(),
                            (alpha[:, None] + after[:, 1:]).ravel()]),
        )
        capture = betas[:capture_size].reshape(chains, lists, classes)
        sticks = betas[capture_size:].reshape(chains, classes - 1)
        # Class weights from the sticks, on the log scale.
        log_weight = (np.concatenate([np.log(sticks), zeros], axis=1)
                      + np.concatenate([zeros, np.cumsum(np.log1p(-sticks), axis=1)], axis=1))

        # 4. The unseen: failures before n successes, success being "named by some list".
        log_unseen = log_weight + np.log1p(-capture).sum(axis=1)
        top = log_unseen.max(axis=1)
        log_p0 = top + np.log(np.exp(log_unseen - top[:, None]).sum(axis=1))
        unseen = rng.negative_binomial(n, np.maximum(-np.expm1(log_p0), _MIN_SEEN))

        # 5. Allocate the unseen to classes.
        unseen_by_class = rng.multinomial(unseen, _log_normalise(log_unseen))

        # 6. Concentration (numpy's gamma takes a scale, the inverse of the rate).
        alpha = rng.gamma(a_alpha + classes - 1, 1.0 / (b_alpha - log_weight[:, -1]))

        kept_index, offset = divmod(sweep - settings.burn_in, settings.thin)
        if sweep >= settings.burn_in and offset == settings.thin - 1:
            population[:, kept_index] = n + unseen
            alphas[:, kept_index] = alpha
            used[:, kept_index] = np.count_nonzero(seen_by_class + unseen_by_class, axis=1)
    return population, alphas, used
