"""Bayesian non-parametric latent-class capture–recapture (LCMCR; Manrique-Vallier 2016).

Estimates the population size N from a capture table under the assumption that people fall into
latent classes: inside a class lists capture independently, but each class has its own capture
probabilities, so people who are easy (or hard) to record for one list tend to be so for the
others. This absorbs capture heterogeneity, the usual cause of log-linear estimates biased low.
What it cannot absorb is direct dependence between lists within a class (one list copying
another), and it reads a large group of people seen on a single list as a hard-to-reach class,
which can push N well above a log-linear estimate.

Model (truncated at K classes): weights π by stick-breaking with concentration α ~ Gamma(0.25,
0.25) (shape, rate); λ_jk ~ Beta(a, b), the chance that list j names a person of class k, with
a = 0.5 and b = 1 unless ``capture_a`` and ``capture_b`` say otherwise; and p(N) ∝ 1/N. One
Gibbs sweep allocates the observed people to classes, draws the unseen count n0 from its exact
negative-binomial full conditional and splits it over the classes, then draws the capture
probabilities, the weights and α, as in the R package LCMCR. It works on the compressed
table — one row per observed pattern with its count — so a sweep costs about the same for a
hundred people or a hundred thousand. All chains advance together in one vectorised sweep from
one generator, so a run is reproduced exactly by the same table, settings and seed.

Speed and mixing. numpy's per-call overhead, not the arithmetic, is most of a sweep's cost on a
small table, so the default runs eight chains at once: a chain-sweep then costs about half of what
it costs with four, and most of what is left is drawing the allocation (one binomial per
pattern, class and chain). Mixing is slow and is a property of the Gibbs sampler on this model:
successive draws of N are correlated over 150–250 sweeps on typical four- and five-list tables
and up to about 400 on weakly identified three-list ones, because an observed person's class, the
classes' capture probabilities and the unseen count each pin the others. (Three extra moves were
tried and measured — a Metropolis move on the unseen split with the capture probabilities and
weights integrated out, one on α with the sticks integrated out, and a "larger and harder to
reach" shift of one class in the posterior with classes and the unseen integrated out — and none
paid for its cost on four- and five-list tables.) Many short chains would buy more draws per
second, but split R-hat needs chains some twenty autocorrelation times long to fall below 1.1,
hence eight chains of 4,000 sweeps after burn-in. The defaults (8 chains × (1,000 burn-in + 4,000
sweeps), one draw kept in 5) buy an effective sample of about 150–250 in about two seconds under
the flat prior, less under the default Beta(0.5, 1). A run whose draws fail the guard rails'
checks (100 effective draws, split R-hat 1.1) is lengthened, up to four times (``extend``), and
the draws are then taken from the second half of the whole run: about half the runs on
simulated latent-class tables need it, and lengthening up to four times rather than twice cut
the runs that still warn by 40–65 % there for about a fifth more CPU time. Tables whose
unseen part is weakly identified (Kosovo 1999: autocorrelation time about 800 sweeps; the
diabetes table of Bruno et al.: several thousand) still end with a warning, and
:data:`THOROUGH` (five times longer) is for a figure that will be published.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from civharm.analysis.estimation.capture import CaptureTable
from civharm.analysis.estimation.diagnostics import effective_sample_size, split_rhat
from civharm.analysis.estimation.guards import MAX_RHAT, MIN_ESS

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# A gamma draw of exactly zero (shape α + 0 with α small) would put log 0 into the state.
_TINY = 1e-300
# Keeps 1 − p0 away from zero, which would overflow the negative binomial. The cap on N this
# implies is a billion times the observed.
_MIN_SEEN = 1e-9


class LcmcrError(ValueError):
    """The sampler cannot run on this table or with these settings; the message says why."""


@dataclass(frozen=True, slots=True)
class LcmcrSettings:
    """How long to sample. Draws are kept per chain: chains × draws in all.

    ``extend`` is how many times the run may be lengthened, by ``draws × thin`` sweeps each
    time, while its draws of N fall short of the diagnostics the guard rails ask for (fewer
    than 100 effective draws, or split R-hat above 1.1). A lengthened run keeps ``draws`` draws
    per chain, evenly spaced over the second half of all its sweeps (the first half, at least
    the burn-in, is discarded), so its shape does not change. The decision depends only on the
    chains' own draws: the run is still reproduced exactly by its seed.

    ``capture_a`` and ``capture_b`` are the prior on every capture probability, λ_jk ~
    Beta(capture_a, capture_b). The default, Beta(0.5, 1), puts more weight on lists that
    rarely name a person than the uniform Beta(1, 1) of the R package LCMCR. On simulated
    populations with a hard-to-reach class the uniform prior's 95 % intervals held the true N
    62 % and 89 % of the time, Beta(0.5, 1)'s 96 % and 100 %, with intervals about 1.8 times
    as wide (``docs/estimation-validation.md``); capture_a = capture_b = 1 gives the R
    package's model.
    """

    classes: int = 10
    chains: int = 8
    burn_in: int = 1000
    draws: int = 800
    thin: int = 5
    alpha_shape: float = 0.25
    alpha_rate: float = 0.25
    extend: int = 0
    capture_a: float = 0.5
    capture_b: float = 1.0

    def problems(self) -> list[str]:
        found = []
        for name in ("classes", "chains", "draws", "thin"):
            if getattr(self, name) < 1:
                found.append(f"{name} must be at least 1")
        if self.burn_in < 0:
            found.append("burn_in must not be negative")
        if self.extend < 0:
            found.append("extend must not be negative")
        if self.alpha_shape <= 0 or self.alpha_rate <= 0:
            found.append("the Gamma prior on alpha needs a positive shape and rate")
        if not all(0 < value < float("inf") for value in (self.capture_a, self.capture_b)):
            found.append("the Beta prior on the capture probabilities needs a positive, finite a and b")
        return found

    @property
    def sweeps(self) -> int:
        """Sweeps per chain, burn-in included."""
        return self.burn_in + self.draws * self.thin

    def as_json(self) -> dict[str, object]:
        return {
            "classes": self.classes, "chains": self.chains, "burn_in": self.burn_in,
            "draws": self.draws, "thin": self.thin, "extend": self.extend,
            "alpha_prior": {"shape": self.alpha_shape, "rate": self.alpha_rate},
            "capture_prior": {"a": self.capture_a, "b": self.capture_b},
        }


# Lengthened up to four times when the diagnostics fail: many tables need one run, weakly
# identified ones get up to five times the sweeps before the figure is reported with a warning.
DEFAULT_LCMCR = LcmcrSettings(extend=4)
# About five times the default run: for a figure that will be published.
THOROUGH = LcmcrSettings(chains=8, burn_in=5000, draws=2000, thin=10, extend=2)


@dataclass(frozen=True, slots=True)
class LcmcrSamples:
    """Posterior draws: ``population`` and ``alpha`` are (chains × draws); ``classes_used``
    counts, per draw, the latent classes holding at least one person. ``extensions`` is how
    many times the run was lengthened and ``sweeps`` how many sweeps each chain ran."""

    population: IntArray
    alpha: FloatArray
    classes_used: IntArray
    observed: int
    settings: LcmcrSettings
    extensions: int = 0
    sweeps: int = 0


def sample_lcmcr(table: CaptureTable, settings: LcmcrSettings = DEFAULT_LCMCR,
                 seed: int | np.random.SeedSequence = 0) -> LcmcrSamples:
    """Run ``settings.chains`` Gibbs chains on the table and return the kept draws."""
    problems = settings.problems()
    if table.observed == 0:
        problems.append("the table names nobody")
    if problems:
        raise LcmcrError("; ".join(problems))
    sampler = _Sampler(table, settings, np.random.default_rng(seed))
    sampler.advance(settings.sweeps)
    extensions = 0
    while True:
        population, alpha, used = sampler.kept(lengthened=extensions > 0)
        if extensions >= settings.extend or settings.draws < 4 or _diagnostics_pass(population):
            break
        sampler.advance(settings.draws * settings.thin)
        extensions += 1
    return LcmcrSamples(population=population, alpha=alpha, classes_used=used,
                        observed=table.observed, settings=settings, extensions=extensions,
                        sweeps=sampler.sweeps_run)


def _diagnostics_pass(population: IntArray) -> bool:
    """The guard rails' convergence checks, on the draws that would be reported."""
    draws = population.astype(np.float64)
    return effective_sample_size(draws) >= MIN_ESS and split_rhat(draws) <= MAX_RHAT


class _Sampler:
    """The chains' state and one sweep. Every array carries the chain as an axis, so one numpy
    call serves every chain and the per-call overhead is paid once per sweep. Capture
    probabilities and weights are kept as logarithms, because weights get tiny. Sums over the
    latent classes run over the first axis of a (classes × chains × patterns) array: numpy
    reduces a short last axis about ten times slower."""

    def __init__(self, table: CaptureTable, settings: LcmcrSettings, rng: np.random.Generator) -> None:
        self.settings = settings
        self.rng = rng
        self.x = table.pattern_array().astype(np.float64)            # patterns × lists
        self.x_t = np.ascontiguousarray(self.x.T)                     # lists × patterns
        self.counts = table.count_array()                             # patterns
        self.n = int(self.counts.sum())
        chains, classes = settings.chains, settings.classes
        self.zeros = np.zeros((chains, 1))
        self.gamma_n = np.full(chains, float(self.n))
        self.alpha_shape = np.full(chains, settings.alpha_shape + classes - 1)
        # Start anywhere in the prior's support: equal weights, capture probabilities in
        # (0.05, 0.95) and α = 1; burn-in forgets the start.
        capture = rng.uniform(0.05, 0.95, size=(chains, self.x.shape[1], classes))
        self.log_on = np.log(capture)                                 # chains × lists × classes
        self.log_off = np.log1p(-capture)
        self.log_weight = np.full((chains, classes), -np.log(classes))
        self.alpha = np.ones(chains)
        # N, α and the number of classes in use after every sweep, for every chain.
        self.population: list[IntArray] = []
        self.alphas: list[FloatArray] = []
        self.used: list[IntArray] = []

    def advance(self, sweeps: int) -> None:
        """Run every chain ``sweeps`` more sweeps, recording N, α and the classes in use."""
        # A weight can underflow to zero; its logarithm is then -inf on purpose.
        with np.errstate(divide="ignore", under="ignore"):
            for _ in range(sweeps):
                unseen, class_size = self.sweep()
                self.population.append(self.n + unseen)
                self.alphas.append(self.alpha)
                self.used.append(np.count_nonzero(class_size, axis=1))

    @property
    def sweeps_run(self) -> int:
        return len(self.population)

    def kept(self, lengthened: bool) -> tuple[IntArray, FloatArray, IntArray]:
        """The reported draws, (chains × draws): every ``thin``-th sweep after the burn-in, or,
        once the run has been lengthened, ``draws`` sweeps evenly spaced over its second half."""
        settings = self.settings
        total = self.sweeps_run
        if lengthened:
            start = max(settings.burn_in, total // 2)
            step = (total - start) / settings.draws
            chosen = start + np.floor((np.arange(settings.draws) + 1) * step).astype(np.int64) - 1
        else:
            chosen = settings.burn_in + settings.thin - 1 + settings.thin * np.arange(settings.draws)
        picks = chosen.tolist()
        return (np.stack([self.population[i] for i in picks], axis=1).astype(np.int64),
                np.stack([self.alphas[i] for i in picks], axis=1),
                np.stack([self.used[i] for i in picks], axis=1).astype(np.int64))

    def sweep(self) -> tuple[IntArray, IntArray]:
        rng, settings = self.rng, self.settings
        log_on, log_off, log_weight = self.log_on, self.log_off, self.log_weight
        chains, lists, classes = log_on.shape

        # 1. Allocate each observed pattern's people to classes, with weights
        # π_k Π_j λ_jk^x_j (1 − λ_jk)^(1−x_j), normalised per pattern on the log scale.
        log_missed = log_off.sum(axis=1)                                          # chains × classes: log q_k
        log_class = (log_weight + log_missed).T                                   # classes × chains
        joint = (log_on - log_off).transpose(2, 0, 1) @ self.x_t + log_class[:, :, None]
        joint = np.exp(joint - joint.max(axis=0))                       # classes × chains × patterns
        joint /= joint.sum(axis=0)
        allocation = rng.multinomial(self.counts, joint.transpose(1, 2, 0))  # chains × patterns × classes
        seen_by_class = allocation.sum(axis=1)                                     # chains × classes
        on_list = self.x_t @ allocation                                            # chains × lists × classes

        # 2. The unseen. p0 = Σ_k π_k q_k is the chance of being on no list; the number unseen is
        # negative binomial, the failures before n successes with success probability 1 − p0:
        # a Poisson whose mean is a Gamma(n) draw times the odds p0 / (1 − p0). Then their classes.
        top = log_class.max(axis=0)
        unseen_weight = np.exp(log_class - top)                                   # classes × chains
        log_p0 = top + np.log(unseen_weight.sum(axis=0))
        odds = np.exp(log_p0) / np.maximum(-np.expm1(log_p0), _MIN_SEEN)
        unseen = rng.poisson(rng.standard_gamma(self.gamma_n) * odds)
        unseen_by_class = rng.multinomial(unseen, (unseen_weight / unseen_weight.sum(axis=0)).T)
        class_size = seen_by_class + unseen_by_class

        # 3. Capture probabilities λ_jk ~ Beta(a + on list j, b + not on it, the unseen included),
        # a and b being the prior's (capture_a, capture_b), and the sticks V_k ~ Beta(1 + n_k,
        # α + Σ_{l>k} n_l). Given the class sizes they are independent: one gamma call serves,
        # Beta(a, b) being G_a / (G_a + G_b).
        after = np.cumsum(class_size[:, ::-1], axis=1)[:, ::-1]                    # class k and later
        first = np.concatenate([(settings.capture_a + on_list).ravel(), (1.0 + class_size[:, :-1]).ravel()])
        second = np.concatenate([(settings.capture_b + class_size[:, None, :] - on_list).ravel(),
                                 (self.alpha[:, None] + after[:, 1:]).ravel()])
        gammas = np.log(np.maximum(rng.standard_gamma(np.concatenate([first, second])), _TINY))
        half = len(first)
        log_total = np.logaddexp(gammas[:half], gammas[half:])
        log_beta, log_beta_rest = gammas[:half] - log_total, gammas[half:] - log_total
        size = chains * lists * classes
        self.log_on = log_beta[:size].reshape(chains, lists, classes)
        self.log_off = log_beta_rest[:size].reshape(chains, lists, classes)
        # 4. The class weights from the sticks: log π_k = log V_k + Σ_{l<k} log(1 − V_l).
        log_stick = log_beta[size:].reshape(chains, classes - 1)
        log_rest = log_beta_rest[size:].reshape(chains, classes - 1)
        self.log_weight = (np.concatenate([log_stick, self.zeros], axis=1)
                           + np.concatenate([self.zeros, np.cumsum(log_rest, axis=1)], axis=1))

        # 5. Concentration: α ~ Gamma(a + K − 1, rate b − log π_K).
        self.alpha = rng.standard_gamma(self.alpha_shape) / (settings.alpha_rate - self.log_weight[:, -1])
        return unseen, class_size
