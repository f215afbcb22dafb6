"""Arabic script: the code of one folded word, and the words that make compounds.

Folding itself (hamza forms, ى → ي, ة → ه, tashkeel, tatweel, digits, Persian and
Urdu letters) happens in :mod:`civharm.analysis.names.script`; this module reads a
folded word into the shared code of :mod:`civharm.analysis.names.codes`.
"""

from __future__ import annotations

from civharm.analysis.names.codes import ONSET, collapse

ARTICLE = "ال"
ABD = "عبد"
ABU = "ابو"
UMM = "ام"
ALLAH = "الله"
DIN = "الدين"
CONNECTORS = frozenset({"بن", "ابن", "بنت", "ابنه"})
# Words that start with the letters of the article without having one.
NOT_ARTICLE = frozenset({"الله", "الياس", "الهام", "اليسع", "الفت", "الماس", "الفه"})
HONORIFICS = frozenset({
    "شيخ", "الشيخ", "حاج", "الحاج", "الحاجه", "حاجه", "حجي", "سيد", "السيد", "السيده", "سيده",
    "د", "دكتور", "الدكتور", "الدكتوره", "مهندس", "المهندس", "المهندسه", "الاستاذ", "استاذ",
    "الاستاذه", "الامام", "امام", "الملا", "ملا", "الشهيد", "الشهيده", "شهيد", "شهيده", "المرحوم",
    "المرحومه", "مرحوم", "الطفل", "الطفله", "طفل", "طفله", "الشاب", "الشابه",
})
# Honorifics that are also given names: dropped only when two name words follow.
HONORIFICS_AMBIGUOUS = frozenset({"سيد", "حجي", "امام"})

_CONSONANT = {
    "ب": "b", "ت": "t", "ث": "s", "ج": "j", "ح": "h", "خ": "x", "د": "d", "ذ": "z", "ر": "r",
    "ز": "z", "س": "s", "ش": "c", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "غ": "k", "ف": "f",
    "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "ة": "h",
}


def has_article(word: str) -> bool:
    """True when a word starts with the article ال and is more than the article."""
    return len(word) >= 4 and word.startswith(ARTICLE) and word not in NOT_ARTICLE


def arabic_code(word: str) -> str:
    """The code of one Arabic word (no article), folded or with ى kept as a long a.

    Long vowels are the letters ا و ي; و and ي open a word as consonants. A final
    ه, ة or ح of a word of three letters or more is no consonant: Latin spellings
    write ة as a, ah or eh and drop a final h after a vowel (Saleh, Fatimah), so
    neither side can keep it. A final ه or ة (lists write one for the other) leaves
    ``H``, the ending that tells Jamila جميلة from Jamil جميل.
    """
    out: list[str] = []
    last = len(word) - 1
    for index, letter in enumerate(word):
        consonant = _CONSONANT.get(letter)
        if consonant is not None:
            if consonant == "h" and index == last and last >= 2:
                if letter != "ح":
                    out.append("H")
                continue
            out.append(consonant)
        elif letter == "ا":
            out.append(ONSET if index == 0 else "A")
        elif letter == "ع":
            if index == 0:
                out.append(ONSET)
        elif letter == "و":
            out.append("w" if index == 0 else "U")
        elif letter == "ي":
            out.append("y" if index == 0 else "Y" if index == last else "I")
        elif letter == "ى":
            out.append("A")
    return collapse(out)


def precise_code(word: str) -> str:
    """As :func:`arabic_code`, but a final ي is a long i: for lexicon words spelt with care."""
    code = arabic_code(word)
    return code[:-1] + "I" if code.endswith("Y") else code
