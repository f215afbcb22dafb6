"""Counts as press releases write them: numerals, number words, "a" and "an"."""

from __future__ import annotations

import re

_UNITS = {
    "zero": 0, "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}

# One count: a numeral, or number words such as "twenty-three" or "one hundred and four".
_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred", "thousand"], key=len, reverse=True))
COUNT = (
    rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|(?:(?:{_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_WORD}))*))"
)
COUNT_RE = re.compile(rf"^{COUNT}$", re.IGNORECASE)


def read_count(text: str) -> int | None:
    """The number a phrase such as "17", "seventeen", "an" or "one hundred and two" names."""
    cleaned = text.strip().lower().replace(",", "")
    if not cleaned:
        return None
    if cleaned.isdigit():
        return int(cleaned)
    total = 0
    current = 0
    seen = False
    for word in re.split(r"[\s-]+", cleaned):
        if word == "and":
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word == "thousand":
            total += (current or 1) * 1000
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None
