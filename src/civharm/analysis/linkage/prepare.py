"""Records turned into the flat columns Splink compares (the *prepared* table).

Each record becomes one row. Name columns come from
:func:`civharm.analysis.names.name_features`, link by link (given, father,
grandfather, family), each as a consonant ``_sk`` (skeleton: محمد, محمود, Mohammed and
Mahmoud all give ``mhmd``) and a finer ``_key`` that keeps long vowels (محمد ``mhmd``,
محمود ``mhmUd``; a Latin spelling the lexicon does not know gives an unsure key
starting with ``~``).

A record may carry two forms of one name (``name`` and ``name_alt``, typically Latin
beside Arabic). The primary columns take each link from the Arabic form when it has
that link, because Arabic script is exact about long vowels; the ``…2`` columns hold
the other form's link where it differs, so a typo in one form does not hide the other.

Ages become an interval (``age_lo``, ``age_hi``): one year for an exact age, the band
when the list gives a band. Dates become day numbers, places a cross-script skeleton.
``pkey`` approximates the person a record names (given and family key and date), so
that name frequencies are counted once per person, not once per list that names them.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from civharm.analysis.linkage.records import RecordKey, VictimRecord
from civharm.analysis.names import NameFeatures, name_features, skeleton

LINKS = ("given", "father", "grandfather", "family")
# Links whose second form is kept (the grandfather is a weak signal; one form suffices).
ALT_LINKS = ("given", "father", "family")

ARABIC, LATIN, BOTH, NONE = "arabic", "latin", "both", "none"

COLUMNS: tuple[str, ...] = (
    "unique_id", "source", "record_id", "script", "raw_name",
    *(f"{link}_{part}" for link in LINKS for part in ("key", "sk")),
    *(f"{link}_{part}2" for link in ALT_LINKS for part in ("key", "sk")),
    "name_sk", "block_gf", "block_gp", "block_gf2", "block_gp2", "block_fp",
    "sex", "age_lo", "age_hi", "day", "place", "pkey",
)

@dataclass(frozen=True, slots=True)
class PreparedRecords:
    """The prepared table, column by column (see the module documentation).

    ``unique_id`` is the record's position in ``keys``: Splink's pairs come back as
    these integers and are turned back into record keys here.
    """

    keys: tuple[RecordKey, ...]
    columns: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.keys)


def _script(features: NameFeatures | None) -> str | None:
    if features is None or features.script == "none":
        return None
    return features.script


_NO_LINKS: tuple[str | None, ...] = (None,) * 8


def _links(features: NameFeatures | None) -> tuple[str | None, ...]:
    """(key, skeleton) of given, father, grandfather and family name, flat."""
    if features is None:
        return _NO_LINKS
    f = features
    return (f.given_key, f.given_skeleton, f.father_key, f.father_skeleton, f.grandfather_key,
            f.grandfather_skeleton, f.family_key, f.family_skeleton)


@lru_cache(maxsize=4096)
def fold_place(place: str) -> str | None:
    """A place name as a cross-script consonant skeleton (al-Bareed and البريد agree)."""
    text = place.strip()
    if not text:
        return None
    return skeleton(text) or text.casefold()


def _name_columns(name: str, name_alt: str) -> tuple[Any, ...]:
    """The name columns of a record, in :data:`COLUMNS` order from ``script`` to ``block_fp``."""
    first = name_features(name) if name.strip() else None
    second = name_features(name_alt) if name_alt.strip() else None
    first_script, second_script = _script(first), _script(second)
    if second_script == ARABIC and first_script != ARABIC:
        first, second = second, first
        first_script, second_script = second_script, first_script
    scripts = {s for s in (first_script, second_script) if s is not None}
    if not scripts:
        script = NONE
    elif len(scripts) > 1 or "mixed" in scripts:
        script = BOTH
    else:
        script = scripts.pop()
    mine, other = _links(first), _links(second)
    primary: list[str | None] = []
    alternative: list[str | None] = []
    for position in range(0, 8, 2):
        key, sk = mine[position], mine[position + 1]
        other_key, other_sk = other[position], other[position + 1]
        if key is None:
            key, sk, other_key, other_sk = other_key, other_sk, None, None
        primary += (key, sk)
        if position != 4:  # the grandfather has no second form (ALT_LINKS)
            alternative += (other_key if other_key != key else None, other_sk if other_sk != sk else None)
    block_gf = first.blocking_key if first is not None else None
    block_gp = first.blocking_key_alt if first is not None else None
    block_gf2 = second.blocking_key if second is not None else None
    block_gp2 = second.blocking_key_alt if second is not None else None
    father, family = primary[3], primary[7]
    return (script, name or name_alt, *primary, *alternative,
            (first.skeleton or None) if first is not None else None,
            block_gf, block_gp, block_gf2 if block_gf2 != block_gf else None,
            block_gp2 if block_gp2 != block_gp else None,
            f"{father} {family}" if father and family else None)


def _row(index: int, record: VictimRecord) -> tuple[Any, ...]:
    names = _name_columns(record.name, record.name_alt)
    low, high = age_interval(record)
    day = record.date_of_death.toordinal() if record.date_of_death else None
    # names[2] and names[8] are the given and family keys.
    return (index, record.source, record.record_id, *names, record.sex, low, high, day,
            fold_place(record.place), f"{names[2]}|{names[8]}|{day}")


def age_interval(record: VictimRecord) -> tuple[int | None, int | None]:
    """The ages a record allows, as (lowest, highest); (None, None) when it says nothing."""
    if record.age is not None:
        return record.age, record.age
    if record.age_min is None and record.age_max is None:
        return None, None
    return (record.age_min if record.age_min is not None else 0,
            record.age_max if record.age_max is not None else 130)


# Preparing runs the name handling on every name: on large inputs it is shared out
# among forked worker processes, each taking a slice of the records.
PARALLEL_FROM = 50_000
_SHARED: list[VictimRecord] = []


def _prepare_slice(bounds: tuple[int, int]) -> list[tuple[Any, ...]]:
    start, stop = bounds
    return [_row(index, _SHARED[index]) for index in range(start, stop)]


def _workers() -> int:
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 4))
    except AttributeError:  # not on Linux
        return max(1, min(os.cpu_count() or 1, 4))


def prepare(records: Iterable[VictimRecord], progress: Callable[[int, int], None] | None = None,
            workers: int | None = None) -> PreparedRecords:
    """The prepared table of ``records`` (see the module documentation), in their order.

    ``workers`` processes share the work (default: one per core, up to four, from
    :data:`PARALLEL_FROM` records; where processes cannot be forked, one).
    """
    listed = list(records)
    count = len(listed)
    workers = workers if workers is not None else (_workers() if count >= PARALLEL_FROM else 1)
    rows: list[tuple[Any, ...]] = []
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        global _SHARED
        _SHARED = listed
        try:
            size = -(-count // (workers * 8))
            bounds = [(start, min(start + size, count)) for start in range(0, count, size)]
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for part in pool.imap(_prepare_slice, bounds):
                    rows += part
                    if progress is not None:
                        progress(len(rows), count)
        finally:
            _SHARED = []
    else:
        step = max(1, count // 100)
        for index, record in enumerate(listed):
            rows.append(_row(index, record))
            if progress is not None and index % step == 0:
                progress(index, count)
    if progress is not None:
        progress(count, count)
    columns = {name: list(values) for name, values in zip(COLUMNS, zip(*rows, strict=True), strict=True)} \
        if rows else {name: [] for name in COLUMNS}
    return PreparedRecords(tuple(r.key for r in listed), columns)
