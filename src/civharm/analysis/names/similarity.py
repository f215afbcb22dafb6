"""How alike two name words are, in any script: skeletons first, then vowels.

Two words with the same consonant skeleton are compared gap by gap, where a gap is
what stands between two consonants. Arabic script and the lexicon say which long
vowels a gap holds; a Latin spelling says which vowels the transliterator wrote.
A long vowel on one side that the other cannot render (محمود's long u against
Muhammad's a) is a conflict; a short vowel Arabic script does not write is no
evidence either way. Words whose skeletons differ score lower, by how far the
skeletons are apart (a typo, or another name).
"""

from __future__ import annotations

from functools import lru_cache

from civharm.analysis.names.codes import CONSONANTS, LONG, ONSET, is_exact, skeleton_of

# Same skeleton: the score runs from SAME_SKELETON (every gap in conflict) to 1.
SAME_SKELETON = 0.6
# Different skeletons: at most this much, less by the share of consonants that differ.
DIFFERENT_SKELETON = 0.8
# No gap told anything (Arabic script against a Latin spelling with short vowels only).
UNINFORMED = 0.9
# Which written vowels can render a long vowel.
_RENDERS = {"A": frozenset("aeA"), "I": frozenset("ieIY"), "U": frozenset("uU"),
            "Y": frozenset("aeiAIY"), "H": frozenset("ae")}
_QUALITY = str.maketrans({"A": "a", "I": "i", "U": "u", "Y": "i", "H": "a"})


def jaro_winkler(a: str, b: str, prefix_scale: float = 0.1) -> float:
    """Jaro-Winkler similarity of two strings, in [0, 1]; 1 for equal strings."""
    if a == b:
        return 1.0
    len_a, len_b = len(a), len(b)
    if not len_a or not len_b:
        return 0.0
    window = max(0, max(len_a, len_b) // 2 - 1)
    taken = [False] * len_b
    matched_a: list[str] = []
    for i, char in enumerate(a):
        for j in range(max(0, i - window), min(i + window + 1, len_b)):
            if not taken[j] and b[j] == char:
                taken[j] = True
                matched_a.append(char)
                break
    matches = len(matched_a)
    if not matches:
        return 0.0
    matched_b = [b[j] for j in range(len_b) if taken[j]]
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) // 2
    jaro = (matches / len_a + matches / len_b + (matches - transpositions) / matches) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * prefix_scale * (1 - jaro)


@lru_cache(maxsize=65536)
def _split(code: str) -> tuple[str, tuple[str, ...]]:
    """Consonants of a code as written (repeats kept), and the gaps around them."""
    consonants: list[str] = []
    gaps: list[str] = []
    current: list[str] = []
    for char in code:
        if char in CONSONANTS:
            gaps.append("".join(current))
            current = []
            consonants.append(char)
        else:
            current.append(char)
    gaps.append("".join(current))
    return "".join(consonants), tuple(gaps)


@lru_cache(maxsize=65536)
def _merged(code: str) -> tuple[str, tuple[str, ...], bool]:
    """As :func:`_split` with repeated consonants merged, as in the skeleton.

    ممدوح writes m twice where Mamduh writes m, a, m; ليلى writes l twice around a
    long vowel where آلاء has one l. The third value says whether a long vowel stood
    between merged repeats: then the words differ by more than a spelling habit.
    """
    consonants, gaps = _split(code)
    kept_consonants = consonants[:1]
    kept_gaps = [gaps[0]]
    lost = False
    for index in range(1, len(consonants)):
        between = gaps[index]
        if consonants[index] == consonants[index - 1]:
            lost = lost or any(c in LONG for c in between)
            continue
        kept_consonants += consonants[index]
        kept_gaps.append(between)
    kept_gaps.append(gaps[-1])
    return kept_consonants, tuple(kept_gaps), lost


def _exact_pair(a: str, b: str) -> float | None:
    if a == b:
        return 1.0 if a else None
    if len(a) == len(b) and all(x == y or "Y" in (x, y) for x, y in zip(a, b, strict=True)):
        return 0.6  # ي against ى or ا: lists write one for the other, names differ by it too
    return 0.0


def _exact_against_written(exact: str, written: str, final: bool) -> float | None:
    if "H" in exact:
        exact = exact.replace("H", "")
        if not exact:
            if not written:
                return None
            return 1.0 if all(c in "ae" for c in written) else 0.0
    elif final and not exact and "a" in written:
        return 0.0  # Jamila against جميل: a final a is ة or a long vowel Arabic writes
    if not exact:
        return 0.0 if any(c in LONG for c in written) else None
    if not written:
        return 0.25  # a long vowel the spelling leaves out: an abbreviation or a typo
    for long in exact:
        if not any(c in _RENDERS[long] for c in written):
            return 0.0
    for char in written:
        if char in LONG and not any(char in _RENDERS[long] for long in exact):
            return 0.0
    return 1.0


def _qualities(gap: str) -> str:
    out: list[str] = []
    for char in gap.translate(_QUALITY):
        if not out or out[-1] != char:
            out.append(char)
    return "".join(out)


def _written_pair(a: str, b: str) -> float | None:
    qa, qb = _qualities(a), _qualities(b)
    if qa == qb:
        return 1.0 if qa else None
    if not qa or not qb:
        return 0.4
    if len(qa) == len(qb) and all(x == y or ("e" in (x, y) and "u" not in (x, y))
                                  for x, y in zip(qa, qb, strict=True)):
        return 0.75
    return 0.0


def _gap(a: str, exact_a: bool, b: str, exact_b: bool, final: bool) -> float | None:
    scores: list[float] = []
    onset_a, onset_b = ONSET in a, ONSET in b
    if onset_a != onset_b:
        scores.append(0.0)
    elif onset_a:
        scores.append(1.0)
    a, b = a.replace(ONSET, ""), b.replace(ONSET, "")
    if exact_a and exact_b:
        vowel = _exact_pair(a, b)
    elif exact_a:
        vowel = _exact_against_written(a, b, final)
    elif exact_b:
        vowel = _exact_against_written(b, a, final)
    else:
        vowel = _written_pair(a, b)
    if vowel is not None:
        scores.append(vowel)
    if not scores:
        return None
    return sum(scores) / len(scores)


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) that turn a into b."""
    if a == b:
        return 0
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        previous2, previous = previous, current
    return previous[-1]


@lru_cache(maxsize=262144)
def code_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two word codes (see :mod:`civharm.analysis.names.codes`)."""
    if a == b:
        return 1.0 if a else 0.0
    if not a or not b:
        return 0.0
    consonants_a, gaps_a = _split(a)
    consonants_b, gaps_b = _split(b)
    extra: list[float] = []
    if consonants_a != consonants_b:
        if skeleton_of(a) != skeleton_of(b):
            distance = edit_distance(consonants_a, consonants_b)
            closeness = 1 - distance / max(len(consonants_a), len(consonants_b), 1)
            if (ONSET in gaps_a[0]) != (ONSET in gaps_b[0]):
                closeness *= 0.8
            return max(0.0, DIFFERENT_SKELETON * closeness - 0.1)
        consonants_a, gaps_a, lost_a = _merged(a)
        consonants_b, gaps_b, lost_b = _merged(b)
        if lost_a or lost_b:
            extra.append(0.0)
    exact_a, exact_b = is_exact(a), is_exact(b)
    last = len(gaps_a) - 1
    scores = [s for index, (ga, gb) in enumerate(zip(gaps_a, gaps_b, strict=True))
              if (s := _gap(ga, exact_a, gb, exact_b, index == last)) is not None]
    scores.extend(extra)
    # One gap in conflict is strong evidence of another name however many agree
    # (Amin أمين and Amina أمينة): the worst gap counts as much as all of them.
    vowels = (min(scores) + sum(scores) / len(scores)) / 2 if scores else UNINFORMED
    return SAME_SKELETON + (1 - SAME_SKELETON) * vowels
