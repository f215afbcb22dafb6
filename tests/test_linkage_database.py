"""`civharm link victims` on the database: people, the review queue, decisions kept and obeyed,
and the estimate made from the linked victims."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import civharm


def _people(db: str) -> dict[str, str]:
    """victim record id -> person key, for every record that names someone."""
    listed = civharm("victim", "list", "--json", db=db, check=True).stdout
    return {row["victim_id"]: row["person"] for row in json.loads(listed) if row["name"] or row["name_ar"]}


def test_link_review_and_estimate_on_the_demo(fresh_database_url: str, tmp_path: Path) -> None:
    db = fresh_database_url
    built = civharm("demo", "--no-serve", "--scale", "0.1", "--data-dir", str(tmp_path / "data"),
                    db=db, check=True)
    assert "named victim records into" in built.stdout
    assert "deaths estimated among people the lists could name" in built.stdout
    figures = json.loads(civharm("stats", "--json", db=db, check=True).stdout)
    assert 0 < figures["named_people"] < figures["named_victims"]
    assert figures["estimate"]["estimate"] >= figures["estimate"]["observed"]

    people = _people(db)
    assert all(people.values())
    # Two records of different people: an analyst says they are one, and it holds.
    by_person: dict[str, list[str]] = {}
    for record, person in sorted(people.items()):
        by_person.setdefault(person, []).append(record)
    singles = [records[0] for records in by_person.values() if len(records) == 1]
    first, second = singles[0], singles[1]
    accepted = civharm("review", "accept", first, second, "--by", "reviewer-1", "--reason", "same family",
                       db=db, check=True)
    assert "are person" in accepted.stdout
    assert _people(db)[first] == _people(db)[second]
    relinked = civharm("link", "victims", db=db, check=True)
    assert "1 analyst decision(s) obeyed" in relinked.stdout
    after = _people(db)
    assert after[first] == after[second]
    # A person keeps their key from run to run.
    unchanged = [r for r in people if r not in (first, second)]
    assert sum(after[r] == people[r] for r in unchanged) >= 0.95 * len(unchanged)

    # ...and says they are different again: the latest decision is in force.
    civharm("review", "reject", first, second, "--by", "reviewer-2", db=db, check=True)
    civharm("link", "victims", db=db, check=True)
    final = _people(db)
    assert final[first] != final[second]

    waiting = json.loads(civharm("review", "next", "--json", db=db, check=True).stdout)
    if waiting is not None:
        assert 0 <= waiting["probability"] <= 1
        assert waiting["explanation"] and {"comparison", "level", "bayes_factor"} <= set(
            waiting["explanation"][0])

    estimated = json.loads(civharm("estimate", "--method", "loglinear", "--json", db=db, check=True).stdout)
    assert estimated["method"] == "loglinear"
    assert estimated["observed"] <= estimated["estimate"]
    assert estimated["stored_as"] > figures["estimate"]["id"]
    text = civharm("stats", db=db, check=True).stdout
    assert f"estimate #{estimated['stored_as']}" in text


def test_estimate_without_linked_victims_says_what_to_do(fresh_database_url: str) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    refused = civharm("estimate", db=db)
    assert refused.returncode == 1
    assert "run `civharm link victims` first" in refused.stderr
    empty = civharm("review", "next", db=db, check=True)
    assert "No pair is waiting" in empty.stdout
