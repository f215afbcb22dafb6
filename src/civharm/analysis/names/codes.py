"""The cross-script code of a name word, and the keys read from it.

A code spells a word in one alphabet shared by both scripts:

- consonant classes, one lower-case letter each: ``b t s j h x d r z c k f l m n`` and
  ``w y`` (only at the start of a word, where they are consonants). Letters that
  transliterators render alike share a class: ت ط → t; ث س ص and Latin th, s → s;
  ذ ز ظ and Latin dh, z → z; د ض → d; ح ه → h; خ and kh → x; ش and sh, ch → c;
  ق ك غ and Latin q, k, c, g, gh → k.
- long vowels, upper case: ``A`` (ا, Latin marks none reliably), ``I`` (ي; Latin ee, ii,
  y and the i of ai, ei), ``U`` (و; Latin oo, uu, w), and ``Y`` for a final ي that may
  stand for alif maqsura (ى, a long a) since lists write one for the other; ``H`` for
  a final ة or ه (Latin a, ah, e, eh, or nothing).
- short vowels a Latin spelling writes, lower case: ``a e i u`` (o is u).
- ``'`` where a word starts with a vowel, ayn or hamza (أحمد, عمر, Omar).

Arabic script never writes short vowels, so a code from Arabic script (or from the
lexicon) holds no lower-case vowel: it is *exact* about long vowels. A code from a
Latin spelling the lexicon does not know holds what the transliterator wrote.

From a code:

- the **skeleton** keeps consonant classes only, with repeats collapsed:
  محمد, محمود, Mohammed, Mahmoud → ``mhmd``. Coarse, for blocking.
- the **key** keeps consonants and long vowels: محمد → ``mhmd``, محمود → ``mhmUd``. It is
  exact for Arabic script and known names; for a Latin spelling the lexicon does not
  know it is marked ``~`` (its long vowels are guesses) so it never equals an exact key.
- the **vowel pattern** replaces each consonant by ``.``: Muhammad → ``.u.a.a.``.
"""

from __future__ import annotations

import re

CONSONANTS = frozenset("btsjhxdrzckflmnwy")
SHORT = frozenset("aeiu")
LONG = frozenset("AIUYH")
ONSET = "'"
UNSURE = "~"

_NOT_CONSONANT = re.compile(r"[^btsjhxdrzckflmnwy]+")
_SHORT_VOWELS = re.compile(r"[aeiu]+")
_REPEAT = re.compile(r"([btsjhxdrzckflmnwy])\1+")
_CONSONANT = re.compile(r"[btsjhxdrzckflmnwy]")


def skeleton_of(code: str) -> str:
    """Consonant classes of a code, each run of one class written once."""
    return _REPEAT.sub(r"\1", _NOT_CONSONANT.sub("", code))


def key_of(code: str) -> str:
    """Consonants and long vowels of a code, marked unsure when it holds written short vowels."""
    if _SHORT_VOWELS.search(code) is None:
        return _REPEAT.sub(r"\1", code)
    return UNSURE + _REPEAT.sub(r"\1", _SHORT_VOWELS.sub("", code))


def vowels_of(code: str) -> str:
    """The vowel pattern of a code: consonants replaced by dots."""
    return _CONSONANT.sub(".", code)


def is_exact(code: str) -> bool:
    """True when a code holds no written short vowel: it came from Arabic script or the lexicon."""
    return _SHORT_VOWELS.search(code) is None


def collapse(parts: list[str]) -> str:
    """Join code pieces, writing a consonant class or long vowel once where it repeats."""
    out: list[str] = []
    for piece in parts:
        if out and piece == out[-1] and (piece in CONSONANTS or piece in LONG):
            continue
        out.append(piece)
    return "".join(out)
