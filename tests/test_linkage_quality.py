"""Linkage quality: the scores themselves, and our linkage against plain Splink on a
small simulated campaign with known truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from civharm.analysis.linkage import (
    PAIR_TYPES,
    LinkageSettings,
    evaluate,
    link,
    link_plain,
    name_script,
    read_simulated_lists,
)

# Measured on the campaign below (seed 2017, scale 0.2: 534 named records on five
# lists): pairwise F1 0.991 (B-cubed 0.998), Arabic-Arabic 0.993, Latin-Latin 0.988,
# Arabic-Latin 1.0 (31 true pairs); plain Splink 0.27. The floors sit a little below.
F1_FLOOR = 0.97
TYPE_F1_FLOOR = 0.95
PLAIN_F1_CEILING = 0.5


def test_scores_of_a_known_clustering() -> None:
    truth = {("a", "1"): "p", ("b", "1"): "p", ("c", "1"): "p", ("a", "2"): "q", ("b", "2"): "r"}
    found = {("a", "1"): 1, ("b", "1"): 1, ("c", "1"): 2, ("a", "2"): 3, ("b", "2"): 3}
    scripts = {("a", "1"): "arabic", ("b", "1"): "latin", ("c", "1"): "both",
               ("a", "2"): "arabic", ("b", "2"): "latin"}
    quality = evaluate(found, truth, scripts)
    # True pairs: a1-b1, a1-c1, b1-c1. Found: a1-b1, a2-b2. Correct: a1-b1.
    assert (quality.pairwise.true_pairs, quality.pairwise.found_pairs,
            quality.pairwise.correct_pairs) == (3, 2, 1)
    assert quality.pairwise.precision == pytest.approx(0.5)
    assert quality.pairwise.recall == pytest.approx(1 / 3)
    assert quality.pairwise.f1 == pytest.approx(0.4)
    # a1-b1 shares no script: Arabic-Latin. a1-c1: Arabic-Arabic. b1-c1: Latin-Latin.
    assert quality.by_pair_type["arabic-latin"].true_pairs == 1
    assert quality.by_pair_type["arabic-latin"].correct_pairs == 1
    assert quality.by_pair_type["arabic-latin"].found_pairs == 2
    assert quality.by_pair_type["arabic-arabic"].true_pairs == 1
    assert quality.by_pair_type["latin-latin"].true_pairs == 1
    # B-cubed precision: a1, b1: 1; c1: 1; a2, b2: 1/2 -> 4/5. Recall: a1, b1: 2/3; c1: 1/3;
    # a2, b2: 1 -> (2/3 + 2/3 + 1/3 + 1 + 1) / 5.
    assert quality.bcubed.precision == pytest.approx(0.8)
    assert quality.bcubed.recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 2) / 5)


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from civharm.simulation.scenario import generate

    folder = tmp_path_factory.mktemp("campaign")
    generate(folder, seed=2017, scale=0.2, parallel=False)
    return folder


def test_our_linkage_beats_plain_splink_on_mixed_script_lists(campaign: Path) -> None:
    records, truth = read_simulated_lists(campaign)
    assert {r.source for r in records} == {"field", "hospital", "media", "monitor", "responders"}
    scripts = {r.key: name_script(r) for r in records}
    settings = LinkageSettings(on_disk=False)
    ours = evaluate(link(records, settings).clusters, truth, scripts)
    plain = evaluate(link_plain(records, settings), truth, scripts)
    assert ours.pairwise.f1 >= F1_FLOOR, ours
    assert ours.bcubed.f1 >= F1_FLOOR
    for pair_type in PAIR_TYPES:
        assert ours.by_pair_type[pair_type].true_pairs > 20
        assert ours.by_pair_type[pair_type].f1 >= TYPE_F1_FLOOR, (pair_type, ours.by_pair_type)
    # Plain Splink cannot link Arabic script to Latin.
    assert plain.pairwise.f1 <= PLAIN_F1_CEILING
    assert plain.by_pair_type["arabic-latin"].recall < 0.1
