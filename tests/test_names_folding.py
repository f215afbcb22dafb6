"""Folding of Arabic and Latin names: example tables and properties."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civharm.analysis.names import fold_arabic, fold_latin, fold_name, name_features, skeleton
from civharm.simulation.monitoring import LISTS
from civharm.simulation.names import FAMILY, FEMALE, MALE, transliterate

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ARABIC_FOLDS = [
    ("أَحْمَد", "احمد"),  # hamza on alif, harakat
    ("إبراهيم", "ابراهيم"),
    ("آمنة", "امنه"),  # madda, taa marbuta
    ("ٱلله", "الله"),  # alif wasla
    ("مؤمن", "مومن"),
    ("عائشة", "عايشه"),
    ("مصطفى", "مصطفي"),  # alif maqsura
    ("مُحَمَّد", "محمد"),  # shadda
    ("محمـــد", "محمد"),  # tatweel
    ("مُحَمَّدٌ", "محمد"),  # tanwin
    ("هٰذا", "هذا"),  # superscript alef
    ("٣٤ ۱۲", "34 12"),  # Arabic-Indic and Persian digits
    ("کريم یوسف پرويز", "كريم يوسف برويز"),  # Persian letters
    ("ﷲ", "الله"),  # ligature
    ("ﻣﺤﻤﺪ", "محمد"),  # presentation forms
    ("عبد الله", "عبدالله"),
    ("عبدالله", "عبدالله"),
    ("عبد الرحمن", "عبدالرحمن"),
    ("عبد ال رحمن", "عبدالرحمن"),
    ("أبو بكر", "ابوبكر"),
    ("ابوبكر", "ابوبكر"),
    ("أم كلثوم", "ام كلثوم"),
    ("ام كلثوم", "ام كلثوم"),
    ("ال حسن", "الحسن"),
    ("نور الدين", "نورالدين"),
    ("نصر الله", "نصرالله"),
    ("العبد الله", "العبدالله"),
    ("محمد بن علي", "محمد بن علي"),
]

LATIN_FOLDS = [
    ("Mohammed", "muhamad"), ("MUHAMMAD", "muhamad"), ("Muḥammad", "muhamad"), ("Mohamed", "muhamad"),
    ("Mohammad", "muhamad"), ("Mohamad", "muhamad"), ("Muhammed", "muhamad"), ("Mhmd", "muhamad"),
    ("Mohd", "muhamad"), ("Ahmed", "ahmad"), ("Mahmoud", "mahmud"), ("Mahmood", "mahmud"),
    ("Hussein", "husayn"), ("Husayn", "husayn"), ("Hussain", "husayn"), ("Hossein", "husayn"),
    ("Ḥusayn", "husayn"), ("ʿAli", "ali"), ("Aly", "ali"), ("Sa'id", "sayd"), ("Saʿīd", "sayd"),
    ("Saeed", "sayd"), ("Khaled", "khalid"), ("Omar", "umar"), ("Youssef", "yusuf"), ("Yousef", "yusuf"),
    ("Ebrahim", "ibrahim"), ("Moustafa", "mustafa"), ("Fatma", "fatima"), ("Fatmeh", "fatima"),
    ("Aicha", "aysha"), ("Ayesha", "aysha"), ("Kassem", "kasim"), ("Gasim", "kasim"),
    ("Zafer", "zafir"), ("Dhafer", "zafir"), ("Othman", "usman"), ("Osman", "usman"),
    ("Abd al-Karim", "abd-al-karim"), ("Abdulkarim", "abd-al-karim"), ("Abdel Karim", "abd-al-karim"),
    ("Abdul-Karim", "abd-al-karim"), ("Abd-alkarim", "abd-al-karim"), ("Abdal Karim", "abd-al-karim"),
    ("Abdurrahman", "abd-al-rahman"), ("Abd ar-Rahman", "abd-al-rahman"), ("Abdur Rahman", "abd-al-rahman"),
    ("Abderrahmane", "abd-al-rahman"), ("Abd-ul-Rahman", "abd-al-rahman"), ("Abdallah", "abd-allah"),
    ("Abdullah", "abd-allah"), ("Abdulla", "abd-allah"), ("Abd Allah", "abd-allah"),
    ("al-Hassan", "al-hasan"), ("El-Hasan", "al-hasan"), ("Al Hassan", "al-hasan"), ("Alhassan", "al-hasan"),
    ("ul-Hasan", "al-hasan"), ("ash-Shami", "al-shami"), ("ar-Rashid", "al-rashid"),
    ("ad-Dakhil", "al-dakhil"), ("as-Salamah", "al-salama"), ("az-Zayd", "al-zayd"),
    ("an-Najjar", "al-najar"), ("ath-Thani", "al-sani"), ("Nour el-Din", "nur-al-din"),
    ("Noureddine", "nur-al-din"), ("Nur ad-Din", "nur-al-din"), ("Nasrallah", "nasr-allah"),
    ("Nasr Allah", "nasr-allah"), ("Abou Bakr", "abu-bakr"), ("Abubakar", "abu-bakr"),
    ("Umm Kulthum", "umm-kulsum"),
]


@pytest.mark.parametrize(("written", "folded"), ARABIC_FOLDS)
def test_arabic_folding(written: str, folded: str) -> None:
    assert fold_arabic(written) == folded
    assert fold_name(written) == folded


@pytest.mark.parametrize(("written", "folded"), LATIN_FOLDS)
def test_latin_folding(written: str, folded: str) -> None:
    assert fold_latin(written) == folded
    assert fold_name(written) == folded


def test_each_script_folds_only_its_own_words() -> None:
    assert fold_arabic("Mohammed أَحْمَد") == "mohammed احمد"
    assert fold_latin("Mohammed أَحْمَد") == "muhamad احمد"
    assert fold_name("Mohammed أَحْمَد") == "muhamad احمد"


# --- properties ------------------------------------------------------------------------

FRAGMENTS = st.sampled_from([
    "a", "e", "i", "o", "u", "oo", "ee", "ou", "ai", "aa", "y", "w", "h", "b", "d", "l", "ll", "m", "n", "r",
    "s", "t", "k", "q", "g", "sh", "th", "dh", "kh", "gh", "z", " ", "-", "'", " al-", " el ", " ash-",
    " ad-", "abd", "abdul", "abdur", "abu", "umm", " bin ", "allah", "din", "eddine", "sheikh ", "dr ",
    "ا", "ل", "ال", "عبد", "ابو", "ام", "الله", "الدين", "بن", "ة", "ى", "ي", "و", "ه", "ء", "أ", "ح", "م",
    "د", "\u064e", "\u0651", "\u0640", "٣", "é", "Ḥ", "ʿ", "1",
])
NAME_LIKE = st.lists(FRAGMENTS, max_size=12).map("".join)
ANY_TEXT = st.one_of(NAME_LIKE, st.text(max_size=30))


@FAST
@given(ANY_TEXT)
def test_folding_is_idempotent(text: str) -> None:
    for fold in (fold_name, fold_arabic, fold_latin):
        once = fold(text)
        assert fold(once) == once


@FAST
@given(ANY_TEXT)
def test_name_features_never_fail(text: str) -> None:
    features = name_features(text)
    assert features.script in ("arabic", "latin", "mixed", "none")
    if features.given is None:
        assert features.given_skeleton is None and features.given_code is None
        assert features.father is None and features.family is None
    for value in (features.blocking_key, features.blocking_key_alt):
        assert value is None or len(value.split(" ")) == 2


@pytest.mark.parametrize("text", ["", " ", "123", "٣٤٥", "-", "\u0651\u064e", "ـــ", "'", "بن", "?!"])
def test_names_without_name_words(text: str) -> None:
    features = name_features(text)
    assert features.given is None
    assert features.blocking_key is None
    assert features.folded == ""


def _arabic_names() -> st.SearchStrategy[str]:
    parts = st.sampled_from([p.arabic for p in MALE + FEMALE])
    family = st.sampled_from([p.arabic for p in FAMILY])
    return st.tuples(parts, parts, family).map(" ".join)


HARAKAT = [chr(c) for c in range(0x064B, 0x0653)] + ["\u0670", "\u0640"]


@FAST
@given(_arabic_names(), st.randoms(use_true_random=False))
def test_tashkeel_does_not_change_anything(name: str, rng: random.Random) -> None:
    def mark(char: str) -> str:
        if char.strip() and rng.random() < 0.5:
            return char + "".join(rng.choices(HARAKAT, k=rng.randint(1, 2)))
        return char

    marked = "".join(mark(c) for c in name)
    assert marked != name
    assert name_features(marked) == name_features(name)


def _latin_names() -> st.SearchStrategy[str]:
    habits = [p.latin for p in LISTS if p.latin]

    def spell(parts: tuple[str, str, str], which: int, seed: int) -> str:
        return transliterate(" ".join(parts), habits[which], random.Random(seed))

    given_names = st.sampled_from([p.latin for p in MALE + FEMALE])
    families = st.sampled_from([p.latin for p in FAMILY])
    return st.builds(spell, st.tuples(given_names, given_names, families),
                     st.integers(0, len(habits) - 1), st.integers(0, 10_000))


ACCENTED = {"a": "áàâäā", "e": "éèêëē", "i": "íìîïī", "o": "óòôöō", "u": "úùûüū", "h": "ḥ", "s": "ṣš",
            "d": "ḍ", "t": "ṭ", "z": "ẓ"}


@FAST
@given(_latin_names(), st.randoms(use_true_random=False))
def test_latin_case_and_accents_change_nothing(name: str, rng: random.Random) -> None:
    def disguise(char: str) -> str:
        if char.lower() in ACCENTED and rng.random() < 0.4:
            char = rng.choice(ACCENTED[char.lower()])
        return char.upper() if rng.random() < 0.5 else char.lower()

    disguised = "".join(disguise(c) for c in name)
    assert name_features(disguised) == name_features(name)


@FAST
@given(_latin_names(), st.randoms(use_true_random=False))
def test_ayn_marks_and_apostrophes_change_nothing(name: str, rng: random.Random) -> None:
    marked = re.sub(r"(?<=[a-z])(?=[a-z])", lambda _: rng.choice(["", "", "'", "ʿ", "ʾ", "’", "`"]), name)
    assert name_features(marked) == name_features(name)


VOWEL_VARIANTS = [("o", "u", "ou", "oo"), ("e", "i", "ee"), ("ei", "ai"), ("a", "aa")]
_VOWEL_RUN = re.compile(r"(?<=[bcdfgjklmnpqrstvxz])[aeiou]+(?=[bcdfgjklmnpqrstvxz])")


@FAST
@given(_latin_names(), st.randoms(use_true_random=False))
def test_vowel_variants_keep_the_skeleton(name: str, rng: random.Random) -> None:
    runs = [m for m in _VOWEL_RUN.finditer(name.lower())
            if any(m.group() in group for group in VOWEL_VARIANTS)]
    if not runs:
        return
    run = rng.choice(runs)
    group = next(g for g in VOWEL_VARIANTS if run.group() in g)
    variant = rng.choice([v for v in group if v != run.group()])
    changed = name.lower()[:run.start()] + variant + name.lower()[run.end():]
    before, after = name_features(name), name_features(changed)
    assert skeleton(changed) == skeleton(name)
    assert (after.skeleton, after.given_skeleton, after.family_skeleton, after.blocking_key) == \
        (before.skeleton, before.given_skeleton, before.family_skeleton, before.blocking_key)
