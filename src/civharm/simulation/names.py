"""Invented Arabic names, and how lists spell them.

A person's name is a chain: given name, father's given name, grandfather's given
name, family name. Each list writes that chain in its own way: in Arabic script,
Latin script or both; with its own transliteration habits (Mohammed, Muhammad,
Mohamad; al-, el-; Abdul, Abd al-); with more or fewer links of the chain; and
with typing errors. The people are invented: names are drawn at random from
common given names and family names, so no record describes a real person.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from civharm.simulation.rng import pick_weighted, stream


@dataclass(frozen=True, slots=True)
class NamePart:
    """One link of a name chain: a canonical Latin spelling and the Arabic."""

    latin: str
    arabic: str


def _parts(rows: str) -> tuple[NamePart, ...]:
    found = []
    for line in rows.strip().splitlines():
        latin, arabic = line.split("|")
        found.append(NamePart(latin.strip(), arabic.strip()))
    return tuple(found)


MALE = _parts("""
Muhammad|محمد
Ahmad|أحمد
Mahmud|محمود
Ali|علي
Hasan|حسن
Husayn|حسين
Khalid|خالد
Umar|عمر
Uthman|عثمان
Abd Allah|عبد الله
Abd al-Rahman|عبد الرحمن
Abd al-Karim|عبد الكريم
Abd al-Aziz|عبد العزيز
Abd al-Qadir|عبد القادر
Abd al-Razzaq|عبد الرزاق
Yusuf|يوسف
Ibrahim|إبراهيم
Ismail|إسماعيل
Mustafa|مصطفى
Salih|صالح
Jasim|جاسم
Hammud|حمود
Isa|عيسى
Musa|موسى
Sulayman|سليمان
Yahya|يحيى
Faysal|فيصل
Walid|وليد
Majid|ماجد
Said|سعيد
Yasir|ياسر
Taha|طه
Anas|أنس
Bashir|بشير
Hamza|حمزة
Qasim|قاسم
Firas|فراس
Ayman|أيمن
Nasir|ناصر
Zakariya|زكريا
Radwan|رضوان
Ammar|عمار
Bilal|بلال
Hamid|حامد
Jamil|جميل
Adnan|عدنان
Marwan|مروان
Husam|حسام
Fawwaz|فواز
Khalil|خليل
Idris|إدريس
Tariq|طارق
""")

FEMALE = _parts("""
Fatimah|فاطمة
Aishah|عائشة
Maryam|مريم
Khadijah|خديجة
Zaynab|زينب
Aminah|أمينة
Nur|نور
Huda|هدى
Sarah|سارة
Layla|ليلى
Ruqayyah|رقية
Halimah|حليمة
Suad|سعاد
Asma|أسماء
Hayfa|هيفاء
Jamilah|جميلة
Widad|وداد
Salma|سلمى
Shayma|شيماء
Ala|آلاء
Dua|دعاء
Raghad|رغد
Batul|بتول
Lama|لمى
Ghufran|غفران
Nisrin|نسرين
Muna|منى
Samirah|سميرة
Khulud|خلود
Hanan|حنان
Rim|ريم
Amal|أمل
Wafa|وفاء
Sumayyah|سمية
Hind|هند
Fadwa|فدوى
Najah|نجاح
Rahaf|رهف
Bushra|بشرى
Zahrah|زهرة
""")

FAMILY = _parts("""
al-Hasan|الحسن
al-Ali|العلي
al-Khalaf|الخلف
al-Ahmad|الأحمد
al-Hamad|الحمد
al-Shaykh|الشيخ
al-Jasim|الجاسم
al-Muhammad|المحمد
al-Husayn|الحسين
al-Isa|العيسى
al-Khalil|الخليل
al-Darwish|الدرويش
al-Hammud|الحمود
al-Salih|الصالح
al-Najjar|النجار
al-Haddad|الحداد
al-Khidr|الخضر
al-Assaf|العساف
al-Faraj|الفرج
al-Musa|الموسى
al-Umar|العمر
al-Hammadi|الحمادي
al-Dakhil|الدخيل
al-Ubayd|العبيد
al-Salamah|السلامة
al-Atiyah|العطية
al-Fayyad|الفياض
al-Mustafa|المصطفى
al-Ibrahim|الإبراهيم
al-Khalid|الخالد
al-Matar|المطر
al-Jumah|الجمعة
al-Abd Allah|العبد الله
al-Sulayman|السليمان
al-Yusuf|اليوسف
al-Hamid|الحامد
al-Zayd|الزيد
al-Khatib|الخطيب
al-Rahhal|الرحال
al-Nasir|الناصر
al-Hajji|الحجي
al-Bakr|البكر
al-Mahmud|المحمود
al-Rashid|الرشيد
al-Saab|الصعب
""")


# --- Latin script ---------------------------------------------------------------------

ARTICLE_STYLES: tuple[str, ...] = ("al-{}", "Al-{}", "el-{}", "Al {}", "{}", "Al{}")
ABD_STYLES: tuple[str, ...] = ("Abd al-{}", "Abdul {}", "Abdel {}", "Abdul{}", "Abd-al{}",
                               "Abdal {}")
ABD_ALLAH_STYLES: tuple[str, ...] = ("Abd Allah", "Abdullah", "Abdallah", "Abdulla")
LONG_U: tuple[str, ...] = ("u", "ou", "oo", "o")
AY: tuple[str, ...] = ("ay", "ai", "ei")
AW: tuple[str, ...] = ("aw", "au", "ou")
FINAL_AH: tuple[str, ...] = ("ah", "a", "eh", "e")

_VOWELS = frozenset("aeiou")
_DOUBLE = re.compile(r"([bdfjklmnrstyz])\1")
_LONE_S = re.compile(r"(?<=[aeiou])s(?=[aeiou])")


@dataclass(frozen=True, slots=True)
class LatinHabits:
    """How one list writes Arabic names in Latin script. Probabilities and weights."""

    article: tuple[float, ...] = (1, 0, 0, 0, 0, 0)
    abd: tuple[float, ...] = (1, 0, 0, 0, 0, 0)
    abd_allah: tuple[float, ...] = (1, 0, 0, 0)
    short_u_as_o: float = 0.0
    long_u: tuple[float, ...] = (1, 0, 0, 0)
    long_i_as_ee: float = 0.0
    i_as_e: float = 0.0
    final_ad_as_ed: float = 0.0
    final_ah: tuple[float, ...] = (1, 0, 0, 0)
    undouble: float = 0.0
    double_s: float = 0.0
    ay: tuple[float, ...] = (1, 0, 0)
    aw: tuple[float, ...] = (1, 0, 0)
    q_as_k: float = 0.0
    upper: bool = False
    typo: float = 0.0


def _only_consonants_after(word: str, end: int) -> bool:
    return not any(c in _VOWELS for c in word[end:])


def _respell(word: str, h: LatinHabits, rng: random.Random) -> str:
    """One word (lower case, no spaces) in this list's spelling."""

    def u(match: re.Match[str]) -> str:
        if _only_consonants_after(word, match.end()):
            return pick_weighted(rng, LONG_U, h.long_u)
        return "o" if rng.random() < h.short_u_as_o else "u"

    def i(match: re.Match[str]) -> str:
        if match.start() > 0 and _only_consonants_after(word, match.end()):
            return "ee" if rng.random() < h.long_i_as_ee else "i"
        return "e" if rng.random() < h.i_as_e else "i"

    text = re.sub("u", u, word)
    text = re.sub("i", i, text)
    if text.endswith("ad") and len(text) > 3 and rng.random() < h.final_ad_as_ed:
        text = text[:-2] + "ed"
    if text.endswith("ah") and len(text) > 3:
        text = text[:-2] + pick_weighted(rng, FINAL_AH, h.final_ah)
    if rng.random() < h.undouble:
        text = _DOUBLE.sub(r"\1", text)
    if rng.random() < h.double_s:
        text = _LONE_S.sub("ss", text)
    text = re.sub("ay", lambda _: pick_weighted(rng, AY, h.ay), text)
    text = re.sub(r"aw(?![aeiouw])", lambda _: pick_weighted(rng, AW, h.aw), text)
    if rng.random() < h.q_as_k:
        text = text.replace("q", "k")
    return text or word


def _capitalise(word: str) -> str:
    return word[:1].upper() + word[1:]


def _respell_piece(piece: str, habits: LatinHabits, rng: random.Random) -> str:
    """A word, or words joined by hyphens, respelt; capitals kept where they were."""
    parts: list[str] = []
    for part in piece.split("-"):
        if not part:
            parts.append(part)
            continue
        respelt = _respell(part.lower(), habits, rng)
        parts.append(_capitalise(respelt) if part[:1].isupper() else respelt)
    return "-".join(parts)


def _with_article(noun: str, habits: LatinHabits, rng: random.Random) -> str:
    style = pick_weighted(rng, ARTICLE_STYLES, habits.article)
    if style == "Al{}":
        return "Al" + noun.lower()
    return style.format(noun)


def _abd(noun: str, habits: LatinHabits, rng: random.Random) -> str:
    style = pick_weighted(rng, ABD_STYLES, habits.abd)
    if style.endswith("{}") and not style.endswith((" {}", "-{}")):
        return style.format(noun.lower())  # written as one word: Abdulrahman
    return style.format(noun)


def transliterate(canonical: str, habits: LatinHabits, rng: random.Random) -> str:
    """A canonical Latin name as one list would write it. Never empty for non-empty input.

    Canonical names are words such as ``Muhammad``, ``Abd al-Rahman``, ``al-Hasan``
    or ``al-Abd Allah``; any other text is respelt word by word.
    """
    words = canonical.split()
    written: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        article = word.startswith("al-") and len(word) > 3
        if article:
            word = word[3:]
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "Abd" and following == "Allah":
            core = pick_weighted(rng, ABD_ALLAH_STYLES, habits.abd_allah)
            index += 2
        elif word == "Abd" and following.startswith("al-") and len(following) > 3:
            core = _abd(_respell_piece(following[3:], habits, rng), habits, rng)
            index += 2
        else:
            core = _respell_piece(word, habits, rng)
            index += 1
        written.append(_with_article(core, habits, rng) if article else core)
    result = " ".join(" ".join(written).split())
    if habits.upper:
        result = result.upper()
    return result or canonical


_LATIN_VOWELS = "aeiou"


def latin_typo(text: str, rng: random.Random) -> str:
    """One slip of the keyboard: a letter dropped, doubled, swapped or a vowel changed."""
    if len(text) < 3:
        return text
    position = 1 + int(rng.random() * (len(text) - 2))
    operation = rng.random()
    if operation < 0.3:
        changed = text[:position] + text[position + 1:]
    elif operation < 0.55:
        changed = text[:position] + text[position] + text[position:]
    elif operation < 0.8:
        changed = text[:position - 1] + text[position] + text[position - 1] + text[position + 1:]
    else:
        vowel = _LATIN_VOWELS[int(rng.random() * len(_LATIN_VOWELS))]
        changed = text[:position] + vowel + text[position + 1:] if text[position].lower() in \
            _LATIN_VOWELS else text[:position] + vowel + text[position:]
    return changed if changed.strip() else text


# --- Arabic script --------------------------------------------------------------------

_HAMZA_ALIF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})


@dataclass(frozen=True, slots=True)
class ArabicHabits:
    """How one list writes names in Arabic script."""

    hamza_dropped: float = 0.0
    taa_marbuta_as_haa: float = 0.0
    alif_maqsura_as_ya: float = 0.0
    abd_joined: float = 0.0
    family_article_dropped: float = 0.0
    typo: float = 0.0


def arabic_variant(text: str, habits: ArabicHabits, rng: random.Random,
                   family: bool = False) -> str:
    """Arabic text as one list would write it. Never empty for non-empty input."""
    result = text
    if rng.random() < habits.hamza_dropped:
        result = result.translate(_HAMZA_ALIF)
    if rng.random() < habits.taa_marbuta_as_haa:
        result = re.sub("ة(?=\\s|$)", "ه", result)
    if rng.random() < habits.alif_maqsura_as_ya:
        result = re.sub("ى(?=\\s|$)", "ي", result)
    if rng.random() < habits.abd_joined:
        result = result.replace("عبد ال", "عبدال")
    if family and result.startswith("ال") and len(result) > 4 and \
            rng.random() < habits.family_article_dropped:
        result = result[2:]
    return result if result.strip() else text


def arabic_typo(text: str, rng: random.Random) -> str:
    """A letter dropped, doubled or swapped with its neighbour."""
    letters = [i for i, c in enumerate(text) if not c.isspace()]
    if len(letters) < 3:
        return text
    position = letters[1 + int(rng.random() * (len(letters) - 2))]
    operation = rng.random()
    if operation < 0.4:
        changed = text[:position] + text[position + 1:]
    elif operation < 0.7:
        changed = text[:position] + text[position] + text[position:]
    else:
        changed = text[:position - 1] + text[position] + text[position - 1] + text[position + 1:]
    return changed if changed.strip() else text


# --- one list's spelling of whole names -----------------------------------------------

POOL = 8


@dataclass(slots=True)
class Speller:
    """Spells name parts the way one list does, quickly and reproducibly.

    For each name part the list's habits are drawn a few times once, from a
    stream of its own; a record then picks one of those spellings. The result
    depends only on the seed, the list and the part, never on the order in
    which records are made.
    """

    seed: int
    list_key: str
    latin_habits: LatinHabits
    arabic_habits: ArabicHabits
    _latin: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _arabic: dict[tuple[str, bool], tuple[str, ...]] = field(default_factory=dict)

    def latin_pool(self, canonical: str) -> tuple[str, ...]:
        """The spellings this list uses for one canonical name part."""
        pool = self._latin.get(canonical)
        if pool is None:
            source = stream(self.seed, "spelling", self.list_key, "latin", canonical)
            pool = tuple(transliterate(canonical, self.latin_habits, source) for _ in range(POOL))
            self._latin[canonical] = pool
        return pool

    def arabic_pool(self, text: str, family: bool = False) -> tuple[str, ...]:
        """The ways this list writes one name part in Arabic script."""
        pool = self._arabic.get((text, family))
        if pool is None:
            source = stream(self.seed, "spelling", self.list_key, "arabic", text, family)
            pool = tuple(arabic_variant(text, self.arabic_habits, source, family)
                         for _ in range(POOL))
            self._arabic[(text, family)] = pool
        return pool
