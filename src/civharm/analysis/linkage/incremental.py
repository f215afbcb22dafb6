"""New records against a linked master: a new list need not re-link a million records.

:meth:`MasterIndex.build` prepares the master's records once and keeps them, with
each record's person id and the name frequencies, in a Parquet file in a folder of
its own. :func:`match_new` prepares only the new records, scores them against the
master with Splink's ``predict_between`` (DuckDB reads the Parquet file in place),
scores the new records among themselves too, and clusters the lot the way
:func:`~civharm.analysis.linkage.engine.link` does: strongest pairs first, a person
holding at most one record per list. A new record joins the person of a master
record, or new records of several lists that name one person nobody had recorded
become one new person; two master persons are never merged by new records (that is
a job for a full re-link, where every record is compared).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from civharm.analysis.linkage.backends import DuckDBBackend
from civharm.analysis.linkage.clustering import cluster
from civharm.analysis.linkage.comparisons import TF_COLUMNS
from civharm.analysis.linkage.engine import ScoredPairs, concatenate_pairs, fetch_pairs, person_id
from civharm.analysis.linkage.model import (
    LinkageSettings,
    Progress,
    TrainedModel,
    blocking_rules,
    estimate_prior,
    quiet_splink,
    with_rules,
)
from civharm.analysis.linkage.prepare import prepare
from civharm.analysis.linkage.records import RecordKey, VictimRecord, check_unique

MASTER_FILE = "master.parquet"
META_FILE = "master.json"


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


@dataclass(frozen=True, slots=True)
class MasterIndex:
    """A linked master's prepared records in ``folder`` (see the module documentation)."""

    folder: Path
    records: int
    prior: float
    rules: tuple[str, ...]

    @classmethod
    def build(cls, records: Iterable[VictimRecord], clusters: Mapping[RecordKey, str], folder: Path,
              settings: LinkageSettings | None = None, progress: Progress | None = None) -> MasterIndex:
        """Prepare ``records`` (with their person ids in ``clusters``) into ``folder``."""
        settings = settings or LinkageSettings()
        ordered = sorted(records, key=lambda r: r.key)
        check_unique(ordered)
        prepared = prepare(ordered, None if progress is None else lambda d, t: progress("preparing", d, t))
        columns = dict(prepared.columns)
        columns["person_id"] = [clusters[key] for key in prepared.keys]
        folder.mkdir(parents=True, exist_ok=True)
        backend = DuckDBBackend(settings.memory_limit, settings.temp_dir, settings.threads, on_disk=False)
        with backend:
            table = backend.register(columns)
            backend.connection.execute(f"COPY (SELECT * FROM {table.physical_name}) TO "  # noqa: S608
                                       f"'{_quoted(folder / MASTER_FILE)}' (FORMAT parquet)")
        index = cls(folder, len(prepared), estimate_prior(prepared, settings.prior_recall),
                    blocking_rules(prepared, settings))
        (folder / META_FILE).write_text(json.dumps({"records": index.records, "prior": index.prior,
                                                    "rules": list(index.rules)}, indent=2), encoding="utf-8")
        return index

    @classmethod
    def open(cls, folder: Path) -> MasterIndex:
        """A master built earlier; ValueError when ``folder`` holds none."""
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ValueError(f"{folder} holds no master index ({error})") from None
        if not (folder / MASTER_FILE).is_file():
            raise ValueError(f"{folder} holds no {MASTER_FILE}")
        return cls(folder, int(meta["records"]), float(meta["prior"]), tuple(meta["rules"]))


@dataclass(frozen=True)
class NewRecordsResult:
    """Each new record's person (a master person id, or ``source:record_id`` of its own),
    and the scored pairs of new and master records behind it."""

    persons: dict[RecordKey, str]
    pairs: ScoredPairs
    matched: int


def match_new(new_records: Iterable[VictimRecord], master: MasterIndex, model: TrainedModel,
              settings: LinkageSettings | None = None, progress: Progress | None = None) -> NewRecordsResult:
    """Match new records against ``master`` with a trained model (DuckDB only)."""
    import splink

    settings = settings or LinkageSettings()
    ordered = sorted(new_records, key=lambda r: r.key)
    check_unique(ordered)
    prepared = prepare(ordered, None if progress is None else lambda d, t: progress("preparing", d, t))
    columns = dict(prepared.columns)
    # Unique ids after the master's, so that a pair's two sides never share one.
    columns["unique_id"] = [master.records + i for i in range(len(prepared))]
    columns["person_id"] = [person_id(key) for key in prepared.keys]
    if progress:
        progress("scoring", 0, len(prepared))
    quiet_splink()
    backend = DuckDBBackend(settings.memory_limit, settings.temp_dir, settings.threads, settings.on_disk)
    with backend:
        parquet = _quoted(master.folder / MASTER_FILE)
        backend.connection.execute(f"CREATE VIEW master AS SELECT * FROM read_parquet('{parquet}')")  # noqa: S608
        master_table = backend.db_api.register("master")
        new_table = backend.register(columns)
        linker = splink.Linker(master_table, with_rules(model, master.rules, master.prior), log_level=None)
        for column in TF_COLUMNS:
            linker.table_management.register_term_frequency_lookup(
                backend.db_api.query_sql(_tf_sql(column)), column)
        predictions = linker.inference.predict_between(new_table, master_table,
                                                       threshold_match_probability=settings.floor,
                                                       warning_mode="never")
        scored = predictions.physical_name
        found = backend.fetch_numpy(
            "SELECT DISTINCT m.unique_id, m.source, m.record_id, m.person_id FROM master m JOIN "  # noqa: S608
            f"(SELECT unique_id_l AS u FROM {scored} UNION SELECT unique_id_r FROM {scored}) p "
            "ON m.unique_id = p.u")
        raw = fetch_pairs(backend, predictions.physical_name, model)
        # The new records among themselves, weighed with the master's name frequencies.
        among = splink.Linker(new_table, with_rules(model, master.rules, master.prior), log_level=None)
        for column in TF_COLUMNS:
            among.table_management.register_term_frequency_lookup(
                backend.db_api.query_sql(_tf_sql(column)), column)
        within = among.inference.predict(threshold_match_probability=settings.floor, warning_mode="never")
        raw_within = fetch_pairs(backend, within.physical_name, model)
    # Local indices: new records first, then the master records the pairs touch.
    master_ids = [int(u) for u in found["unique_id"]]
    keys: list[RecordKey] = list(prepared.keys) + [(str(s), str(r)) for s, r in
                                                   zip(found["source"], found["record_id"], strict=True)]
    local = {uid: len(prepared) + i for i, uid in enumerate(master_ids)}
    local.update({master.records + i: i for i in range(len(prepared))})

    def localised(scored_pairs: ScoredPairs) -> ScoredPairs:
        left = np.array([local[int(u)] for u in scored_pairs.left], dtype=np.int64)
        right = np.array([local[int(u)] for u in scored_pairs.right], dtype=np.int64)
        return scored_pairs.with_keys(keys, left, right)

    pairs = concatenate_pairs(localised(raw), localised(raw_within))
    persons, matched = _assign(prepared.keys, keys, [str(p) for p in found["person_id"]], pairs,
                               settings.threshold)
    if progress:
        progress("scoring", len(prepared), len(prepared))
    return NewRecordsResult(persons, pairs, matched)


def _tf_sql(column: str) -> str:
    """The master's term frequencies of ``column``, as the full linkage counts them."""
    return (f"SELECT {column}, CAST(COUNT(DISTINCT pkey) AS DOUBLE) / "  # noqa: S608
            f"(SELECT COUNT(DISTINCT pkey) FROM master WHERE {column} IS NOT NULL) AS tf_{column} "
            f"FROM master WHERE {column} IS NOT NULL GROUP BY {column}")


MASTER_LIST = "\x00master"  # no real list is named so


def _assign(new_keys: Sequence[RecordKey], keys: Sequence[RecordKey], owners: list[str], pairs: ScoredPairs,
            threshold: float) -> tuple[dict[RecordKey, str], int]:
    """Cluster new records (local indices first) with the master records the pairs touch.

    Each master person's records are joined first and all carry one pseudo-list, so that
    no cluster can hold two master persons; a new record may not join a master person who
    already holds a record of its list (a cannot-link to that person's records)."""
    count = len(new_keys)
    sources = [key[0] for key in new_keys] + [MASTER_LIST] * len(owners)
    records_of: dict[str, list[int]] = {}
    for offset, owner in enumerate(owners):
        records_of.setdefault(owner, []).append(count + offset)
    lists_of = {owner: {keys[i][0] for i in members} for owner, members in records_of.items()}
    must = [(members[0], other) for members in records_of.values() for other in members[1:]]
    cannot = []
    for a, b in zip(pairs.left.tolist(), pairs.right.tolist(), strict=True):
        new, old = (a, b) if a < count else (b, a)
        if new < count <= old and keys[new][0] in lists_of[owners[old - count]]:
            cannot.append((new, old))
    found = cluster(sources, pairs.left, pairs.right, pairs.probability, threshold, must, cannot)
    person_of_cluster: dict[int, str] = {}
    for offset, owner in enumerate(owners):
        person_of_cluster[found[count + offset]] = owner
    persons: dict[RecordKey, str] = {}
    matched = 0
    for index, key in enumerate(new_keys):
        joined = person_of_cluster.get(found[index])
        if joined is not None:
            matched += 1
        persons[key] = joined if joined is not None else person_id(new_keys[found[index]])
    return persons, matched
