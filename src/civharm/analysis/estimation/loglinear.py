"""Log-linear multiple systems estimation.

The 2^J − 1 observed cells of the capture table are modelled as Poisson counts with

    log E[y_x] = u + Σ_j u_j x_j + Σ_{(i,j) ∈ S} u_ij x_i x_j

for a set S of two-way interactions (list dependences); the main effects are always in, so
every model is hierarchical, and the J-way term is never in, which is what makes the unseen cell
estimable: the model assumes the same structure holds for the people no list names, whose
expected number is e^u. Lists may depend on each other pairwise; heterogeneity of capture that
is not captured by pairwise terms biases the estimate (usually low).

* :func:`fit_loglinear` fits one model by IRLS (Newton–Raphson for the Poisson log-likelihood)
  on the small table, vectorised over many models and many tables at once.
* :func:`select_model` ranks every model (all 2^(J(J−1)/2) of them up to five lists, a stepwise
  search beyond) by AIC or BIC. BIC's penalty uses log(observed people), as Rcapture does.
* :func:`profile_interval` is the multinomial profile-likelihood interval for N under a fixed
  model (Cormack 1992).
* :func:`bootstrap_estimates` resamples the table and re-selects the model in every replicate,
  so that the interval carries the uncertainty of the model choice as well as of the counts.

A model whose maximum-likelihood estimate of the unseen runs off to infinity (a zero in a margin
the model needs) is marked ``bounded=False`` and never selected.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from civharm.analysis.estimation.capture import CaptureTable, all_patterns

Criterion = Literal["aic", "bic"]
Pair = tuple[int, int]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# 2^10 − 1 cells is already a sparse table for any real study; beyond it log-linear MSE is moot.
MAX_LOGLINEAR_LISTS = 10
# Exhaustive search up to 2^10 models (five lists); stepwise beyond.
EXHAUSTIVE_LISTS = 5
# An unseen count above this multiple of the observed one is an estimate running to infinity.
UNBOUNDED_RATIO = 1e5
# The bootstrap re-selects among this many of the best models on the original table.
BOOTSTRAP_CANDIDATES = 64
_MAX_ITERATIONS = 100
_TOLERANCE = 1e-10
# exp() of more than this overflows; of less, underflows to an exact zero weight.
_ETA_LIMIT = 700.0


class LoglinearError(ValueError):
    """The table cannot be fitted by a log-linear model; the message says why."""


@dataclass(frozen=True, slots=True)
class LoglinearModel:
    """Main effects of every list plus the given two-way interactions (list indices, i < j)."""

    interactions: frozenset[Pair] = frozenset()

    def describe(self, lists: Sequence[str]) -> str:
        terms = [f"[{name}]" for name in lists]
        terms += [f"[{lists[i]}:{lists[j]}]" for i, j in sorted(self.interactions)]
        return "".join(terms) if self.interactions else "".join(terms) + " (independence)"

    def as_json(self, lists: Sequence[str]) -> dict[str, object]:
        return {
            "interactions": [[lists[i], lists[j]] for i, j in sorted(self.interactions)],
            "formula": self.describe(lists),
        }


@dataclass(frozen=True, slots=True)
class LoglinearFit:
    """One fitted model. ``estimate`` = observed + ``unseen``; AIC/BIC from the Poisson likelihood."""

    model: LoglinearModel
    lists: tuple[str, ...]
    observed: int
    unseen: float
    estimate: float
    log_likelihood: float
    deviance: float
    parameters: int
    residual_df: int
    aic: float
    bic: float
    converged: bool
    bounded: bool

    def criterion(self, name: Criterion) -> float:
        return self.aic if name == "aic" else self.bic

    def as_json(self) -> dict[str, object]:
        return {
            **self.model.as_json(self.lists),
            "estimate": self.estimate if self.bounded else None,
            "unseen": self.unseen if self.bounded else None,
            "deviance": self.deviance,
            "residual_df": self.residual_df,
            "aic": self.aic,
            "bic": self.bic,
            "bounded": self.bounded,
        }


@dataclass(frozen=True, slots=True)
class ModelSelection:
    """Every model considered, best first by the criterion; unbounded models last."""

    criterion: Criterion
    fits: tuple[LoglinearFit, ...]
    exhaustive: bool

    @property
    def best(self) -> LoglinearFit:
        return self.fits[0]

    def weights(self) -> FloatArray:
        """Akaike (or Schwarz) weights of the bounded models: how much the data favour each."""
        scores = np.array([f.criterion(self.criterion) for f in self.fits if f.bounded])
        if scores.size == 0:
            return scores
        w = np.exp(-0.5 * (scores - scores.min()))
        return np.asarray(w / w.sum(), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class BootstrapResult:
    """Estimates of N from resampled tables, each with its own re-selected model."""

    draws: FloatArray
    chosen: dict[LoglinearModel, int]
    replicates: int
    unbounded: int


# --- design and fitting -------------------------------------------------------------------------


def pairs(lists: int) -> list[Pair]:
    return list(itertools.combinations(range(lists), 2))


def design_matrix(lists: int, include_unseen: bool = False) -> FloatArray:
    """Columns: intercept, main effects, then every two-way product in :func:`pairs` order.

    Rows are the cells of :func:`all_patterns`, with the all-zero cell first when asked for.
    """
    x = all_patterns(lists).astype(np.float64)
    if include_unseen:
        x = np.vstack([np.zeros((1, lists)), x])
    products = [x[:, i] * x[:, j] for i, j in pairs(lists)]
    return np.column_stack([np.ones(len(x)), x, *products])


def _masks(lists: int, models: Sequence[LoglinearModel]) -> BoolArray:
    """Which design columns each model uses."""
    index = {pair: 1 + lists + k for k, pair in enumerate(pairs(lists))}
    masks = np.zeros((len(models), 1 + lists + len(index)), dtype=bool)
    masks[:, : 1 + lists] = True
    for m, model in enumerate(models):
        for pair in model.interactions:
            masks[m, index[pair]] = True
    return masks


def _poisson_deviance(y: FloatArray, mu: FloatArray) -> FloatArray:
    ratio = np.where(y > 0, y / np.where(y > 0, mu, 1.0), 1.0)
    return np.asarray(2.0 * np.sum(y * np.log(ratio) - (y - mu), axis=-1), dtype=np.float64)


def irls(x: FloatArray, masks: BoolArray, y: FloatArray) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Fit Poisson log-linear models by iteratively reweighted least squares, all at once.

    ``x`` is the (cells × columns) design, ``masks`` (models × columns) picks each model's
    columns and ``y`` is (tables × cells). Returns coefficients (tables × models × columns,
    zero where unused), fitted means (tables × models × cells) and convergence flags.

    A model's unused columns get an identity block in the normal equations, so every model is
    solved by one batched call with its unused coefficients held exactly at zero. Fits that have
    converged drop out of the batch, so a few slow fits on a boundary do not hold up the rest.
    """
    tables, cells = y.shape
    models, columns = masks.shape
    items = tables * models
    outer = (x[:, :, None] * x[:, None, :]).reshape(cells, columns * columns)
    keep = np.tile(masks.astype(np.float64), (tables, 1))                 # items × columns
    obs = np.repeat(y, models, axis=0)                                      # items × cells
    diagonal = np.arange(columns)

    mu = obs + 0.5
    eta = np.log(mu)
    beta = np.zeros((items, columns))
    deviance = np.full(items, np.inf)
    converged = np.zeros(items, dtype=bool)
    active = np.arange(items)
    for iteration in range(_MAX_ITERATIONS):
        a_mu, a_eta, a_obs, a_keep = mu[active], eta[active], obs[active], keep[active]
        z = a_eta + (a_obs - a_mu) / a_mu
        normal = (a_mu @ outer).reshape(-1, columns, columns) * (a_keep[:, :, None] * a_keep[:, None, :])
        normal[:, diagonal, diagonal] += 1.0 - a_keep
        rhs = ((a_mu * z) @ x) * a_keep
        try:
            solved = np.linalg.solve(normal, rhs[..., None])
        except np.linalg.LinAlgError:
            solved = np.linalg.pinv(normal) @ rhs[..., None]
        new_beta = np.asarray(solved[..., 0], dtype=np.float64)
        new_eta, new_mu, new_dev = _evaluate(x, new_beta, a_obs)
        if iteration > 0:
            # Newton steps can overshoot far from the optimum: halve them until the deviance drops.
            old_beta, old_dev = beta[active], deviance[active]
            for _ in range(30):
                worse = ~(new_dev <= old_dev * (1 + 1e-12) + 1e-12)
                if not worse.any():
                    break
                new_beta[worse] = 0.5 * (old_beta[worse] + new_beta[worse])
                new_eta, new_mu, new_dev = _evaluate(x, new_beta, a_obs)
        change = np.abs(new_dev - deviance[active]) / (np.abs(new_dev) + 0.1)
        beta[active], eta[active], mu[active], deviance[active] = new_beta, new_eta, new_mu, new_dev
        done = change < _TOLERANCE
        converged[active[done]] = True
        active = active[~done]
        if active.size == 0:
            break
    return (beta.reshape(tables, models, columns), mu.reshape(tables, models, cells),
            converged.reshape(tables, models))


def _evaluate(x: FloatArray, beta: FloatArray, obs: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    eta = np.clip(beta @ x.T, -_ETA_LIMIT, _ETA_LIMIT)
    mu = np.exp(eta)
    return eta, mu, _poisson_deviance(obs, mu)


def _log_factorials(y: FloatArray) -> FloatArray:
    return np.vectorize(math.lgamma)(y + 1.0).astype(np.float64) if y.size else y


def _check_table(table: CaptureTable) -> None:
    if len(table.lists) > MAX_LOGLINEAR_LISTS:
        raise LoglinearError(
            f"{len(table.lists)} lists: log-linear models are fitted up to {MAX_LOGLINEAR_LISTS} lists"
        )
    if table.observed == 0:
        raise LoglinearError("the table names nobody")


def _fits(table: CaptureTable, models: Sequence[LoglinearModel], y: FloatArray | None = None,
          ) -> list[LoglinearFit]:
    lists = len(table.lists)
    counts = table.full_counts().astype(np.float64) if y is None else y
    x = design_matrix(lists)
    beta, mu, converged = irls(x, _masks(lists, models), counts[None, :])
    observed = float(counts.sum())
    constant = float(_log_factorials(counts).sum())
    out = []
    for m, model in enumerate(models):
        fitted = mu[0, m]
        positive = counts > 0
        log_lik = float(np.sum(counts[positive] * np.log(fitted[positive])) - fitted.sum() - constant)
        deviance = float(_poisson_deviance(counts, fitted))
        unseen = float(np.exp(beta[0, m, 0]))
        k = 1 + lists + len(model.interactions)
        bounded = bool(converged[0, m]) and math.isfinite(unseen) and unseen <= UNBOUNDED_RATIO * observed
        out.append(LoglinearFit(
            model=model,
            lists=table.lists,
            observed=int(observed),
            unseen=unseen,
            estimate=observed + unseen,
            log_likelihood=log_lik,
            deviance=deviance,
            parameters=k,
            residual_df=len(counts) - k,
            aic=-2 * log_lik + 2 * k,
            bic=-2 * log_lik + k * math.log(max(observed, 1.0)),
            converged=bool(converged[0, m]),
            bounded=bounded,
        ))
    return out


def fit_loglinear(table: CaptureTable, interactions: Iterable[Pair | tuple[str, str]] = ()) -> LoglinearFit:
    """Fit one model; interactions are given by list index or by list name."""
    _check_table(table)
    return _fits(table, [model_of(table, interactions)])[0]


def model_of(table: CaptureTable, interactions: Iterable[Pair | tuple[str, str]]) -> LoglinearModel:
    index = {name: j for j, name in enumerate(table.lists)}
    chosen: set[Pair] = set()
    for a, b in interactions:
        try:
            i = index[a] if isinstance(a, str) else int(a)
            j = index[b] if isinstance(b, str) else int(b)
        except KeyError as error:
            raise LoglinearError(f"no list named {error.args[0]!r}") from None
        if not (0 <= i < len(table.lists) and 0 <= j < len(table.lists)) or i == j:
            raise LoglinearError(f"({a!r}, {b!r}) is not an interaction of two different lists")
        chosen.add((min(i, j), max(i, j)))
    if len(table.lists) == 2 and chosen:
        raise LoglinearError("with two lists the interaction is the top-order term: it cannot be estimated")
    return LoglinearModel(frozenset(chosen))


# --- model selection ----------------------------------------------------------------------------


def all_models(lists: int) -> list[LoglinearModel]:
    """Every hierarchical model with two-way terms, never the J-way term (so none for two lists)."""
    if lists == 2:
        return [LoglinearModel()]
    candidates = pairs(lists)
    return [
        LoglinearModel(frozenset(c))
        for size in range(len(candidates) + 1)
        for c in itertools.combinations(candidates, size)
    ]


def _rank(fits: Iterable[LoglinearFit], criterion: Criterion) -> tuple[LoglinearFit, ...]:
    return tuple(sorted(fits, key=lambda f: (not f.bounded, f.criterion(criterion),
                                              len(f.model.interactions))))


def select_model(table: CaptureTable, criterion: Criterion = "aic") -> ModelSelection:
    """Rank the models by the criterion: every model up to five lists, stepwise beyond."""
    _check_table(table)
    if criterion not in ("aic", "bic"):
        raise LoglinearError(f"unknown criterion {criterion!r}; use 'aic' or 'bic'")
    if len(table.lists) <= EXHAUSTIVE_LISTS:
        return ModelSelection(criterion, _rank(_fits(table, all_models(len(table.lists))), criterion), True)
    return ModelSelection(criterion, _rank(_stepwise(table, criterion), criterion), False)


def _stepwise(table: CaptureTable, criterion: Criterion) -> list[LoglinearFit]:
    """Add or drop one interaction at a time while the criterion improves."""
    seen: dict[LoglinearModel, LoglinearFit] = {}
    current = LoglinearModel()
    seen[current] = _fits(table, [current])[0]
    all_pairs = pairs(len(table.lists))
    while True:
        neighbours = [LoglinearModel(current.interactions ^ {p}) for p in all_pairs]
        new = [m for m in neighbours if m not in seen]
        for fit in _fits(table, new) if new else []:
            seen[fit.model] = fit
        best = _rank((seen[m] for m in neighbours), criterion)[0]
        here = seen[current]
        if not best.bounded or (here.bounded and best.criterion(criterion) >= here.criterion(criterion)):
            return list(seen.values())
        current = best.model


# --- profile-likelihood interval ----------------------------------------------------------------


def profile_log_likelihood(table: CaptureTable, model: LoglinearModel, population: float) -> float:
    """Multinomial log-likelihood of N = ``population``, maximised over the model's parameters.

    The unseen cell is fixed at N − n and the model fitted to the completed table; the Poisson
    maximum then differs from the multinomial one by a known function of N alone.
    """
    lists = len(table.lists)
    observed = table.observed
    unseen = population - observed
    y = np.concatenate([[unseen], table.full_counts().astype(np.float64)])
    x = design_matrix(lists, include_unseen=True)
    _, mu, _ = irls(x, _masks(lists, [model]), y[None, :])
    fitted = mu[0, 0]
    positive = y > 0
    poisson = float(np.sum(y[positive] * np.log(fitted[positive])) - fitted.sum() - _log_factorials(y).sum())
    return poisson - population * math.log(population) + population + math.lgamma(population + 1.0)


def profile_interval(table: CaptureTable, model: LoglinearModel | None = None, level: float = 0.95,
                     ) -> tuple[float, float, float]:
    """(lower, maximum-likelihood N, upper) from the profile likelihood; upper may be infinite.

    The bounds are where twice the drop in log-likelihood reaches the chi-square(1) quantile.
    """
    _check_table(table)
    chosen = model if model is not None else LoglinearModel()
    fit = _fits(table, [chosen])[0]
    n = float(table.observed)
    if not fit.bounded:
        return n, math.inf, math.inf
    drop = 0.5 * _chi2_1_quantile(level)

    def loglik(population: float) -> float:
        return profile_log_likelihood(table, chosen, population)

    ceiling = n + max(4.0 * fit.unseen, 10.0)
    peak = _golden_max(loglik, n, ceiling)
    top = loglik(peak)

    def below(population: float) -> bool:
        return loglik(population) < top - drop

    lower = n if not below(n) else _bisect(below, n, peak, want_below_at_low=True)
    high = peak + max(peak - n, 1.0)
    while not below(high):
        if high > UNBOUNDED_RATIO * n:
            return lower, peak, math.inf
        high = n + 2.0 * (high - n)
    upper = _bisect(below, peak, high, want_below_at_low=False)
    return lower, peak, upper


def _golden_max(f: Callable[[float], float], low: float, high: float, tol: float = 1e-3) -> float:
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = f(c), f(d)
    while b - a > tol * max(1.0, a):
        if fc >= fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = f(d)
    best = (a + b) / 2.0
    # The maximum may sit on the lower edge (N = n) when the data fit best with nobody unseen.
    return low if f(low) >= f(best) else best


def _bisect(below: Callable[[float], bool], low: float, high: float, want_below_at_low: bool) -> float:
    """Find where ``below`` switches, to a hundredth of a person."""
    for _ in range(200):
        if high - low <= 1e-2:
            break
        middle = (low + high) / 2.0
        if below(middle) == want_below_at_low:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


def _chi2_1_quantile(level: float) -> float:
    """The chi-square(1) quantile is the square of the normal one."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2.0) ** 2


# --- bootstrap ----------------------------------------------------------------------------------


def bootstrap_estimates(
    table: CaptureTable,
    criterion: Criterion = "aic",
    replicates: int = 500,
    seed: int | np.random.SeedSequence = 0,
    selection: ModelSelection | None = None,
) -> BootstrapResult:
    """Resample the table ``replicates`` times and re-select the model on each.

    Resampling follows Buckland & Garthwaite (1991): N̂ people are drawn multinomially over the
    observed cells *and* the estimated unseen cell, and the unseen draws are dropped. Resampling
    only the observed n people would hold n fixed and understate the spread. Each replicate picks
    its model among the :data:`BOOTSTRAP_CANDIDATES` best on the original table (all of them up
    to four lists), by the same criterion.
    """
    _check_table(table)
    chosen_selection = selection if selection is not None else select_model(table, criterion)
    best = chosen_selection.best
    if not best.bounded:
        return BootstrapResult(np.full(replicates, np.inf), {}, replicates, replicates)
    candidates = [f.model for f in chosen_selection.fits[:BOOTSTRAP_CANDIDATES]]
    lists = len(table.lists)
    counts = table.full_counts().astype(np.float64)
    population = round(best.estimate)
    unseen = max(population - table.observed, 0)
    probabilities = np.concatenate([counts, [unseen]]) / (counts.sum() + unseen)
    rng = np.random.default_rng(seed)
    samples = rng.multinomial(population, probabilities, size=replicates)[:, :-1].astype(np.float64)

    x = design_matrix(lists)
    masks = _masks(lists, candidates)
    penalty = np.array([1 + lists + len(m.interactions) for m in candidates], dtype=np.float64)
    draws = np.empty(replicates)
    picks = np.empty(replicates, dtype=np.int64)
    # Chunks keep the batched normal equations to a few tens of megabytes.
    chunk = max(1, 20_000 // len(candidates))
    for start in range(0, replicates, chunk):
        y = samples[start:start + chunk]
        beta, mu, converged = irls(x, masks, y)
        observed = y.sum(axis=1)
        log_mu = np.log(np.maximum(mu, 1e-300))
        log_lik = np.sum(y[:, None, :] * log_mu, axis=-1) - mu.sum(axis=-1)
        weight = 2.0 if criterion == "aic" else np.log(np.maximum(observed, 1.0))[:, None]
        score = -2.0 * log_lik + weight * penalty[None, :]
        unseen_fit = np.exp(beta[:, :, 0])
        bounded = converged & np.isfinite(unseen_fit) & (unseen_fit <= UNBOUNDED_RATIO * observed[:, None])
        score = np.where(bounded, score, np.inf)
        pick = np.argmin(score, axis=1)
        rows = np.arange(len(y))
        ok = bounded[rows, pick]
        draws[start:start + len(y)] = np.where(ok, observed + unseen_fit[rows, pick], np.inf)
        picks[start:start + len(y)] = np.where(ok, pick, -1)
    chosen: dict[LoglinearModel, int] = {}
    for pick in picks[picks >= 0]:
        chosen[candidates[pick]] = chosen.get(candidates[pick], 0) + 1
    return BootstrapResult(draws, chosen, replicates, int(np.sum(picks < 0)))
