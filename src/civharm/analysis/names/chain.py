"""Name chains: given name, father, grandfather and family name, and how two chains compare.

An Arabic name is a chain: محمد عبد الكريم الحسن is Muhammad, son of Abd al-Karim,
of the al-Hasan family. Lists keep more or fewer links: one drops the father,
another writes bin between links, another opens with an honorific (Sheikh, الحاج)
or a kunya (Abu Ahmad, ام محمد). The family name is the last link unless the
chain ends on a link introduced by bin/ibn/bint without an article.

Comparing two chains lines the links up (given with given, father with father,
family with family) and compares only links both have: a father one list drops
does not sink a match. The given name decides between relatives: a son carries
his father's given name as his father link and the same family name, so a
mismatch in given names caps the score whatever else agrees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from civharm.analysis.names.similarity import code_similarity
from civharm.analysis.names.words import CONNECTOR, HONORIFIC, KUNYA, NAME, NameWord, name_words

WEIGHTS = {"given": 0.4, "father": 0.2, "grandfather": 0.1, "family": 0.3}
# A link that disagrees caps the score at its similarity plus this margin.
CAPS = {"given": 0.1, "father": 0.3, "grandfather": 0.4, "family": 0.4}
# Reading one list's last link as a father rather than a family name costs this factor.
FAMILY_AS_FATHER = 0.95


@dataclass(frozen=True, slots=True)
class NameChain:
    """The links of one name; None where the name does not give a link."""

    given: NameWord | None
    father: NameWord | None
    grandfather: NameWord | None
    family: NameWord | None
    ancestors: tuple[NameWord, ...] = ()
    kunya: NameWord | None = None
    honorifics: tuple[NameWord, ...] = ()

    @property
    def given_code(self) -> str | None:
        return self.given.code if self.given else None

    @property
    def father_code(self) -> str | None:
        return self.father.code if self.father else None

    @property
    def grandfather_code(self) -> str | None:
        return self.grandfather.code if self.grandfather else None

    @property
    def family_code(self) -> str | None:
        return self.family.code if self.family else None

    @property
    def family_article(self) -> bool:
        return bool(self.family and self.family.article)


class Linked(Protocol):
    """What a chain comparison reads: a :class:`NameChain` or a ``NameFeatures`` row."""

    @property
    def given_code(self) -> str | None: ...

    @property
    def father_code(self) -> str | None: ...

    @property
    def grandfather_code(self) -> str | None: ...

    @property
    def family_code(self) -> str | None: ...

    @property
    def family_article(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class ChainComparison:
    """The score of two chains and of each link compared (None: not in both)."""

    score: float
    given: float | None
    father: float | None
    grandfather: float | None
    family: float | None
    family_as_father: bool = False

    def explain(self) -> str:
        """One line saying what agreed: for a reviewer deciding on a pair."""
        parts = [f"{name} {value:.2f}" for name in ("given", "father", "grandfather", "family")
                 if (value := getattr(self, name)) is not None]
        note = "; one list's last name read as the father" if self.family_as_father else ""
        return f"names {self.score:.2f} ({', '.join(parts) or 'nothing to compare'}){note}"


_Links = tuple[NameWord | None, NameWord | None, NameWord | None, NameWord | None, tuple[NameWord, ...],
               NameWord | None, tuple[NameWord, ...]]
_NO_LINKS: _Links = (None, None, None, None, (), None, ())


def chain_links(found: Sequence[NameWord]) -> _Links:
    """The fields of :class:`NameChain` as a tuple, for callers that run by the million."""
    if all(w.kind == NAME for w in found):
        # The common case, made fast: no honorific, connector, kunya or number.
        count = len(found)
        if count == 0:
            return _NO_LINKS
        if count == 1:
            return (found[0], None, None, None, (), None, ())
        return (found[0], found[1] if count > 2 else None, found[2] if count > 3 else None,
                found[-1], tuple(found[3:-1]), None, ())
    honorifics = tuple(w for w in found if w.kind == HONORIFIC)
    named = sum(1 for w in found if w.kind in (NAME, KUNYA))
    links: list[tuple[NameWord, bool]] = []
    kunya: NameWord | None = None
    after_connector = False
    position = -1
    for word in found:
        if word.kind == CONNECTOR:
            after_connector = True
            continue
        if word.kind not in (NAME, KUNYA):
            continue
        position += 1
        # Abu Ahmad Muhammad al-Hasan: a kunya opening a name, or inside it, is a
        # by-name; Abu Bakr al-Hasan is a given name; Ahmad Abu Zayd a family name.
        if word.kind == KUNYA and kunya is None and position < named - 1 \
                and (position > 0 or named - position > 2):
            kunya = word
            continue
        links.append((word, after_connector))
        after_connector = False
    if not links:
        return (None, None, None, None, (), kunya, honorifics)
    given = links[0][0]
    family: NameWord | None = None
    middle = [w for w, _ in links[1:]]
    if len(links) >= 2:
        last, introduced = links[-1]
        if last.article or not introduced:
            family = last
            middle = middle[:-1]
    father = middle[0] if middle else None
    grandfather = middle[1] if len(middle) > 1 else None
    return (given, father, grandfather, family, tuple(middle[2:]), kunya, honorifics)


def chain_of(found: Sequence[NameWord]) -> NameChain:
    """Read name words (see :func:`name_words`) into a chain."""
    return NameChain(*chain_links(found))


def split_chain(name: str) -> NameChain:
    """Split a name in any script into given, father, grandfather and family name."""
    return chain_of(name_words(name))


def _similarity(a: str | None, b: str | None) -> float | None:
    if a is None or b is None:
        return None
    return code_similarity(a, b)


def _score(links: dict[str, float | None], weight_a: float, weight_b: float) -> float:
    compared = [(WEIGHTS[name], value) for name, value in links.items() if value is not None]
    if not compared:
        return 0.0
    total = sum(weight for weight, _ in compared)
    score = sum(weight * value for weight, value in compared) / total
    for name, value in links.items():
        if value is not None:
            score = min(score, value + CAPS[name])
    coverage = total / max(weight_a, weight_b)
    return score * (0.9 + 0.1 * coverage)


def _weight(chain: Linked) -> float:
    return sum(WEIGHTS[name] for name, code in (
        ("given", chain.given_code), ("father", chain.father_code),
        ("grandfather", chain.grandfather_code), ("family", chain.family_code)) if code is not None)


def compare_chains(a: Linked, b: Linked) -> ChainComparison:
    """Compare two names link by link; see the module documentation."""
    links = {
        "given": _similarity(a.given_code, b.given_code),
        "father": _similarity(a.father_code, b.father_code),
        "grandfather": _similarity(a.grandfather_code, b.grandfather_code),
        "family": _similarity(a.family_code, b.family_code),
    }
    weight_a, weight_b = _weight(a), _weight(b)
    best = ChainComparison(_score(links, weight_a, weight_b), links["given"], links["father"],
                           links["grandfather"], links["family"])
    # "Muhammad Ahmad" may be Muhammad son of Ahmad, of a family the list leaves out.
    for short, long in ((a, b), (b, a)):
        if short.father_code is None and long.father_code is not None \
                and short.family_code is not None and not short.family_article:
            other = {"given": links["given"], "father": _similarity(short.family_code, long.father_code),
                     "grandfather": None, "family": None}
            score = FAMILY_AS_FATHER * _score(other, weight_a, weight_b)
            if score > best.score:
                best = ChainComparison(score, other["given"], other["father"], None, None, True)
    return best
