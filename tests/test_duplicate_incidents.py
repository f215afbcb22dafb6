"""Suggesting incidents that are probably one event, and merging or dismissing them."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civharm.analysis.duplicate_incidents import (
    IncidentProfile,
    NamedVictim,
    same_person,
    suggest_duplicates,
)
from civharm.analysis.strike_matching import Allegation
from civharm.domain.vocabulary import GeoPrecision
from conftest import civharm
from test_roundtrip import write_examples

DAY = date(2017, 6, 30)


def profile(code: str, day: date = DAY, lat: float = 35.95, lon: float = 39.01,
            precision: GeoPrecision = GeoPrecision.NEIGHBOURHOOD, victims: tuple[str, ...] = (),
            sources: tuple[str, ...] = ()) -> IncidentProfile:
    return IncidentProfile(Allegation(code, day, day, lat, lon, precision, ()),
                           tuple(NamedVictim((v,)) for v in victims), frozenset(sources))


def test_time_and_place_alone_suggest_nothing() -> None:
    """Many strikes fall on one neighbourhood in one day; that alone is no duplicate."""
    assert suggest_duplicates([profile("A"), profile("B", lat=35.951)]) == []


def test_a_shared_victim_suggests_a_pair_with_its_reasons() -> None:
    (pair,) = suggest_duplicates([profile("B", victims=("Ahmad al-Ali", "Huda")),
                                  profile("A", lat=35.953, victims=("ahmad  AL-ALI",))])
    assert (pair.first, pair.second) == ("A", "B")
    assert pair.reasons[0] == "same day"
    assert "1 victim named in both" in pair.reasons


def test_a_specific_source_ties_a_pair_but_a_big_list_does_not() -> None:
    big = [profile(f"X{n}", lat=36.5 + n) for n in range(5)]
    everyone = [IncidentProfile(p.incident, p.victims, frozenset({"list"})) for p in big]
    pairs = suggest_duplicates([*everyone, profile("A", sources=("list", "news-1")),
                                profile("B", lat=35.952, sources=("list", "news-1"))])
    assert [(p.first, p.second) for p in pairs] == [("A", "B")]
    assert any("news-1" in r for r in pairs[0].reasons)
    assert not any("list" in r.split("(")[-1] for r in pairs[0].reasons)


def test_two_precise_points_within_100_m_are_suggested() -> None:
    pairs = suggest_duplicates([profile("A", precision=GeoPrecision.WITHIN_100M),
                                profile("B", lat=35.9505, precision=GeoPrecision.WITHIN_100M)])
    assert len(pairs) == 1


def test_too_far_in_time_or_space_is_never_suggested() -> None:
    shared = ("Ahmad al-Ali",)
    assert suggest_duplicates([profile("A", victims=shared),
                               profile("B", day=DAY + timedelta(2), victims=shared)]) == []
    assert len(suggest_duplicates([profile("A", victims=shared),
                                   profile("B", day=DAY + timedelta(2), victims=shared)], days=2)) == 1
    assert suggest_duplicates([profile("A", victims=shared),
                               profile("B", lat=36.2, victims=shared)]) == []


def test_same_person_needs_agreeing_sex_and_age() -> None:
    assert same_person(NamedVictim(("Ali",), "male", 30), NamedVictim(("ali",), "male", 32))
    assert same_person(NamedVictim(("علي", "Ali")), NamedVictim(("ALI",)))
    assert not same_person(NamedVictim(("Ali",), "male", 30), NamedVictim(("Ali",), "male", 8))
    assert not same_person(NamedVictim(("Ali",), "male"), NamedVictim(("Ali",), "female"))
    assert not same_person(NamedVictim(("",)), NamedVictim(("",)))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.floats(-0.02, 0.02), st.sampled_from("abc")),
                max_size=12))
def test_each_pair_once_ordered_and_best_first(rows) -> None:
    profiles = [profile(f"I{n:02d}", day=DAY + timedelta(d), lat=35.95 + dy, victims=(v,))
                for n, (d, dy, v) in enumerate(rows)]
    pairs = suggest_duplicates(profiles)
    keys = [(p.first, p.second) for p in pairs]
    assert len(keys) == len(set(keys))
    assert all(first < second for first, second in keys)
    assert [p.score for p in pairs] == sorted((p.score for p in pairs), reverse=True)


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        suggest_duplicates([], days=-1)


def test_merge_moves_everything_and_keeps_the_old_code(tmp_path: Path, fresh_database_url: str) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    civharm("import", *write_examples(tmp_path), db=db, check=True)
    civharm("incident", "add", "--code", "RQ0003", "--date", "2017-06-30", "--place", "al-Badu",
            "--latitude", "35.9512", "--longitude", "39.0121", "--precision", "within_100m",
            db=db, check=True)
    civharm("source", "add", "--id", "S3", "--kind", "media_report", "--title", "Local page",
            db=db, check=True)
    civharm("claim", "add", "--incident", "RQ0003", "--source", "S3", "--killed-min", "3",
            "--killed-max", "4", db=db, check=True)
    civharm("victim", "add", "--incident", "RQ0003", "--id", "V9", "--name", "Ahmad Khalil al-Ali",
            db=db, check=True)
    found = civharm("match", "incidents", "--json", db=db, check=True)
    pairs = [json.loads(line) for line in found.stdout.splitlines()]
    assert [(p["first"], p["second"]) for p in pairs] == [("RQ0001", "RQ0003")]
    assert "1 victim named in both" in pairs[0]["reasons"]
    shown = civharm("incident", "show", "RQ0001", db=db, check=True)
    assert "possibly the same event as RQ0003" in shown.stdout

    civharm("incident", "merge", "RQ0001", "RQ0003", db=db, check=True)
    detail = json.loads(civharm("incident", "show", "RQ0001", "--json", db=db, check=True).stdout)
    assert detail["incident"]["previous_codes"] == "RQX1;RQ0003"
    assert sorted(c["source"] for c in detail["claims"]) == ["S1", "S2", "S3"]
    assert "V9" in [v["victim_id"] for v in detail["victims"]]
    assert detail["duplicate_suggestions"] == []
    gone = civharm("incident", "show", "RQ0003", db=db)
    assert gone.returncode != 0 and "no incident" in gone.stderr


def test_merge_refuses_to_lose_a_claim(tmp_path: Path, fresh_database_url: str) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    civharm("import", *write_examples(tmp_path), db=db, check=True)
    refused = civharm("incident", "merge", "RQ0001", "RQ0002", db=db)
    assert refused.returncode == 1
    assert "source(s) S2 make claims on both" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert civharm("incident", "show", "RQ0002", db=db).returncode == 0


def test_a_dismissed_pair_is_not_suggested_again(tmp_path: Path, fresh_database_url: str) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    civharm("import", *write_examples(tmp_path), db=db, check=True)
    civharm("incident", "add", "--code", "RQ0003", "--date", "2017-06-30", "--place", "al-Badu",
            "--latitude", "35.9511", "--longitude", "39.0121", "--precision", "within_100m",
            db=db, check=True)
    assert "1 pair(s)" in civharm("match", "incidents", db=db, check=True).stdout
    civharm("incident", "not-duplicate", "RQ0003", "RQ0001", db=db, check=True)
    again = civharm("match", "incidents", db=db, check=True).stdout
    assert "0 pair(s)" in again and "1 marked separate" in again
