"""How many independent sources speak of an incident.

Grading rules such as "two or more independent sources" need more than a count of claims:

- a publisher's several stories or posts are one voice, counted once;
- each witness interview is its own voice, whoever recorded it: two survivors are two
  sources even when one investigator interviewed both;
- a belligerent's own statement is not an independent source of an allegation against it.
  It is evidence of another kind, which the verdict and declared strikes already carry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from civharm.domain.vocabulary import SourceKind


@dataclass(frozen=True, slots=True)
class CitedSource:
    key: str
    kind: SourceKind
    publisher: str = ""


def _voice(source: CitedSource) -> str:
    if source.kind is SourceKind.WITNESS_INTERVIEW or not source.publisher.strip():
        return f"source:{source.key}"
    return f"publisher:{' '.join(source.publisher.casefold().split())}"


def independent_sources(sources: Iterable[CitedSource], belligerents: Iterable[str] = ()) -> int:
    """The number of distinct voices among ``sources``, leaving out statements published by
    any of ``belligerents``."""
    own = {" ".join(b.casefold().split()) for b in belligerents}
    voices = {
        _voice(source) for source in sources
        if not (source.kind is SourceKind.OFFICIAL_STATEMENT
                and " ".join(source.publisher.casefold().split()) in own)
    }
    return len(voices)
