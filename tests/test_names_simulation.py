"""Name handling on the simulator's spellings: every list's way of writing the same names."""

from __future__ import annotations

import itertools
import random

from civharm.analysis.names import NameWord, code_similarity, name_features, name_similarity, name_words
from civharm.simulation.monitoring import LISTS
from civharm.simulation.names import FAMILY, FEMALE, MALE, NamePart, arabic_variant, transliterate

PARTS = MALE + FEMALE + FAMILY


def _word(text: str) -> NameWord:
    found = [w for w in name_words(text) if w.kind == "name"]
    assert len(found) == 1, (text, found)
    return found[0]


def test_every_latin_spelling_has_the_arabic_skeleton() -> None:
    rng = random.Random(1)
    spelt = same_key = close = 0
    for part in PARTS:
        arabic = _word(part.arabic)
        for profile in LISTS:
            if profile.latin is None:
                continue
            for _ in range(6):
                spelling = transliterate(part.latin, profile.latin, rng)
                word = _word(spelling)
                assert word.skeleton == arabic.skeleton, (part, spelling)
                spelt += 1
                same_key += word.key == arabic.key
                close += code_similarity(word.code, arabic.code) >= 0.85
    # The rest are respellings no list would use for real (Suad as Soed, Haddad as Hadded).
    assert same_key / spelt >= 0.98
    assert close / spelt >= 0.995


def test_every_arabic_spelling_has_the_same_key() -> None:
    rng = random.Random(2)
    for part in PARTS:
        arabic = _word(part.arabic)
        for profile in LISTS:
            if profile.arabic is None:
                continue
            for _ in range(6):
                spelling = arabic_variant(part.arabic, profile.arabic, rng, family=part in FAMILY)
                word = _word(spelling)
                assert (word.skeleton, word.key, word.code) == (arabic.skeleton, arabic.key, arabic.code), \
                    (part, spelling)


def _spell(parts: list[NamePart], links: int, profile_index: int, rng: random.Random) -> str:
    profile = LISTS[profile_index]
    chosen = parts[:links - 1] + parts[-1:]
    if profile.latin is not None and (profile.arabic is None or rng.random() < 0.5):
        return " ".join(transliterate(p.latin, profile.latin, rng) for p in chosen)
    assert profile.arabic is not None
    return " ".join(arabic_variant(p.arabic, profile.arabic, rng, family=p in FAMILY) for p in chosen)


def test_same_people_agree_and_siblings_do_not() -> None:
    """People in families of three siblings, each written by every list with 2, 3 or 4 links."""
    rng = random.Random(3)
    written: list[tuple[int, int, str]] = []  # family, person, name
    for family_number in range(40):
        father, grandfather = rng.sample(MALE, 2)
        family = rng.choice(FAMILY)
        for person, given in enumerate(rng.sample([p for p in MALE if p not in (father, grandfather)], 3)):
            for profile_index in range(len(LISTS)):
                parts = [given, father, grandfather, family]
                written.append((family_number, person,
                                _spell(parts, rng.choice((2, 3, 4)), profile_index, rng)))
    same = [(a, b) for a, b in itertools.combinations(written, 2) if a[:2] == b[:2]]
    siblings = [(a, b) for a, b in itertools.combinations(written, 2) if a[0] == b[0] and a[1] != b[1]]

    def blocked(a: str, b: str) -> bool:
        fa, fb = name_features(a), name_features(b)
        return bool({fa.blocking_key, fa.blocking_key_alt} & {fb.blocking_key, fb.blocking_key_alt} - {None})

    assert sum(blocked(a[2], b[2]) for a, b in same) / len(same) >= 0.98
    assert sum(name_similarity(a[2], b[2]) >= 0.85 for a, b in same) / len(same) >= 0.97
    assert sum(name_similarity(a[2], b[2]) >= 0.85 for a, b in siblings) / len(siblings) <= 0.01
    assert sum(name_features(a[2]).blocking_key == name_features(b[2]).blocking_key
               for a, b in siblings) / len(siblings) <= 0.05
