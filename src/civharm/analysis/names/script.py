"""Unicode clean-up shared by both scripts, and the split of a name into words.

One pass folds what no list means to distinguish: compatibility forms (Arabic
presentation forms, ligatures such as ﷲ, full-width letters), every combining mark
(Arabic tashkeel, shadda, sukun, superscript alef, hamza written above or below its
seat; Latin accents), tatweel, zero-width and direction marks, apostrophes and ayn
marks, Arabic-Indic and Persian digits, and the Persian and Urdu letter shapes.
Hamza on a seat folds to the seat (أ إ آ → ا, ؤ → و, ئ → ي) because NFKD splits
the hamza off as a combining mark, which is then dropped.

A word is then a run of Arabic letters, of Latin letters or of digits: anything
else separates words.
"""

from __future__ import annotations

import re
import unicodedata

ARABIC = "arabic"
LATIN = "latin"
DIGITS = "digits"

_MARK_RANGES = (
    (0x0300, 0x036F), (0x0483, 0x0489), (0x0591, 0x05C7), (0x0610, 0x061A), (0x061C, 0x061C),
    (0x064B, 0x065F), (0x0670, 0x0670), (0x0674, 0x0674), (0x06D6, 0x06DC), (0x06DF, 0x06E8),
    (0x06EA, 0x06ED), (0x0640, 0x0640), (0x08D3, 0x08FF), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF),
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x20D0, 0x20FF), (0xFE00, 0xFE0F),
    (0xFE20, 0xFE2F), (0xFEFF, 0xFEFF), (0x00AD, 0x00AD),
)
# Apostrophes and ayn/hamza signs inside a Latin word ("Sa'id", "ʿAli") belong to the word.
_APOSTROPHES = "'`´ʹʻʼʽʾʿˈ‘’‛′″＇"
_LETTERS = {
    # Arabic letters no list means to distinguish from the plain ones
    "ٱ": "ا", "ٲ": "ا", "ٳ": "ا", "ٵ": "ا", "ى": "ي", "ة": "ه", "ء": "",
    "ٶ": "و", "ٷ": "و", "ۄ": "و", "ۅ": "و", "ۆ": "و", "ۇ": "و", "ۈ": "و", "ۉ": "و", "ۋ": "و",
    "ٸ": "ي", "ی": "ي", "ې": "ي", "ۍ": "ي", "ێ": "ي", "ے": "ي",
    "ک": "ك", "ڪ": "ك", "گ": "ك", "ڭ": "ك",
    "ہ": "ه", "ۀ": "ه", "ھ": "ه", "ە": "ه", "ۃ": "ه",
    "پ": "ب", "ٮ": "ب", "چ": "ج", "ژ": "ز", "ڤ": "ف", "ڥ": "ف", "ڨ": "ق", "ٯ": "ق",
    "ٹ": "ت", "ڈ": "د", "ڑ": "ر", "ں": "ن",
    # Latin letters that NFKD leaves alone
    "ı": "i", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ð": "d",
    "þ": "th", "ħ": "h", "ŧ": "t", "ſ": "s", "ɡ": "g", "ə": "e",
}


# Written for speed, as names run by the million: str.translate with a dict looks up
# every character, so the common work is one regex deletion and two replacements, and
# the table only runs when a rarer letter is there.
_DELETE = re.compile("[" + "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in _MARK_RANGES)
                     + re.escape(_APOSTROPHES) + "\u0621]+")
_RARE_LETTERS = {source: target for source, target in _LETTERS.items() if source not in "ىةء"}
_RARE_TABLE: dict[int, str | None] = {ord(source): target for source, target in _RARE_LETTERS.items()}
_RARE_TABLE.update({0x0660 + d: str(d) for d in range(10)})
_RARE_TABLE.update({0x06F0 + d: str(d) for d in range(10)})
_RARE = re.compile("[" + "".join(_RARE_LETTERS) + "\u0660-\u0669\u06f0-\u06f9]")
_WORD = re.compile(r"[\u0621-\u064a]+|[a-z]+|[0-9]+")


def _clean(text: str, keep_alif_maqsura: bool) -> str:
    if text.isascii():
        return text.lower().replace("'", "").replace("`", "")
    text = _DELETE.sub("", unicodedata.normalize("NFKD", text).lower())
    if not keep_alif_maqsura:
        text = text.replace("ى", "ي")
    text = text.replace("ة", "ه")
    if _RARE.search(text):
        text = text.translate(_RARE_TABLE)
    return text


def clean(text: str) -> str:
    """Lower case, compatibility forms, marks and letter variants folded; spacing kept."""
    return _clean(text, keep_alif_maqsura=False)


def clean_keeping_maqsura(text: str) -> str:
    """As :func:`clean`, but alif maqsura (ى, a long a) stays apart from ya (ي, a long i).

    Lists write one for the other, so names are folded; the lexicon keeps the
    difference to know that موسى ends in a and علي in i.
    """
    return _clean(text, keep_alif_maqsura=True)


def words(text: str) -> list[str]:
    """The words of a name: runs of Arabic letters, of Latin letters, or of digits."""
    return _WORD.findall(clean(text))


def split_words(cleaned: str) -> list[str]:
    """As :func:`words`, for text already passed through :func:`clean`."""
    return _WORD.findall(cleaned)


def script_of(word: str) -> str:
    """The script of one word from :func:`words`."""
    first = word[0]
    if first >= "\u0600":
        return ARABIC
    if first.isdigit():
        return DIGITS
    return LATIN
