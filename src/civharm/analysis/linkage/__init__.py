"""Linking named victims across lists: Arabic-aware probabilistic record linkage on Splink.

"محمد عبد الكريم الحسن, 34" on a field list, "Mohammed Abdulkarim al-Hassan, 35" on a
monitor's list and "Mohamad Abdel Karim el-Hasan" in a news report are one person;
his sons "Ahmad Mohammed al-Hassan, 8" and "Ali Mohammed al-Hassan, 5" are two
others. This package finds such persons among lists in any script:

- :class:`VictimRecord` — one line of one list; :func:`read_victim_lists` reads CSV
  lists strictly (every problem with file, line and column: :class:`LinkageInputError`).
- :func:`prepare` — the derived columns Splink compares (:mod:`.prepare`), from
  :func:`civharm.analysis.names.name_features`.
- :class:`LinkageSettings` — threshold, review band, backend (DuckDB or Spark),
  memory limit and temporary folder, training sample sizes, seed.
- :func:`train` — a :class:`TrainedModel` (Splink model JSON: ``save``/``load``).
- :func:`link` — a :class:`LinkageResult`: ``clusters`` (record → person id),
  ``pairs`` and ``uncertain`` (:class:`ScoredPair` with an explanation per
  comparison), respecting analysts' must-link and cannot-link decisions.
- :class:`MasterIndex` and :func:`match_new` — new records against a linked master
  without re-linking it.
- :func:`link_plain` — plain Splink without the name handling, for comparison.
- :func:`evaluate` — pairwise and B-cubed precision, recall and F1 against truth,
  by pair type (Arabic–Arabic, Latin–Latin, Arabic–Latin).

The package is pure: no database, no Django. Splink runs on DuckDB (default) or
Spark (:mod:`.backends`).
"""

from __future__ import annotations

from civharm.analysis.linkage.baseline import link_plain
from civharm.analysis.linkage.clustering import ConflictingDecisions
from civharm.analysis.linkage.engine import (
    ComparisonOutcome,
    LinkageResult,
    ScoredPair,
    ScoredPairs,
    link,
    person_id,
)
from civharm.analysis.linkage.incremental import MasterIndex, NewRecordsResult, match_new
from civharm.analysis.linkage.model import LinkageSettings, TrainedModel, default_model, train
from civharm.analysis.linkage.prepare import PreparedRecords, prepare
from civharm.analysis.linkage.quality import (
    PAIR_TYPES,
    BCubed,
    PairScores,
    Quality,
    evaluate,
    name_script,
    read_simulated_lists,
)
from civharm.analysis.linkage.records import (
    LinkageInputError,
    RecordKey,
    VictimRecord,
    read_victim_list,
    read_victim_lists,
    write_clusters,
)

__all__ = [
    "PAIR_TYPES",
    "BCubed",
    "ComparisonOutcome",
    "ConflictingDecisions",
    "LinkageInputError",
    "LinkageResult",
    "LinkageSettings",
    "MasterIndex",
    "NewRecordsResult",
    "PairScores",
    "PreparedRecords",
    "Quality",
    "RecordKey",
    "ScoredPair",
    "ScoredPairs",
    "TrainedModel",
    "VictimRecord",
    "default_model",
    "evaluate",
    "link",
    "link_plain",
    "match_new",
    "name_script",
    "person_id",
    "prepare",
    "read_simulated_lists",
    "read_victim_list",
    "read_victim_lists",
    "train",
    "write_clusters",
]
