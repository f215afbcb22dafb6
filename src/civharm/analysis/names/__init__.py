"""Arabic and Latin personal names for record linkage: folding, cross-script keys, chains.

The public API:

- :func:`fold_name`, :func:`fold_arabic`, :func:`fold_latin` — canonical spellings.
- :func:`name_words` — a name read into words (compounds joined), each with its
  cross-script ``code``, ``skeleton`` and ``key`` (see :mod:`.codes`).
- :func:`skeleton` — the consonant skeleton of a name: محمد and Mohammed give ``mhmd``.
- :func:`jaro_winkler`, :func:`word_similarity`, :func:`code_similarity` — words.
- :func:`split_chain`, :func:`compare_chains`, :func:`compare_names`,
  :func:`name_similarity` — whole names, link by link.
- :func:`name_features` — every derived column the linkage uses, as one row;
  :data:`COLUMNS`, :func:`feature_row` and :func:`feature_rows` (fast, for a
  million records) to lay rows out as a table.
"""

from __future__ import annotations

from civharm.analysis.names.chain import ChainComparison, NameChain, compare_chains, split_chain
from civharm.analysis.names.codes import key_of, skeleton_of, vowels_of
from civharm.analysis.names.features import (
    COLUMNS,
    NameFeatures,
    compare_names,
    feature_row,
    feature_rows,
    name_features,
    name_similarity,
)
from civharm.analysis.names.folding import fold_arabic, fold_latin, fold_name, skeleton, word_similarity
from civharm.analysis.names.similarity import code_similarity, jaro_winkler
from civharm.analysis.names.words import NameWord, name_words

__all__ = [
    "COLUMNS",
    "ChainComparison",
    "NameChain",
    "NameFeatures",
    "NameWord",
    "code_similarity",
    "compare_chains",
    "compare_names",
    "feature_row",
    "feature_rows",
    "fold_arabic",
    "fold_latin",
    "fold_name",
    "jaro_winkler",
    "key_of",
    "name_features",
    "name_similarity",
    "name_words",
    "skeleton",
    "skeleton_of",
    "split_chain",
    "vowels_of",
    "word_similarity",
]
