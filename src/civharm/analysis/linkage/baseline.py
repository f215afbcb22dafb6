"""Plain Splink, without civharm's name handling: the yardstick for the victim model.

What a careful user of Splink alone would build: the raw name lower-cased and
compared by Jaro–Winkler (with a term-frequency adjustment on exact matches), age
and date of death by difference, place and sex exactly; blocking on the name's
first letters, or on the date; u by random sampling and m by expectation
maximisation, as Splink's documentation teaches; clusters as connected components
at the threshold. Arabic script and its transliterations share no letters, so it
cannot link them: that is the point of the comparison.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from civharm.analysis.linkage.model import LinkageSettings
from civharm.analysis.linkage.records import RecordKey, VictimRecord, check_unique


def _rows(records: list[VictimRecord]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {name: [] for name in
                                     ("unique_id", "name", "age", "day", "place", "sex")}
    for index, record in enumerate(records):
        name = " ".join(record.name.lower().split()) or None
        columns["unique_id"].append(index)
        columns["name"].append(name)
        columns["age"].append(record.age)
        columns["day"].append(record.date_of_death.toordinal() if record.date_of_death else None)
        columns["place"].append(" ".join(record.place.lower().split()) or None)
        columns["sex"].append(record.sex)
    return columns


def _difference(column: str, thresholds: tuple[int, ...]) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        [cll.NullLevel(column), cll.ExactMatchLevel(column),
         *(cll.AbsoluteDifferenceLevel(column, t) for t in thresholds), cll.ElseLevel()],
        output_column_name=column)


def plain_settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.92, 0.8]).configure(term_frequency_adjustments=True),
            _difference("age", (1, 3)),
            _difference("day", (1, 30)),
            cl.ExactMatch("place"),
            cl.ExactMatch("sex"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("substr(name, 1, 3)"),
            block_on("day", "place"),
        ],
        retain_matching_columns=False,
    )


def link_plain(records: Iterable[VictimRecord],
               settings: LinkageSettings | None = None) -> dict[RecordKey, str]:
    """Cluster ``records`` with plain Splink; each record's cluster id (``source:record_id``
    of the cluster's smallest record)."""
    import splink
    from splink import block_on

    settings = settings or LinkageSettings()
    ordered = sorted(records, key=lambda r: r.key)
    check_unique(ordered)
    for name in ("splink",):
        logging.getLogger(name).setLevel(logging.ERROR)
    with settings.open_backend() as backend:
        table = backend.register(_rows(ordered))
        linker = splink.Linker(table, plain_settings(), log_level=None)
        linker.training.estimate_probability_two_random_records_match(
            [block_on("name", "day", "place")], recall=settings.prior_recall)
        linker.training.estimate_u_using_random_sampling(max_pairs=settings.u_max_pairs, seed=settings.seed)
        for rule in (block_on("name"), block_on("day", "place")):
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, estimate_without_term_frequencies=True, max_pairs=settings.em_max_pairs)
            except Exception as error:  # too few pairs on a short list: keep what is trained
                if "no" not in str(error).lower():
                    raise
        predictions = linker.inference.predict(threshold_match_probability=settings.threshold,
                                               warning_mode="never")
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=settings.threshold)
        # Table names here are Splink's own, never user input.
        found = backend.fetch(f"SELECT unique_id, cluster_id FROM {clusters.physical_name}")  # noqa: S608
    first: dict[Any, int] = {}
    for uid, cluster_id in zip(found["unique_id"], found["cluster_id"], strict=True):
        first[cluster_id] = min(first.get(cluster_id, uid), uid)
    by_uid = dict(zip(found["unique_id"], found["cluster_id"], strict=True))
    result: dict[RecordKey, str] = {}
    for index, record in enumerate(ordered):
        cluster_id = by_uid.get(index)
        smallest = ordered[first[cluster_id]] if cluster_id is not None else record
        result[record.key] = f"{smallest.source}:{smallest.record_id}"
    return result
