"""Linking victim records: the issue's family, analysts' decisions, clustering, the model."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civharm.analysis.linkage import (
    ConflictingDecisions,
    LinkageInputError,
    LinkageSettings,
    MasterIndex,
    TrainedModel,
    VictimRecord,
    default_model,
    link,
    match_new,
    prepare,
)
from civharm.analysis.linkage.clustering import cluster
from civharm.analysis.linkage.comparisons import SEX_IMPLIED_LABEL
from civharm.analysis.linkage.model import CAPS, check_weights, estimate_prior

DAY = date(2017, 6, 6)
SETTINGS = LinkageSettings(on_disk=False)


def family() -> list[VictimRecord]:
    """The issue's example: a father on three lists, his two sons on two."""
    return [
        VictimRecord("field", "F1", "محمد عبد الكريم الحسن", sex="male", age=34, date_of_death=DAY,
                     place="البريد"),
        VictimRecord("field", "F2", "أحمد محمد الحسن", sex="male", age=8, date_of_death=DAY, place="البريد"),
        VictimRecord("field", "F3", "علي محمد الحسن", sex="male", age=5, date_of_death=DAY, place="البريد"),
        VictimRecord("monitor", "M1", "Mohammed Abdulkarim al-Hassan", sex="male", age=35,
                     date_of_death=DAY, place="al-Bareed"),
        VictimRecord("monitor", "M2", "Ahmad Mohammed al-Hassan", sex="male", age=8, date_of_death=DAY,
                     place="al-Bareed"),
        VictimRecord("monitor", "M3", "Ali Mohammed al-Hassan", sex="male", age=5, place="al-Bareed"),
        VictimRecord("news", "N1", "Mohamad Abdel Karim el-Hasan"),
    ]


@pytest.fixture(scope="module")
def family_result():  # type: ignore[no-untyped-def]
    return link(family(), SETTINGS)


def test_the_father_is_one_person_on_three_lists_and_his_sons_are_two_others(family_result) -> None:  # type: ignore[no-untyped-def]
    persons = sorted(sorted(keys) for keys in family_result.persons().values())
    assert persons == [
        [("field", "F1"), ("monitor", "M1"), ("news", "N1")],
        [("field", "F2"), ("monitor", "M2")],
        [("field", "F3"), ("monitor", "M3")],
    ]
    # The person id is the smallest record of the person: stable while its records are.
    assert family_result.clusters[("news", "N1")] == "field:F1"


def test_each_pair_says_why_it_scored_as_it_did(family_result) -> None:  # type: ignore[no-untyped-def]
    pairs = {(p.left, p.right): p for p in family_result.pairs}
    father = pairs[(("field", "F1"), ("monitor", "M1"))]
    levels = {o.comparison: o.level for o in father.explanation}
    assert levels["given name"] == "same name (key)"
    assert levels["family name"] == "same name (key)"
    assert levels["age"] == "ages one year apart"
    # Both male, with one given name: the sex is implied by the name and not counted, which
    # the explanation must say rather than that the sex was missing.
    assert levels["sex"] == SEX_IMPLIED_LABEL
    assert father.probability > 0.95
    assert "given name: same name (key)" in father.explain()
    total = np.prod([o.bayes_factor for o in father.explanation])
    assert total > 1000
    # The brothers on one list: the given names differ, so their shared father's name
    # is not counted for them.
    brothers = pairs.get((("field", "F2"), ("field", "F3")))
    assert brothers is None or brothers.probability < 0.5


def test_same_consonants_with_other_long_vowels_are_other_names() -> None:
    records = [
        VictimRecord("a", "1", "محمود الحسن", sex="male", age=40, date_of_death=DAY, place="الفردوس"),
        VictimRecord("b", "1", "Mohammed al-Hassan", sex="male", age=40, date_of_death=DAY,
                     place="al-Firdaws"),
        VictimRecord("c", "1", "محمد الحسن", sex="male", age=40, date_of_death=DAY, place="الفردوس"),
    ]
    result = link(records, SETTINGS)
    assert result.clusters[("b", "1")] == result.clusters[("c", "1")] == "b:1"
    assert result.clusters[("a", "1")] == "a:1"


def test_analysts_decisions_are_respected(family_result) -> None:  # type: ignore[no-untyped-def]
    records = family()
    split = link(records, SETTINGS, cannot_link=[(("field", "F1"), ("monitor", "M1"))])
    assert split.clusters[("field", "F1")] != split.clusters[("monitor", "M1")]
    # The sons are untouched by that decision.
    assert split.clusters[("monitor", "M2")] == family_result.clusters[("monitor", "M2")]
    joined = link(records, SETTINGS, must_link=[(("field", "F2"), ("field", "F3"))])
    assert joined.clusters[("field", "F2")] == joined.clusters[("field", "F3")]
    with pytest.raises(ConflictingDecisions):
        link(records, SETTINGS, must_link=[(("field", "F2"), ("field", "F3"))],
             cannot_link=[(("field", "F2"), ("field", "F3"))])
    with pytest.raises(LinkageInputError, match="field:F9"):
        link(records, SETTINGS, cannot_link=[(("field", "F1"), ("field", "F9"))])


def test_a_person_holds_one_record_per_list_unless_it_is_a_duplicate_within_a_list() -> None:
    sources = ["a", "b", "b", "c", "c"]
    # 0 (list a) matches both records of list b; only the stronger joins it.
    # 3 and 4 are one list's duplicate pair: they may join each other.
    found = cluster(sources, [0, 0, 3, 1], [1, 2, 4, 3], [0.99, 0.98, 0.97, 0.96], threshold=0.9)
    assert found == [0, 0, 2, 0, 0]
    # A duplicate within list b does not drag in a second record of list c.
    found = cluster(sources, [1, 2, 1], [3, 4, 2], [0.99, 0.98, 0.97], threshold=0.9)
    assert found[1] == found[3] and found[2] == found[4] and found[1] != found[2]


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_clusters_never_hold_two_records_of_a_list_without_a_duplicate_pair(data: st.DataObject) -> None:
    count = data.draw(st.integers(2, 12))
    sources = data.draw(st.lists(st.sampled_from("abcd"), min_size=count, max_size=count))
    pairs = data.draw(st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, count - 1),
                                         st.floats(0.5, 1.0)), max_size=30))
    pairs = [(a, b, p) for a, b, p in pairs if a != b and sources[a] != sources[b]]
    cannot = data.draw(st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, count - 1)),
                                max_size=3))
    cannot = [(a, b) for a, b in cannot if a != b]
    found = cluster(sources, [a for a, _, _ in pairs], [b for _, b, _ in pairs],
                    [p for _, _, p in pairs], threshold=0.7, cannot_link=cannot)
    members: dict[int, list[int]] = {}
    for index, root in enumerate(found):
        members.setdefault(root, []).append(index)
    for root, group in members.items():
        assert root == min(group)
        lists = [sources[i] for i in group]
        assert len(lists) == len(set(lists))
    for a, b in cannot:
        assert found[a] != found[b]


def test_the_prior_follows_the_size_of_the_lists() -> None:
    people = [VictimRecord(s, f"{s}{i}", name, age=20 + i, date_of_death=DAY, place="Raqqa")
              for i, name in enumerate(["Ali al-Hasan", "Umar al-Ali", "Huda al-Jasim", "Taha al-Bakr"])
              for s in ("a", "b")]
    small = estimate_prior(prepare(people), 0.6)
    many = [VictimRecord(r.source, f"{r.record_id}-{k}", r.name, age=r.age, date_of_death=DAY.replace(day=k),
                         place=r.place) for r in people for k in range(1, 11)]
    large = estimate_prior(prepare(many), 0.6)
    assert large == pytest.approx(small * (len(people) - 1) / (len(many) - 1))


def test_learned_weights_that_break_the_name_rules_are_capped() -> None:
    model = default_model().splink_settings
    given_levels = next(c for c in model["comparisons"]
                        if c["output_column_name"] == "given_name")["comparison_levels"]
    different = next(lv for lv in given_levels if lv["label_for_charts"] == "different names")
    different["m_probability"] = 0.3  # what EM learns from siblings sharing a date
    notes = check_weights(model)
    assert any("given_name: 'different names'" in n for n in notes)
    cap = CAPS[("given_name", "different names")]
    assert different["m_probability"] / different["u_probability"] == pytest.approx(cap)


def test_a_saved_model_loads_and_links_the_same(tmp_path: Path) -> None:
    records = family()
    model = default_model()
    path = tmp_path / "model.json"
    model.save(path)
    loaded = TrainedModel.load(path)
    assert loaded == model
    assert link(records, SETTINGS, loaded).clusters == link(records, SETTINGS, model).clusters
    path.write_text(json.dumps({"comparisons": []}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a civharm victim model"):
        TrainedModel.load(path)


def test_new_records_join_the_persons_of_a_prepared_master(tmp_path: Path, family_result) -> None:  # type: ignore[no-untyped-def]
    master = MasterIndex.build(family(), family_result.clusters, tmp_path / "master", SETTINGS)
    assert MasterIndex.open(tmp_path / "master") == master
    new = [
        VictimRecord("hospital", "H1", "MOHAMAD ABDULKARIM EL-HASAN", sex="male", age=34, date_of_death=DAY,
                     place="Bareed"),
        VictimRecord("hospital", "H2", "ALI MOHAMAD EL-HASAN", sex="male", age=5, date_of_death=DAY,
                     place="Bareed"),
        VictimRecord("hospital", "H3", "UMAR KHALID EL-ALI", sex="male", age=50, date_of_death=DAY,
                     place="Bareed"),
        # A second record of the monitor's list cannot join a person who holds one.
        VictimRecord("monitor", "M9", "Ahmad Mohammed al-Hassan", sex="male", age=8, date_of_death=DAY,
                     place="al-Bareed"),
        # A person nobody had recorded, on two of the new lists, in two scripts: one new person.
        VictimRecord("hospital", "H4", "KHALED OMAR EL-ALI", sex="male", age=30, date_of_death=DAY,
                     place="Bareed"),
        VictimRecord("clinic", "C1", "خالد عمر العلي", sex="male", age=30, date_of_death=DAY,
                     place="البريد"),
    ]
    found = match_new(new, master, default_model(), SETTINGS)
    assert found.persons[("hospital", "H1")] == "field:F1"
    assert found.persons[("hospital", "H2")] == family_result.clusters[("field", "F3")]
    assert found.persons[("hospital", "H3")] == "hospital:H3"
    assert found.persons[("monitor", "M9")] == "monitor:M9"
    assert found.persons[("hospital", "H4")] == found.persons[("clinic", "C1")] == "clinic:C1"
    assert found.matched == 2
    with pytest.raises(ValueError, match="no master index"):
        MasterIndex.open(tmp_path / "nowhere")
