"""A name read into words: compounds joined, articles attached, each word folded and coded.

Lists split and join the same name differently: عبد الكريم and عبدالكريم; Abd
al-Karim, Abdul Karim, Abdulkarim, Abdel-Karim, Abdurrahman; ابو بكر and ابوبكر;
al-Hasan, Al Hasan, Alhasan; Nur al-Din and Noureddine; Nasrallah and Nasr Allah.
Each of these becomes one word with one canonical folded form: Arabic compounds
are written joined (عبدالكريم, الحسن, ابوبكر, نورالدين), except Umm X (ام X), which
could not be told from a name that starts with ام once joined; Latin compounds are
joined by hyphens (abd-al-karim, al-hasan, abu-bakr, nur-al-din, umm-kulsum).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from civharm.analysis.names import arabic, latin
from civharm.analysis.names.codes import collapse, is_exact, key_of, skeleton_of, vowels_of
from civharm.analysis.names.lexicon import ABD_LEXICON, LEXICON, Lexeme
from civharm.analysis.names.script import ARABIC, DIGITS, LATIN, clean, script_of, split_words

_DIGIT = re.compile(r"[0-9]")
_LATIN_WORD = re.compile(r"[a-z]+")
_ASCII_WORD = re.compile(r"[a-z0-9]")
_ARABIC_WORD = re.compile(r"[\u0621-\u064a]+")

NAME = "name"
KUNYA = "kunya"
CONNECTOR = "connector"
HONORIFIC = "honorific"
NUMBER = "number"

ABD_CODE = "'bd"
ABU_CODE = "'bU"
UMM_CODE = "'m"
ALLAH_CODE = "'l"
DIN_CODE = "dIn"


@dataclass(frozen=True, slots=True)
class NameWord:
    """One word of a name, compounds included, as every comparison sees it.

    ``text`` is the folded word as written in its script, article included
    (``al-hasan``, ``الحسن``); ``stem`` is the same without the article. ``code``,
    ``skeleton``, ``key`` and ``vowels`` are described in :mod:`civharm.analysis.names.codes`.
    ``kind`` says what the word is: a name, a kunya (Abu X, Umm X), a connector
    (bin, ibn, bint), an honorific (Sheikh, Hajj, Dr) or a number.
    """

    text: str
    stem: str
    script: str
    code: str
    skeleton: str
    key: str
    article: bool
    kind: str
    vowels: str

    @property
    def exact(self) -> bool:
        """True when the code's long vowels are known: Arabic script or a lexicon name."""
        return is_exact(self.code)


@lru_cache(maxsize=131072)
def _word(text: str, stem: str, script: str, code: str, key: str, article: bool,
          kind: str = NAME) -> NameWord:
    # Cached: a list of a million names holds a few thousand distinct words.
    return NameWord(text, stem, script, code, skeleton_of(code), key, article, kind, vowels_of(code))


def _joined_key(codes: Sequence[str], keys: Sequence[str]) -> str:
    code = collapse([*"".join(codes)])
    if is_exact(code):
        return key_of("".join(k for k in keys))
    return key_of(code)


# --- Latin ---------------------------------------------------------------------------

_PHONETIC_HONORIFICS = frozenset(latin.phonetic(h) for h in latin.HONORIFICS)
_PHONETIC_AMBIGUOUS = frozenset(latin.phonetic(h) for h in latin.HONORIFICS_AMBIGUOUS)
_PHONETIC_CONNECTORS = frozenset(latin.phonetic(c) for c in latin.CONNECTORS)
# Compounds are recognised on phonetic folds, so that a folded name, read again,
# splits and joins exactly as the name did: folding stays idempotent.
_ARTICLE = "al"
_ARTICLES = frozenset(latin.phonetic(a) for a in latin.ARTICLES)
_ABD_HEADS = frozenset(latin.phonetic(h) for h in latin.ABD_HEADS) | frozenset(
    f"abd{v}{sun}" for v in "aiu" for sun in ("sh", "s", "z", "t", "d", "n", "r"))
_ABU_HEADS = frozenset(latin.phonetic(h) for h in latin.ABU_HEADS)
_UMM_HEADS = frozenset(latin.phonetic(h) for h in latin.UMM_HEADS)
_SUN = re.compile(r"[aiu](sh|[sztdnrl])")
_ABD_SUN_NOUN = re.compile(r"[aiu]{1,2}(sh|[sztdnr])(\1.+)")
_ABD_ARTICLE_NOUN = re.compile(r"[aiu]{1,2}l(.+)")
_ALLAH_TAIL = frozenset({"a", "ah", "la", "lah", "ahi", "lahi", "ala", "ula"})
_DIN_GLUED = re.compile(r"([a-z]{3,}?)[aiu](?:ld|d)ini?")
_DIN_ALONE = frozenset({"idini", "idin", "udin", "udini", "adin", "adini", "aldin", "aldini", "ildin",
                        "ildini", "uldin"})
_ALLAH_GLUED = re.compile(r"([a-z]{3,}?)[aeiou]ll[aeiou]h?")
_SPECIAL = frozenset({"abd", _ARTICLE, "abu", "umm"}) | latin.ALLAH | latin.DIN | frozenset(
    v + sun for v in "aiu" for sun in ("sh", "s", "z", "t", "d", "n", "r", "l"))


@lru_cache(maxsize=65536)
def _known(word: str) -> Lexeme | None:
    if word in LEXICON.withheld:
        return None
    phonetic = latin.phonetic(word)
    lexeme = LEXICON.by_latin.get(phonetic)
    if lexeme is None and word.endswith(("e", "eh")):
        # A final e or eh is ة as often as not (Zahre, Salameh): try it as a.
        base = phonetic.removesuffix("h")
        if base.endswith("i"):
            lexeme = LEXICON.by_latin.get(base[:-1] + "a")
    return lexeme


@lru_cache(maxsize=65536)
def _latin_pieces(word: str) -> tuple[str, ...]:
    """A Latin word split where lists glue a compound into one word.

    A word that stays whole is returned as written, so that its code keeps the
    long vowels its spelling marks; the pieces of a split word are phonetic folds.
    """
    if word in latin.ALLAH or word in latin.DIN:
        return (word,)
    match = _ALLAH_GLUED.fullmatch(word)
    if match and not word.startswith("abd"):
        return (*_split(latin.phonetic(match.group(1))), "allah")
    phonetic = latin.phonetic(word)
    pieces = _split(phonetic)
    return (word,) if pieces == (phonetic,) and phonetic not in _SPECIAL else pieces


@lru_cache(maxsize=65536)
def _split(word: str) -> tuple[str, ...]:
    """:func:`_latin_pieces` of a phonetic fold."""
    if word in _ABD_HEADS:
        return ("abd",) if word == "abd" else ("abd", _ARTICLE)
    if word in _ARTICLES:
        return (_ARTICLE,)
    if word in _ABU_HEADS:
        return ("abu",)
    if word in _UMM_HEADS:
        return ("umm",)
    if word in _DIN_ALONE:
        return (_ARTICLE, "din")
    if _known(word) is not None:
        return (word,)
    # Pieces cut from a phonetic fold are folded again: a cut can undo a fold's context
    # (udiny, cut from udinyidini, folds to udini).
    if word.startswith("abd") and len(word) > 3:
        noun = _abd_noun(word[3:])
        if noun == "allah" or (noun is not None and _stable(noun)):
            return ("abd", _ARTICLE, noun)
        return (word,)
    if word.startswith("abu") and len(word) >= 6 and word[3] not in "aiu" \
            and _stable(latin.phonetic(word[3:])):
        return ("abu", latin.phonetic(word[3:]))
    match = _DIN_GLUED.fullmatch(word)
    if match:
        return (*_split(latin.phonetic(match.group(1))), _ARTICLE, "din")
    if word[:2] in _ARTICLES and len(word) >= 5:
        rest = latin.phonetic(word[2:])
        if (rest[0] not in "aiuy" and len(rest) >= 4) or _known(rest) is not None:
            return (_ARTICLE, *_split(rest))
    return (word,)


def _abd_noun(rest: str) -> str | None:
    """The noun of a glued Abd compound, from what follows abd: ulkarim, urrahman, allah."""
    match = _ABD_ARTICLE_NOUN.fullmatch(rest)
    if match:
        noun = match.group(1)
        return "allah" if noun in _ALLAH_TAIL else latin.phonetic(noun)
    match = _ABD_SUN_NOUN.fullmatch(rest)
    if match:
        return latin.phonetic(match.group(2))
    if rest[0] not in "aiu":
        return latin.phonetic(rest)
    if len(rest) >= 4 and rest not in _ABD_NOUN_SPELLINGS and rest[1:] in _ABD_NOUN_SPELLINGS:
        return latin.phonetic(rest[1:])
    return latin.phonetic(rest) if len(rest) >= 3 else None


def _stable(piece: str) -> bool:
    """True when a piece, read again on its own, is one plain word."""
    return piece not in _SPECIAL and _split(piece) == (piece,)


_ABD_NOUN_SPELLINGS = frozenset(
    latin.phonetic(s.lower()) for lexeme in ABD_LEXICON.by_arabic.values() for s in lexeme.spellings)


def _is_latin_article(piece: str, following: str | None) -> bool:
    if following is None:
        return False
    if piece == _ARTICLE:
        return True
    # as-Salam, ash-Shami, ad-Din: an article that names its noun's first consonant.
    match = _SUN.fullmatch(piece)
    return match is not None and latin.phonetic(following).startswith(match.group(1))


@lru_cache(maxsize=65536)
def _latin_plain(piece: str) -> tuple[str, str, str]:
    """Folded text, code and key of one Latin word the lexicon may know."""
    lexeme = _known(piece)
    if lexeme is not None:
        return lexeme.latin, lexeme.code, lexeme.key
    code = latin.latin_code(piece)
    return latin.phonetic(piece), code, key_of(code)


@lru_cache(maxsize=16384)
def _latin_noun(piece: str) -> tuple[str, str, str]:
    """As :func:`_latin_plain`, for the noun of an Abd compound."""
    if piece in latin.ALLAH or latin.phonetic(piece) in _ALLAH_TAIL:
        allah = ABD_LEXICON.by_arabic[arabic.ALLAH]
        return "allah", allah.code, allah.key
    lexeme = ABD_LEXICON.by_latin.get(latin.phonetic(piece))
    if lexeme is not None:
        return "allah" if lexeme.arabic == arabic.ALLAH else lexeme.latin, lexeme.code, lexeme.key
    return _latin_plain(piece)


@lru_cache(maxsize=65536)
def _latin_simple(piece: str, article: bool) -> NameWord:
    """A Latin word that is not part of a compound: a name or a connector."""
    phonetic = latin.phonetic(piece)
    if phonetic in _PHONETIC_CONNECTORS and not article:
        return _word(phonetic, phonetic, LATIN, "", "", False, CONNECTOR)
    text, code, key = _latin_plain(piece)
    return _word(f"al-{text}" if article else text, text, LATIN, code, key, article)


@lru_cache(maxsize=16384)
def _latin_abd(noun: str, article: bool) -> NameWord:
    """Abd and its noun: Abd al-Karim, Abdullah."""
    noun_text, noun_code, noun_key = _latin_noun(noun)
    text = "abd-allah" if noun_text == "allah" else f"abd-al-{noun_text}"
    code = collapse([*ABD_CODE, *noun_code])
    key = _joined_key((ABD_CODE, noun_code), (ABD_CODE, noun_key))
    return _word(f"al-{text}" if article else text, text, LATIN, code, key, article)


@lru_cache(maxsize=16384)
def _latin_kunya(abu: bool, noun: str, noun_article: bool) -> NameWord:
    """Abu X or Umm X."""
    head_code, head_text = (ABU_CODE, "abu") if abu else (UMM_CODE, "umm")
    noun_text, noun_code, noun_key = _latin_plain(noun)
    text = f"{head_text}-al-{noun_text}" if noun_article else f"{head_text}-{noun_text}"
    code = collapse([*head_code, *noun_code])
    return _word(text, text, LATIN, code, _joined_key((head_code, noun_code), (head_code, noun_key)),
                 False, KUNYA)


def _latin_words(raw: Sequence[str]) -> list[NameWord]:
    pieces = [p for word in raw for p in _latin_pieces(word)]
    out: list[NameWord] = []
    index = 0
    count = len(pieces)
    while index < count:
        piece = pieces[index]
        if piece not in _SPECIAL:
            out.append(_latin_simple(piece, False))
            index += 1
            continue
        following = pieces[index + 1] if index + 1 < count else None
        article = False
        if _is_latin_article(piece, following):
            article = True
            index += 1
            piece = pieces[index]
            following = pieces[index + 1] if index + 1 < count else None
        if piece == "abd" and following is not None:
            index += 1
            if _is_latin_article(pieces[index], pieces[index + 1] if index + 1 < count else None):
                index += 1
            out.append(_latin_abd(pieces[index], article))
            index += 1
            continue
        if piece in ("abu", "umm") and following is not None \
                and latin.phonetic(following) not in _PHONETIC_CONNECTORS:
            index += 1
            noun_article = _is_latin_article(pieces[index], pieces[index + 1] if index + 1 < count else None)
            if noun_article:
                index += 1
            out.append(_latin_kunya(piece == "abu", pieces[index], noun_article))
            index += 1
            continue
        if piece in latin.ALLAH and out and out[-1].kind == NAME and not article:
            out[-1] = _suffixed(out[-1], "-allah", ALLAH_CODE)
            index += 1
            continue
        if piece in latin.DIN and out and out[-1].kind == NAME and article:
            out[-1] = _suffixed(out[-1], "-al-din", DIN_CODE)
            index += 1
            continue
        out.append(_latin_simple(piece, article))
        index += 1
    return out


def _suffixed(word: NameWord, text: str, code: str) -> NameWord:
    joined = collapse([*word.code, *code])
    key = _joined_key((word.code, code), (word.key, code))
    return _word(word.text + text, word.stem + text, word.script, joined, key, word.article, word.kind)


# --- Arabic --------------------------------------------------------------------------

@lru_cache(maxsize=65536)
def _arabic_pieces(word: str) -> tuple[str, ...]:
    """An Arabic word split where lists join a compound into one word."""
    if word in _ARABIC_WHOLE:
        return (word,)
    if word.startswith(arabic.ARTICLE) and word[2:].startswith((arabic.ABD, arabic.ABU)) \
            and len(word) >= 5:
        return (arabic.ARTICLE, *_arabic_pieces(word[2:]))
    if word.endswith(arabic.ALLAH) and len(word) > 4:
        return (*_arabic_pieces(word[:-4]), arabic.ALLAH)
    if word.endswith(arabic.DIN) and len(word) > 6:
        return (*_arabic_pieces(word[:-5]), arabic.DIN)
    if word.startswith(arabic.ABD) and len(word) >= 6:
        return (arabic.ABD, word[3:])
    if word.startswith(arabic.ABU) and len(word) >= 6:
        return (arabic.ABU, word[3:])
    return (word,)


_ARABIC_WHOLE = frozenset({arabic.ALLAH, arabic.DIN, arabic.ABD, arabic.ABU, arabic.UMM, arabic.ARTICLE}) \
    | arabic.CONNECTORS


@lru_cache(maxsize=65536)
def _arabic_plain(word: str, abd_noun: bool = False) -> tuple[str, str, str]:
    """Stem, code and key of one Arabic word; the article is not part of them."""
    stem = word[2:] if arabic.has_article(word) else word
    lexeme = (ABD_LEXICON.by_arabic.get(stem) if abd_noun else None) or LEXICON.by_arabic.get(stem)
    if lexeme is not None:
        return stem, lexeme.code, lexeme.key
    code = arabic.arabic_code(stem)
    return stem, code, key_of(code)


@lru_cache(maxsize=65536)
def _arabic_simple(word: str) -> NameWord:
    """An Arabic word that is not part of a compound: a name or a connector."""
    if word in arabic.CONNECTORS:
        return _word(word, word, ARABIC, "", "", False, CONNECTOR)
    stem, code, key = _arabic_plain(word)
    return _word(word, stem, ARABIC, code, key, word != stem)


_ARABIC_SPECIAL = frozenset({arabic.ARTICLE, arabic.ABD, arabic.ABU, arabic.UMM, arabic.ALLAH, arabic.DIN})


@lru_cache(maxsize=16384)
def _arabic_abd(noun: str, article: bool) -> NameWord:
    """عبد and its noun (article included when written): عبدالكريم, عبدالله."""
    _, noun_code, noun_key = _arabic_plain(noun, abd_noun=True)
    text = arabic.ABD + noun
    code = collapse([*ABD_CODE, *noun_code])
    key = _joined_key((ABD_CODE, noun_code), (ABD_CODE, noun_key))
    return _word(arabic.ARTICLE + text if article else text, text, ARABIC, code, key, article)


@lru_cache(maxsize=16384)
def _arabic_kunya(head: str, noun: str) -> NameWord:
    """ابو X or ام X."""
    head_code = ABU_CODE if head == arabic.ABU else UMM_CODE
    _, noun_code, noun_key = _arabic_plain(noun)
    # Umm X stays two words: joined, it could not be told from a name starting with ام.
    text = f"{head}{noun}" if head == arabic.ABU else f"{head} {noun}"
    code = collapse([*head_code, *noun_code])
    return _word(text, text, ARABIC, code, _joined_key((head_code, noun_code), (head_code, noun_key)),
                 False, KUNYA)


def _arabic_words(raw: Sequence[str]) -> list[NameWord]:
    pieces = [p for word in raw for p in _arabic_pieces(word)]
    out: list[NameWord] = []
    index = 0
    count = len(pieces)
    while index < count:
        piece = pieces[index]
        if piece not in _ARABIC_SPECIAL:
            out.append(_arabic_simple(piece))
            index += 1
            continue
        following = pieces[index + 1] if index + 1 < count else None
        article = False
        if piece == arabic.ARTICLE and following is not None:
            article = True
            index += 1
            piece = following
            following = pieces[index + 1] if index + 1 < count else None
        if piece in arabic.CONNECTORS and not article:
            out.append(_word(piece, piece, ARABIC, "", "", False, CONNECTOR))
            index += 1
            continue
        if piece == arabic.ABD and following is not None:
            index += 1
            if pieces[index] == arabic.ARTICLE and index + 1 < count:
                index += 1
                noun = arabic.ARTICLE + pieces[index]
            else:
                noun = pieces[index]
            out.append(_arabic_abd(noun, article))
            index += 1
            continue
        if piece in (arabic.ABU, arabic.UMM) and following is not None \
                and following not in arabic.CONNECTORS:
            index += 1
            noun = pieces[index]
            if noun == arabic.ARTICLE and index + 1 < count:
                index += 1
                noun = arabic.ARTICLE + pieces[index]
            out.append(_arabic_kunya(piece, noun))
            index += 1
            continue
        if piece == arabic.ALLAH and out and out[-1].kind == NAME and not article:
            out[-1] = _suffixed(out[-1], arabic.ALLAH, ALLAH_CODE)
            index += 1
            continue
        if piece == arabic.DIN and out and out[-1].kind == NAME:
            out[-1] = _suffixed(out[-1], arabic.DIN, DIN_CODE)
            index += 1
            continue
        out.append(_arabic_simple(arabic.ARTICLE + piece if article else piece))
        index += 1
    return out


# --- both ----------------------------------------------------------------------------

def _is_honorific(word: NameWord) -> bool:
    if word.script == LATIN:
        return word.stem in _PHONETIC_HONORIFICS
    return word.text in arabic.HONORIFICS or word.stem in arabic.HONORIFICS


def _is_ambiguous_honorific(word: NameWord) -> bool:
    if word.script == LATIN:
        return word.stem in _PHONETIC_AMBIGUOUS
    return word.stem in arabic.HONORIFICS_AMBIGUOUS


def _mark_honorifics(found: list[NameWord]) -> list[NameWord]:
    """Honorifics that open a name (Sheikh, al-Hajj, الشهيد) are not part of it.

    Only leading ones: al-Shaykh and al-Hajji later in a name are family names.
    At least one name word is always left; a word that is also a name (Sayyid,
    Hajji) needs two name words after it.
    """
    for index, word in enumerate(found):
        if word.kind != NAME or not _is_honorific(word):
            break
        names_after = sum(1 for w in found[index + 1:] if w.kind in (NAME, KUNYA))
        if names_after < (2 if _is_ambiguous_honorific(word) else 1):
            break
        found[index] = _word(word.text, word.stem, word.script, "", "", word.article, HONORIFIC)
    return found


_BY_SCRIPT: dict[str, Callable[[Sequence[str]], list[NameWord]]] = {
    ARABIC: _arabic_words, LATIN: _latin_words,
}


def runs(name: str) -> list[tuple[str, list[str]]]:
    """The words of a name grouped in runs of one script, in order."""
    cleaned = clean(name)
    found: list[tuple[str, list[str]]] = []
    # Most names are in one script and hold no digit.
    if cleaned.isascii():
        if _DIGIT.search(cleaned) is None:
            return [(LATIN, _LATIN_WORD.findall(cleaned))] if _LATIN_WORD.search(cleaned) else []
    elif _ASCII_WORD.search(cleaned) is None:
        return [(ARABIC, _ARABIC_WORD.findall(cleaned))] if _ARABIC_WORD.search(cleaned) else []
    for raw in split_words(cleaned):
        script = script_of(raw)
        if found and found[-1][0] == script and script != DIGITS:
            found[-1][1].append(raw)
        else:
            found.append((script, [raw]))
    return found


def read_run(script: str, raw: Sequence[str]) -> list[NameWord]:
    """Name words of a run of raw words in one script."""
    if script == DIGITS:
        return [_word(word, word, DIGITS, "", "", False, NUMBER) for word in raw]
    return _BY_SCRIPT[script](raw)


@lru_cache(maxsize=32768)
def name_words(name: str) -> tuple[NameWord, ...]:
    """The words of a name in order, compounds joined, each folded and coded."""
    found = [word for script, raw in runs(name) for word in read_run(script, raw)]
    return tuple(_mark_honorifics(found))
