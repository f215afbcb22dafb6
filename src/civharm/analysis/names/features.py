"""Everything record linkage needs from a name, as plain columns.

:func:`name_features` turns a name in any script into one flat, frozen row: the
folded name, its skeleton, key and vowel pattern, the same for each link of the
chain, and blocking keys. Columns are ``None`` where the name has no such link,
so that SQL comparisons (Splink's) treat them as missing rather than equal.

Columns for comparisons with term-frequency adjustments: ``given_key`` and
``family_key`` (exact, finer: محمد and Mohammed agree, Mahmud does not) and
``given_skeleton`` and ``family_skeleton`` (coarser, tolerant of unknown
spellings). Blocking: ``blocking_key`` (given and family skeletons) and
``blocking_key_alt`` (given skeleton and father's, or family's when no father is
given), so that a list writing "given father" and one writing "given father
family" still meet.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import Any, cast

from civharm.analysis.names.chain import ChainComparison, chain_links, compare_chains
from civharm.analysis.names.words import KUNYA, NAME, NameWord, name_words

MIXED = "mixed"
NO_SCRIPT = "none"


@dataclass(frozen=True, slots=True)
class NameFeatures:
    """Derived name columns of one record.

    - ``script``: ``arabic``, ``latin``, ``mixed`` or ``none`` (no name word at all).
    - ``folded``, ``skeleton``, ``key``, ``vowels``: the whole name, word by word
      (honorifics and bin/ibn left out, kunya kept), space-separated.
    - for each link (``given``, ``father``, ``grandfather``, ``family``): the folded
      word without its article, its ``_skeleton``, ``_key`` and ``_code`` (the code
      that :func:`code_similarity` compares; see :mod:`civharm.analysis.names.codes`).
    - ``family_article``: the family name was written with al-, el-, ال.
    - ``kunya`` (Abu X, Umm X set apart from the chain) and ``honorifics``.
    - ``blocking_key`` and ``blocking_key_alt``: see the module documentation.
    """

    script: str
    folded: str
    skeleton: str
    key: str
    vowels: str
    given: str | None
    given_skeleton: str | None
    given_key: str | None
    given_code: str | None
    father: str | None
    father_skeleton: str | None
    father_key: str | None
    father_code: str | None
    grandfather: str | None
    grandfather_skeleton: str | None
    grandfather_key: str | None
    grandfather_code: str | None
    family: str | None
    family_skeleton: str | None
    family_key: str | None
    family_code: str | None
    family_article: bool
    kunya: str | None
    honorifics: str | None
    blocking_key: str | None
    blocking_key_alt: str | None


_NONE4 = (None, None, None, None)


def _link(word: NameWord | None) -> tuple[str | None, str | None, str | None, str | None]:
    if word is None:
        return _NONE4
    return word.stem, word.skeleton or None, word.key or None, word.code or None


Row = tuple[str | bool | None, ...]


def _row(name: str) -> Row:
    found = name_words(name)
    given_word, father_word, grandfather_word, family_word, _, kunya, honorifics = chain_links(found)
    named = [w for w in found if w.kind == NAME or w.kind == KUNYA]
    scripts = {w.script for w in named}
    script = scripts.pop() if len(scripts) == 1 else MIXED if scripts else NO_SCRIPT
    given, father, grandfather, family = (_link(given_word), _link(father_word),
                                          _link(grandfather_word), _link(family_word))
    return (
        script,
        " ".join([w.text for w in named]),
        " ".join([w.skeleton for w in named if w.skeleton]),
        " ".join([w.key for w in named if w.key]),
        " ".join([w.vowels for w in named if w.vowels]),
        *given, *father, *grandfather, *family,
        family_word is not None and family_word.article,
        kunya.text if kunya else None,
        " ".join([w.text for w in honorifics]) or None,
        f"{given[1]} {family[1]}" if given[1] and family[1] else None,
        f"{given[1]} {father[1] or family[1]}" if given[1] and (father[1] or family[1]) else None,
    )


@lru_cache(maxsize=65536)
def name_features(name: str) -> NameFeatures:
    """The derived columns of one name, in any script (see :class:`NameFeatures`)."""
    # The row's types follow the fields one by one, which a tuple type cannot say briefly.
    return NameFeatures(*cast("tuple[Any, ...]", _row(name)))


COLUMNS: tuple[str, ...] = NameFeatures.__match_args__
_ROW = attrgetter(*COLUMNS)


def feature_row(features: NameFeatures) -> Row:
    """The columns of :class:`NameFeatures` as a tuple in :data:`COLUMNS` order."""
    row: Row = _ROW(features)
    return row


def feature_rows(names: Iterable[str]) -> Iterator[Row]:
    """The columns of many names as tuples in :data:`COLUMNS` order: for a million records.

    Equal to ``feature_row(name_features(name))`` for each name, without making a
    frozen dataclass per record (its field-by-field set-up costs as much as the rest).
    Names that repeat are computed once.
    """
    seen: dict[str, Row] = {}
    for name in names:
        row = seen.get(name)
        if row is None:
            row = _row(name)
            if len(seen) < 1_000_000:
                seen[name] = row
        yield row


def compare_names(a: str, b: str) -> ChainComparison:
    """Compare two names in any scripts link by link (see :func:`compare_chains`)."""
    return compare_chains(name_features(a), name_features(b))


def name_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two names in any scripts: skeletons, vowels and chains."""
    return compare_names(a, b).score
