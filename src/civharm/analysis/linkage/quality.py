"""How good a linkage is against known truth: pairwise and B-cubed scores.

Pairwise scores count pairs of records: a true pair is two records of one person,
a found pair two records given one person id. B-cubed scores average over records:
how much of a record's found cluster is its person, and how much of its person the
found cluster holds.

Pairs are also counted by *pair type*, from the scripts the two records' names are
written in: Arabic–Latin when they share no script (an Arabic-only list against a
Latin-only one), Arabic–Arabic when both have an Arabic form, Latin–Latin otherwise.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from civharm.analysis.linkage.prepare import ARABIC, BOTH, LATIN, NONE
from civharm.analysis.linkage.records import RecordKey, VictimRecord
from civharm.analysis.names import name_features

PAIR_TYPES = ("arabic-arabic", "latin-latin", "arabic-latin")


@dataclass(frozen=True, slots=True)
class PairScores:
    """Pairwise precision, recall and F1, with the pair counts behind them."""

    true_pairs: int
    found_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.found_pairs if self.found_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class BCubed:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class Quality:
    """Every score of one linkage: overall, by pair type, and B-cubed."""

    records: int
    pairwise: PairScores
    by_pair_type: dict[str, PairScores]
    bcubed: BCubed


def name_script(record: VictimRecord) -> str:
    """``arabic``, ``latin``, ``both`` or ``none``: the scripts a record's name forms use."""
    scripts = {name_features(n).script for n in (record.name, record.name_alt) if n.strip()}
    scripts.discard("none")
    if not scripts:
        return NONE
    if len(scripts) > 1 or "mixed" in scripts:
        return BOTH
    return scripts.pop()


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _typed_pairs(counts: Mapping[str, int]) -> dict[str, int]:
    """Pairs among records of the given script counts, by pair type."""
    a, lat, both = counts.get(ARABIC, 0), counts.get(LATIN, 0), counts.get(BOTH, 0)
    return {"arabic-arabic": _pairs(a) + a * both + _pairs(both),
            "latin-latin": _pairs(lat) + lat * both,
            "arabic-latin": a * lat}


def evaluate(found: Mapping[RecordKey, Hashable], truth: Mapping[RecordKey, Hashable],
             scripts: Mapping[RecordKey, str] | None = None) -> Quality:
    """Score found person ids against true ones, over the records both cover.

    ``scripts`` (record → :func:`name_script`) gives the breakdown by pair type;
    without it every pair type is empty.
    """
    keys = [k for k in truth if k in found]
    scripts = scripts or {}
    found_groups: dict[Hashable, Counter[str]] = defaultdict(Counter)
    true_groups: dict[Hashable, Counter[str]] = defaultdict(Counter)
    both_groups: dict[tuple[Hashable, Hashable], Counter[str]] = defaultdict(Counter)
    for key in keys:
        script = scripts.get(key, NONE)
        found_groups[found[key]][script] += 1
        true_groups[truth[key]][script] += 1
        both_groups[(found[key], truth[key])][script] += 1

    def totals(groups: Mapping[Any, Counter[str]]) -> tuple[int, dict[str, int]]:
        overall = 0
        typed: Counter[str] = Counter()
        for counts in groups.values():
            overall += _pairs(sum(counts.values()))
            typed.update(_typed_pairs(counts))
        return overall, dict(typed)

    true_all, true_typed = totals(true_groups)
    found_all, found_typed = totals(found_groups)
    correct_all, correct_typed = totals(both_groups)
    by_type = {t: PairScores(true_typed.get(t, 0), found_typed.get(t, 0), correct_typed.get(t, 0))
               for t in PAIR_TYPES}
    found_size = {g: sum(c.values()) for g, c in found_groups.items()}
    true_size = {g: sum(c.values()) for g, c in true_groups.items()}
    precision = recall = 0.0
    for (found_id, true_id), counts in both_groups.items():
        shared = sum(counts.values())
        precision += shared * shared / found_size[found_id]
        recall += shared * shared / true_size[true_id]
    n = len(keys)
    bcubed = BCubed(precision / n if n else 1.0, recall / n if n else 1.0)
    return Quality(n, PairScores(true_all, found_all, correct_all), by_type, bcubed)


def read_simulated_lists(folder: Path, named_only: bool = True
                         ) -> tuple[list[VictimRecord], dict[RecordKey, str]]:
    """The victim lists of a simulated campaign (``civharm demo generate``) as records,
    with the true person of each record.

    Sources are the list names (``field``, ``monitor``…); ``name`` is the Latin form when
    the list gives one, ``name_alt`` the Arabic beside it; the place is the
    neighbourhood (else the place) of the record's incident. Records naming no one are
    left out unless ``named_only`` is false.
    """
    places: dict[str, str] = {}
    with open(folder / "incidents.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            places[row["code"]] = row.get("neighbourhood") or row.get("place") or ""
    truth_ids: dict[str, str] = {}
    with open(folder / "truth" / "victim-records.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            truth_ids[row["victim_id"]] = row["person_id"]
    records: list[VictimRecord] = []
    truth: dict[RecordKey, str] = {}
    for path in sorted(folder.glob("victims-*.csv")):
        source = path.stem.removeprefix("victims-")
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                latin, arabic = row["name"].strip(), row["name_ar"].strip()
                if named_only and not (latin or arabic):
                    continue

                def number(text: str) -> int | None:
                    return int(text) if text.strip() else None

                record = VictimRecord(
                    source=source, record_id=row["victim_id"], name=latin or arabic,
                    name_alt=arabic if latin else "", sex=row["sex"] or None, age=number(row["age"]),
                    age_min=number(row["age_min"]), age_max=number(row["age_max"]),
                    date_of_death=date.fromisoformat(row["date_of_death"]) if row["date_of_death"] else None,
                    place=places.get(row["incident"], ""),
                )
                records.append(record)
                truth[record.key] = truth_ids[row["victim_id"]]
    return records, truth
