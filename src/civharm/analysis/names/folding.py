"""Canonical spellings of names, their skeletons, and the similarity of single words.

Folding is idempotent: a folded name folds to itself. Words keep their order;
compounds are joined (see :mod:`civharm.analysis.names.words`).
"""

from __future__ import annotations

from civharm.analysis.names.codes import collapse
from civharm.analysis.names.script import ARABIC, LATIN
from civharm.analysis.names.similarity import code_similarity
from civharm.analysis.names.words import KUNYA, NAME, name_words, read_run, runs


def _fold(text: str, scripts: frozenset[str]) -> str:
    folded: list[str] = []
    for script, raw in runs(text):
        if script in scripts:
            folded.extend(word.text for word in read_run(script, raw))
        else:
            folded.extend(raw)
    return " ".join(folded)


def fold_arabic(text: str) -> str:
    """Arabic-script words folded: hamza forms, ى, ة, tashkeel, tatweel, digits, Persian
    letters, compounds joined (عبد الله → عبدالله, ال حسن → الحسن). Other words are only
    cleaned (lower case, marks removed)."""
    return _fold(text, frozenset({ARABIC}))


def fold_latin(text: str) -> str:
    """Latin-script words folded: case, accents, ayn marks, articles (al-, el-, ash-, ...),
    Abd compounds, vowel and consonant variants, known given names. Other words are only
    cleaned."""
    return _fold(text, frozenset({LATIN}))


def fold_name(text: str) -> str:
    """Every word folded in its own script (see :func:`fold_arabic`, :func:`fold_latin`)."""
    return " ".join(word.text for word in name_words(text))


def skeleton(text: str) -> str:
    """The consonant skeleton of a name in any script, one group per word: محمد → ``mhmd``."""
    return " ".join(word.skeleton for word in name_words(text) if word.skeleton)


def _code(text: str) -> str:
    return collapse([*"".join(w.code for w in name_words(text) if w.kind in (NAME, KUNYA))])


def word_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two name words (a compound counts as one) in any scripts."""
    return code_similarity(_code(a), _code(b))
