"""Linking victim records: score candidate pairs with Splink, explain them, cluster them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from civharm.analysis.linkage.backends import Backend, DuckDBBackend
from civharm.analysis.linkage.clustering import cluster
from civharm.analysis.linkage.comparisons import NEUTRAL_LABEL, descriptions
from civharm.analysis.linkage.model import (
    LinkageSettings,
    Progress,
    TrainedModel,
    blocking_rules,
    estimate_prior,
    make_linker,
    train_registered,
    with_rules,
)
from civharm.analysis.linkage.prepare import PreparedRecords, prepare
from civharm.analysis.linkage.records import LinkageInputError, RecordKey, VictimRecord, check_unique
from civharm.ingest.problems import Problem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ComparisonOutcome:
    """Where one comparison of a pair fell, and how much that moved the score."""

    comparison: str
    level: str
    bayes_factor: float

    def __str__(self) -> str:
        return f"{self.comparison}: {self.level} (Bayes factor {self.bayes_factor:.3g})"


@dataclass(frozen=True, slots=True)
class ScoredPair:
    """Two records, the probability that they are one person, and why."""

    left: RecordKey
    right: RecordKey
    probability: float
    match_weight: float
    explanation: tuple[ComparisonOutcome, ...]

    def explain(self) -> str:
        """One line per comparison, strongest evidence first, for a reviewer."""
        ordered = sorted(self.explanation, key=lambda o: -abs(math.log(o.bayes_factor or 1e-300)))
        return "\n".join(str(outcome) for outcome in ordered)


class ScoredPairs(Sequence[ScoredPair]):
    """Scored pairs held column by column; each :class:`ScoredPair` is made when asked for.

    A linkage of a million records scores millions of pairs: holding them as arrays
    keeps that cheap, while indexing and iteration give plain objects.
    """

    def __init__(self, keys: Sequence[RecordKey], left: IntArray, right: IntArray,
                 probability: FloatArray, weight: FloatArray, parts: Mapping[str, FloatArray],
                 tf_parts: Mapping[str, FloatArray], levels: Mapping[str, list[tuple[str, float]]],
                 descriptions: Mapping[str, str]):
        self._keys = keys
        self.left, self.right, self.probability, self.weight = left, right, probability, weight
        self._parts, self._tf_parts = parts, tf_parts
        self._levels, self._descriptions = levels, descriptions

    def __len__(self) -> int:
        return len(self.left)

    @overload
    def __getitem__(self, index: int) -> ScoredPair: ...

    @overload
    def __getitem__(self, index: slice) -> ScoredPairs: ...

    def __getitem__(self, index: int | slice) -> ScoredPair | ScoredPairs:
        if isinstance(index, slice):
            return self._subset(np.arange(len(self))[index])
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return ScoredPair(self._keys[int(self.left[index])], self._keys[int(self.right[index])],
                          float(self.probability[index]), float(self.weight[index]),
                          self._explain(index))

    def __iter__(self) -> Iterator[ScoredPair]:
        for index in range(len(self)):
            yield self[index]

    def _subset(self, chosen: IntArray) -> ScoredPairs:
        return ScoredPairs(self._keys, self.left[chosen], self.right[chosen], self.probability[chosen],
                           self.weight[chosen], {n: p[chosen] for n, p in self._parts.items()},
                           {n: p[chosen] for n, p in self._tf_parts.items()}, self._levels,
                           self._descriptions)

    def with_keys(self, keys: Sequence[RecordKey], left: IntArray | None = None,
                  right: IntArray | None = None) -> ScoredPairs:
        """The same pairs with the record keys their indices (or ``left``/``right``) point to."""
        return ScoredPairs(keys, self.left if left is None else left, self.right if right is None else right,
                           self.probability, self.weight, self._parts, self._tf_parts, self._levels,
                           self._descriptions)

    def within(self, low: float, high: float) -> ScoredPairs:
        """The pairs whose probability is from ``low`` to ``high``, strongest first."""
        chosen = np.flatnonzero((self.probability >= low) & (self.probability <= high))
        return self._subset(chosen[np.argsort(-self.probability[chosen], kind="stable")])

    def _explain(self, index: int) -> tuple[ComparisonOutcome, ...]:
        outcomes: list[ComparisonOutcome] = []
        labels: dict[str, str] = {}
        for name, values in self._parts.items():
            weight = float(values[index])
            label = min(self._levels[name], key=lambda level: abs(level[1] - weight))[0]
            labels[name] = label
            tf = float(self._tf_parts[name][index]) if name in self._tf_parts else 0.0
            outcomes.append(ComparisonOutcome(self._descriptions[name], label, 2.0 ** (weight + tf)))
        # The father's and grandfather's null level and their neutral level both weigh
        # nothing; the given name's level says which one the pair fell in.
        if labels.get("given_name") in ("different names", "consonants one edit apart"):
            outcomes = [ComparisonOutcome(o.comparison, NEUTRAL_LABEL, o.bayes_factor)
                        if o.bayes_factor == 1.0 and name in ("father_name", "grandfather_name")
                        else o for o, name in zip(outcomes, self._parts, strict=True)]
        return tuple(outcomes)


@dataclass(frozen=True)
class LinkageResult:
    """Persons found among the records, and the scored pairs behind them.

    ``clusters`` maps every record to its person id: ``source:record_id`` of the
    person's smallest record (by source, then record id), so ids are stable while
    a person's records are. ``pairs`` holds every scored pair at or above the
    settings' pair floor; ``uncertain`` those in the review band, strongest first.
    """

    clusters: dict[RecordKey, str]
    pairs: ScoredPairs
    uncertain: ScoredPairs
    model: TrainedModel
    prior: float
    blocking_rules: tuple[str, ...]

    def persons(self) -> dict[str, list[RecordKey]]:
        """Each person id with its records, in key order."""
        found: dict[str, list[RecordKey]] = {}
        for key in sorted(self.clusters):
            found.setdefault(self.clusters[key], []).append(key)
        return found


def concatenate_pairs(first: ScoredPairs, second: ScoredPairs) -> ScoredPairs:
    """The pairs of two scorings with one model, over the same record keys, as one."""
    def joined(a: Mapping[str, FloatArray], b: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
        return {name: np.concatenate([a[name], b[name]]) for name in a}

    return ScoredPairs(first._keys, np.concatenate([first.left, second.left]),
                       np.concatenate([first.right, second.right]),
                       np.concatenate([first.probability, second.probability]),
                       np.concatenate([first.weight, second.weight]),
                       joined(first._parts, second._parts), joined(first._tf_parts, second._tf_parts),
                       first._levels, first._descriptions)


def person_id(key: RecordKey) -> str:
    return f"{key[0]}:{key[1]}"


def _decisions(pairs: Iterable[tuple[RecordKey, RecordKey]], index: Mapping[RecordKey, int],
               what: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    problems: list[Problem] = []
    for left, right in pairs:
        missing = [k for k in (left, right) if k not in index]
        if missing:
            problems.append(Problem(what, None, None, f"record {person_id(missing[0])} is not among "
                                                      "the records linked"))
            continue
        found.append((index[left], index[right]))
    if problems:
        raise LinkageInputError(problems)
    return found


def link(records: Iterable[VictimRecord], settings: LinkageSettings | None = None,
         model: TrainedModel | None = None,
         must_link: Iterable[tuple[RecordKey, RecordKey]] = (),
         cannot_link: Iterable[tuple[RecordKey, RecordKey]] = (),
         progress: Progress | None = None) -> LinkageResult:
    """Find the persons among ``records`` (any lists, any scripts).

    Without ``model`` the model is trained on these records first (see :func:`train`).
    ``must_link`` and ``cannot_link`` are analysts' decisions about pairs of records;
    clustering respects them, and :class:`ConflictingDecisions` is raised when they
    contradict each other.
    """
    settings = settings or LinkageSettings()
    ordered = sorted(records, key=lambda r: r.key)
    check_unique(ordered)
    index = {record.key: i for i, record in enumerate(ordered)}
    must = _decisions(must_link, index, "must-link decisions")
    cannot = _decisions(cannot_link, index, "cannot-link decisions")
    prepared = prepare(ordered, None if progress is None else lambda d, t: progress("preparing", d, t))
    pairs, prior, rules, model = _score(prepared, model, settings, progress)
    if progress:
        progress("clustering", 0, len(prepared))
    found = cluster(prepared.columns["source"], pairs.left, pairs.right, pairs.probability,
                    settings.threshold, must, cannot)
    if progress:
        progress("clustering", len(prepared), len(prepared))
    clusters = {key: person_id(prepared.keys[found[i]]) for i, key in enumerate(prepared.keys)}
    low, high = settings.review_band
    return LinkageResult(clusters, pairs, pairs.within(low, high), model, prior, rules)


def score(prepared: PreparedRecords, model: TrainedModel, settings: LinkageSettings,
          progress: Progress | None = None) -> tuple[ScoredPairs, float, tuple[str, ...]]:
    """Every blocked pair of the prepared records scored with ``model``, down to the floor."""
    pairs, prior, rules, _ = _score(prepared, model, settings, progress)
    return pairs, prior, rules


def _score(prepared: PreparedRecords, model: TrainedModel | None, settings: LinkageSettings,
           progress: Progress | None) -> tuple[ScoredPairs, float, tuple[str, ...], TrainedModel]:
    rules = blocking_rules(prepared, settings)
    prior = estimate_prior(prepared, settings.prior_recall)
    with settings.open_backend() as backend:
        table = backend.register(prepared.columns)
        if model is None:
            model = train_registered(backend, table, prepared, settings, progress)
        if progress:
            progress("scoring", 0, len(prepared))
        linker = make_linker(backend, table, with_rules(model, rules, prior))
        predictions = linker.inference.predict(threshold_match_probability=settings.floor,
                                               warning_mode="never")
        pairs = fetch_pairs(backend, predictions.physical_name, model).with_keys(prepared.keys)
        predictions.drop_table_from_database_and_remove_from_cache()
    if progress:
        progress("scoring", len(prepared), len(prepared))
    return pairs, prior, rules, model


def fetch_pairs(backend: Backend, table: str, model: TrainedModel) -> ScoredPairs:
    """The pairs of a Splink predictions table, by unique id (give them keys with
    :meth:`ScoredPairs.with_keys`)."""
    comparisons = model.splink_settings["comparisons"]
    names = [c["output_column_name"] for c in comparisons]
    tf_names = [c["output_column_name"] for c in comparisons
                if any(lv.get("tf_adjustment_column") for lv in c["comparison_levels"])]
    columns = ["unique_id_l", "unique_id_r", "match_probability", "match_weight",
               *(f"mw_{n}" for n in names), *(f"mw_tf_adj_{n}" for n in tf_names)]
    sql = f"SELECT {', '.join(columns)} FROM {table}"  # noqa: S608 (Splink's own table and columns)
    data: Mapping[str, Any]
    data = backend.fetch_numpy(sql) if isinstance(backend, DuckDBBackend) else backend.fetch(sql)

    def floats(name: str) -> FloatArray:
        return np.nan_to_num(np.asarray(data[name], dtype=np.float64))

    def weight(level: Mapping[str, Any]) -> float:
        m, u = level.get("m_probability"), level.get("u_probability")
        return 0.0 if level.get("is_null_level") or not m or not u else math.log2(m / u)

    levels = {c["output_column_name"]: [(lv.get("label_for_charts", ""), weight(lv))
                                        for lv in c["comparison_levels"]] for c in comparisons}
    known = descriptions()
    described = {name: known.get(name, name) for name in names}
    return ScoredPairs((), np.asarray(data["unique_id_l"], dtype=np.int64),
                       np.asarray(data["unique_id_r"], dtype=np.int64), floats("match_probability"),
                       floats("match_weight"), {n: floats(f"mw_{n}") for n in names},
                       {n: floats(f"mw_tf_adj_{n}") for n in tf_names}, levels, described)

