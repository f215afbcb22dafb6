"""Counting independent sources: publishers once, witnesses each, the belligerent never."""

from __future__ import annotations

from civharm.analysis.source_independence import CitedSource, independent_sources
from civharm.domain.vocabulary import SourceKind

NEWS = SourceKind.MEDIA_REPORT


def test_one_publisher_is_one_voice_however_many_stories() -> None:
    assert independent_sources([CitedSource("a", NEWS, "Raqqa News"),
                                CitedSource("b", NEWS, " raqqa  news ")]) == 1


def test_each_witness_is_a_voice_even_with_one_interviewer() -> None:
    interviews = [CitedSource(f"W{n}", SourceKind.WITNESS_INTERVIEW, "Field team") for n in range(3)]
    assert independent_sources(interviews) == 3


def test_sources_without_a_publisher_count_each() -> None:
    assert independent_sources([CitedSource("a", NEWS), CitedSource("b", NEWS)]) == 2


def test_the_blamed_belligerents_own_statement_is_not_independent() -> None:
    own = CitedSource("civcas-2017-06", SourceKind.OFFICIAL_STATEMENT, "US-led Coalition")
    council = CitedSource("council", SourceKind.OFFICIAL_STATEMENT, "Raqqa Civil Council")
    assert independent_sources([own, council], belligerents=["US-led Coalition"]) == 1
    assert independent_sources([own, council]) == 2
