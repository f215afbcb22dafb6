"""Scored pairs into persons: a greedy best-first merge under two constraints.

Connected components chain errors: one wrong link between two siblings joins two
whole families. Here pairs are taken strongest first, and two clusters merge only
when

- no analyst said that a record of one is not a record of the other
  (``cannot_link``), and
- the merged person would hold at most one record per list — unless the pair
  itself is two records of one list (a duplicate within a list), and that list is
  the only one both clusters hold.

Analysts' ``must_link`` pairs are merged first, whatever the scores say. The order
of equal scores is fixed by the records' positions, so a run is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt


class ConflictingDecisions(ValueError):
    """An analyst's must-link joins records another decision keeps apart."""


class _Clusters:
    """Union–find over record indices; a cluster's members, lists and forbidden records
    are kept only once it holds more than its first record (most records never do)."""

    def __init__(self, sources: Sequence[str]):
        self.parent = list(range(len(sources)))
        self.members: dict[int, list[int]] = {}
        self.lists: dict[int, set[str]] = {}
        self.forbidden: dict[int, set[int]] = {}
        self.sources = sources

    def find(self, node: int) -> int:
        parent = self.parent
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    def members_of(self, root: int) -> list[int]:
        return self.members.get(root) or [root]

    def lists_of(self, root: int) -> set[str]:
        return self.lists.get(root) or {self.sources[root]}

    def forbid(self, a: int, b: int) -> None:
        self.forbidden.setdefault(self.find(a), set()).add(b)
        self.forbidden.setdefault(self.find(b), set()).add(a)

    def blocked(self, root_a: int, root_b: int) -> bool:
        small, large = sorted((root_a, root_b), key=lambda r: len(self.members_of(r)))
        banned = self.forbidden.get(large)
        if not banned:
            return False
        return any(m in banned for m in self.members_of(small))

    def union(self, root_a: int, root_b: int) -> None:
        if len(self.members_of(root_a)) < len(self.members_of(root_b)):
            root_a, root_b = root_b, root_a
        self.parent[root_b] = root_a
        self.members[root_a] = self.members_of(root_a) + self.members_of(root_b)
        self.lists[root_a] = self.lists_of(root_a) | self.lists_of(root_b)
        banned = self.forbidden.pop(root_b, None)
        if banned:
            self.forbidden.setdefault(root_a, set()).update(banned)
        self.members.pop(root_b, None)
        self.lists.pop(root_b, None)


def cluster(sources: Sequence[str], left: npt.ArrayLike, right: npt.ArrayLike,
            probability: npt.ArrayLike, threshold: float,
            must_link: Iterable[tuple[int, int]] = (),
            cannot_link: Iterable[tuple[int, int]] = ()) -> list[int]:
    """The cluster of each record, as the smallest record index in it.

    ``sources[i]`` is record i's list; ``left``, ``right`` and ``probability`` are the
    scored pairs (record indices). Pairs below ``threshold`` are ignored.
    """
    clusters = _Clusters(sources)
    cannot = list(cannot_link)
    for a, b in cannot:
        clusters.forbid(a, b)
    for a, b in must_link:
        root_a, root_b = clusters.find(a), clusters.find(b)
        if root_a == root_b:
            continue
        if clusters.blocked(root_a, root_b):
            raise ConflictingDecisions(
                f"must-link of records {a} and {b} joins records that a cannot-link keeps apart")
        clusters.union(root_a, root_b)
    lefts = np.asarray(left, dtype=np.int64)
    rights = np.asarray(right, dtype=np.int64)
    scores = np.asarray(probability, dtype=np.float64)
    keep = scores >= threshold
    lefts, rights, scores = lefts[keep], rights[keep], scores[keep]
    low = np.minimum(lefts, rights)
    high = np.maximum(lefts, rights)
    order = np.lexsort((high, low, -scores))
    for a, b in zip(low[order].tolist(), high[order].tolist(), strict=True):
        root_a, root_b = clusters.find(a), clusters.find(b)
        if root_a == root_b:
            continue
        shared = clusters.lists_of(root_a) & clusters.lists_of(root_b)
        if shared and not (sources[a] == sources[b] and shared == {sources[a]}):
            continue
        if clusters.blocked(root_a, root_b):
            continue
        clusters.union(root_a, root_b)
    smallest = list(range(len(sources)))
    for members in clusters.members.values():
        first = min(members)
        for member in members:
            smallest[member] = first
    return smallest
