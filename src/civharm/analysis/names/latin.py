"""Latin script: the phonetic fold of one word, its code, and the words that make compounds.

The phonetic fold is what Latin lists agree on once their transliteration habits
are set aside: o/u, e/i, ou/oo, ee, ei/ai/ey, aa, doubled letters, q/k/g, dh/z,
th/s, ch/sh, ph/f, p/b, v/w. It is the folded Latin form of a word the lexicon does
not know, and the key under which the lexicon looks words up.
"""

from __future__ import annotations

import re
from functools import lru_cache

from civharm.analysis.names.codes import ONSET, collapse

# Articles written apart from their noun: al-Hasan, el-Hasan, Al Hasan, ul-, il-.
ARTICLES = frozenset({"al", "el", "ul", "il", "ol"})
ABD_HEADS = frozenset({"abd", "abdul", "abdel", "abdal", "abdil", "abdol", "abdoul"})
ABU_HEADS = frozenset({"abu", "abou", "abo", "aboo"})
UMM_HEADS = frozenset({"umm", "um", "om", "oum", "omm", "oumm", "oom"})
CONNECTORS = frozenset({"bin", "ibn", "ben", "bint", "bent", "binti", "bn", "ebn", "ibnu", "bnt", "ibnat"})
ALLAH = frozenset({"allah", "ullah", "illah", "alla", "ulla", "olla", "ollah"})
DIN = frozenset({"din", "deen", "dine", "dinn"})
HONORIFICS = frozenset({
    "sheikh", "shaykh", "shaikh", "sheik", "shiekh", "cheikh", "cheik", "shk", "hajj", "haj",
    "hajji", "haji", "hadji", "hajja", "hajjah", "hajjeh", "haja", "sayyid", "sayyed", "seyyed",
    "sayyida", "sayyidah", "dr", "doctor", "eng", "engineer", "mr", "mrs", "ms", "miss", "prof",
    "imam", "mullah", "mulla", "ustadh", "ustaz", "shahid", "shaheed", "martyr", "late",
})
# Honorifics that are also given or family names: dropped only when two name words follow.
HONORIFICS_AMBIGUOUS = frozenset({"hajji", "haji", "sayyid", "sayyed", "imam", "shahid"})

_DOUBLE_CONSONANT = re.compile(r"([b-df-hj-np-tv-z])\1+")
_VOWELS = frozenset("aeiou")
_DIGRAPHS = {
    "sh": "c", "ch": "c", "kh": "x", "gh": "k", "th": "s", "dh": "z", "ph": "f", "dj": "j",
    "zh": "z", "ck": "k",
}
_SINGLE = {
    "b": "b", "p": "b", "t": "t", "d": "d", "s": "s", "z": "z", "j": "j", "k": "k", "q": "k",
    "c": "k", "g": "k", "f": "f", "l": "l", "m": "m", "n": "n", "r": "r", "h": "h",
    "x": "ks",
}
# Two written vowels that mean one sound: a long vowel, or a short one written twice.
_VOWEL_PAIRS = {"oo": "U", "uu": "U", "ee": "I", "ii": "I", "ou": "u", "aa": "a", "ai": "aI",
                "ei": "eI", "au": "aU", "eu": "eU", "oa": "ua", "ie": "i"}
_SHORT = {"a": "a", "e": "e", "i": "i", "o": "u", "u": "u"}


@lru_cache(maxsize=65536)
def latin_code(word: str) -> str:
    """The code of one Latin word (lower-case a-z, no article): what its spelling says.

    Digraphs are read first (sh, kh, th, ...); w and y are consonants only at the
    start of a word, elsewhere they are the long vowels و and ي (Marwan, Husayn);
    ee, oo, and a final i or y are long vowels too. A final h after a vowel is
    dropped, as the Arabic side drops a final ه, ة or ح.
    """
    text = _DOUBLE_CONSONANT.sub(r"\1", word)
    out: list[str] = []
    last = len(text) - 1
    index = 0
    if text[:1] in _VOWELS:
        out.append(ONSET)
    while index <= last:
        letter = text[index]
        if letter in _VOWELS:
            end = index
            while end <= last and text[end] in _VOWELS:
                end += 1
            run = text[index:end]
            position = 0
            while position < len(run):
                pair = run[position:position + 2]
                if len(pair) == 2 and pair in _VOWEL_PAIRS:
                    out.append(_VOWEL_PAIRS[pair])
                    position += 2
                else:
                    out.append(_SHORT[run[position]])
                    position += 1
            if end > last and run[-1] == "i" and len(run) == 1 and index > 0:
                out[-1] = "I"  # a final i is always ي: Ali, Fathi
            index = end
            continue
        pair = text[index:index + 2]
        if len(pair) == 2 and pair in _DIGRAPHS:
            out.append(_DIGRAPHS[pair])
            index += 2
            continue
        if letter in "wv":  # v is w in Persian and Turkish spellings (Vahid, Veysel)
            out.append("w" if index == 0 else "U")
        elif letter == "y":
            out.append("y" if index == 0 else "I")
        elif letter == "h" and index == last and index >= 2 and text[index - 1] in _VOWELS:
            pass
        else:
            out.extend(_SINGLE.get(letter, ""))
        index += 1
    return collapse(out)


_PHONETIC_STEPS = (
    (re.compile(r"sch|ch"), "sh"), (re.compile(r"ph"), "f"), (re.compile(r"ck"), "k"),
    (re.compile(r"dj"), "j"), (re.compile(r"gh"), "k"), (re.compile(r"[qcg]"), "k"),
    (re.compile(r"x"), "ks"), (re.compile(r"p"), "b"), (re.compile(r"v"), "w"),
    (re.compile(r"dh|zh"), "z"), (re.compile(r"th"), "s"),
    (re.compile(r"ou|o"), "u"), (re.compile(r"[ae][iy]"), "ay"), (re.compile(r"e"), "i"),
    (re.compile(r"au"), "aw"), (re.compile(r"(?<=[^aeiouy])y$"), "i"), (re.compile(r"(?<=.)ah$"), "a"),
    (re.compile(r"([a-z])\1+"), r"\1"),
)


@lru_cache(maxsize=65536)
def phonetic(word: str) -> str:
    """The phonetic fold of one Latin word (lower-case a-z); folding twice changes nothing."""
    text = word
    for _ in range(6):
        before = text
        for pattern, replacement in _PHONETIC_STEPS:
            text = pattern.sub(replacement, text)
        if text == before:
            break
    return text or word
