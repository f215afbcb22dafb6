"""Volunteers' dating answers combined into one destruction window per building: on answers
the simulator writes with a known truth, and on tiny hand-made answers."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from civharm.analysis import volunteer_dating as vd
from civharm.simulation.damage import write_damage

SHOWN = tuple(date(2017, 6, 1) + timedelta(days=14 * i) for i in range(6))
SHOWN_TEXT = ";".join(d.isoformat() for d in SHOWN)
HEADER = "task,volunteer,building,dates_shown,answer_before,answer_after,gold\n"


def answer(volunteer: str, gap: int, building: str = "B1", task: str = "T1",
           gold: bool = False) -> vd.Answer:
    return vd.Answer(task, volunteer, building, SHOWN, SHOWN[gap], SHOWN[gap + 1], gold)


def row(task: str, volunteer: str, building: str, gap: int, gold: str = "no") -> str:
    return (f"{task},{volunteer},{building},{SHOWN_TEXT},{SHOWN[gap].isoformat()},"
            f"{SHOWN[gap + 1].isoformat()},{gold}\n")


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("damage")
    write_damage(folder, seed=2, scale=1.0)
    return folder


@pytest.fixture(scope="module")
def judged(simulated: Path) -> tuple[vd.Aggregation, vd.Evaluation]:
    answers = vd.read_answers((simulated / "damage" / "volunteer-answers.csv").read_text())
    gold = vd.read_gold((simulated / "damage" / "gold-answers.csv").read_text())
    truth = vd.read_truth((simulated / "truth" / "damage.csv").read_text())
    result = vd.aggregate(answers, gold)
    return result, vd.evaluate(result.windows, answers, truth)


# --- on simulated answers, against the truth ------------------------------------------------------

def test_windows_are_right_above_the_floor(judged: tuple[vd.Aggregation, vd.Evaluation]) -> None:
    result, evaluation = judged
    assert evaluation.buildings == len(result.windows) > 400
    assert evaluation.accuracy >= 0.90
    assert evaluation.weighted_accuracy >= 0.90
    assert evaluation.dawid_skene_accuracy is not None and evaluation.dawid_skene_accuracy >= 0.85
    assert evaluation.mean_width_days == pytest.approx(14, abs=1)  # one fortnight's gap


def test_the_aggregate_is_no_worse_than_any_regular_volunteer(
        judged: tuple[vd.Aggregation, vd.Evaluation]) -> None:
    # On the buildings each volunteer answered, the combined window is right at least as
    # often as the volunteer, and more often for most of them and for the median one.
    _, evaluation = judged
    regulars = evaluation.regulars(30)
    assert len(regulars) >= 10
    for volunteer in regulars:
        assert volunteer.aggregate_accuracy >= volunteer.accuracy, volunteer
    better = [v for v in regulars if v.aggregate_accuracy > v.accuracy]
    assert len(better) > len(regulars) / 2
    summary = evaluation.as_json(30)
    assert isinstance(summary["median_volunteer_accuracy"], float)
    assert evaluation.accuracy > summary["median_volunteer_accuracy"]


def test_disputed_buildings_are_the_doubtful_ones(
        judged: tuple[vd.Aggregation, vd.Evaluation]) -> None:
    result, evaluation = judged
    assert 0 < evaluation.disputed < len(result.windows) / 4
    assert evaluation.disputed_accuracy is not None
    undisputed = ((evaluation.accuracy * evaluation.buildings
                   - evaluation.disputed_accuracy * evaluation.disputed)
                  / (evaluation.buildings - evaluation.disputed))
    assert evaluation.disputed_accuracy < undisputed
    for window in result.windows:
        if window.agreement < vd.DISPUTED_AGREEMENT:
            assert window.disputed


# --- the pieces, on tiny inputs with known answers ------------------------------------------------

def test_each_answer_votes_for_one_gap_and_the_majority_wins() -> None:
    answers = [answer("v1", 2), answer("v2", 2), answer("v3", 3)]
    result = vd.aggregate(answers)
    (window,) = result.windows
    assert (window.before, window.after) == (SHOWN[2], SHOWN[3])
    assert window.consensus == (SHOWN[2], SHOWN[3])
    assert window.answers == 3 and window.agreement == pytest.approx(2 / 3)
    assert window.method == "weighted"  # these volunteers have too few answers for Dawid–Skene
    assert window.dawid_skene == (SHOWN[2], SHOWN[3])
    weights = vd.gap_weights(answers, result.scores)
    assert set(weights) == {(SHOWN[2], SHOWN[3]), (SHOWN[3], SHOWN[4])}
    assert weights[(SHOWN[2], SHOWN[3])] == pytest.approx(2 * weights[(SHOWN[3], SHOWN[4])])


def test_gold_scores_are_shrunk_towards_the_crowd() -> None:
    gold = {f"G{i}": vd.GoldAnswer(f"G{i}", f"g{i}", SHOWN[1], SHOWN[2]) for i in range(4)}
    answers = [answer("good", 1, f"g{i}", f"G{i}", gold=True) for i in range(4)]
    answers += [answer("bad", 3, f"g{i}", f"G{i}", gold=True) for i in range(4)]
    answers.append(answer("new", 1, "other", "T9"))
    scores, prior_before, prior_after = vd.score_volunteers(answers, gold)
    assert prior_before == prior_after == 0.5  # 4 right of 8 gold answers
    assert scores["good"].before_accuracy == pytest.approx((4 + 2 * 0.5) / (4 + 2))
    assert scores["bad"].after_accuracy == pytest.approx((0 + 2 * 0.5) / (4 + 2))
    assert scores["new"].gold_answers == 0 and scores["new"].before_accuracy == 0.5
    # Weights: chance among 5 gaps (p = 0.2) counts nothing; better counts more.
    assert vd.vote_weight(0.2, 5) == 0.0
    assert vd.vote_weight(0.1, 5) == 0.0
    assert 0 < vd.vote_weight(0.5, 5) < vd.vote_weight(5 / 6, 5)
    assert vd.vote_weight(5 / 6, 5) == pytest.approx(math.log(5 / 6 * 4 / (1 / 6)))


def test_a_trusted_volunteer_outweighs_two_distrusted_ones() -> None:
    gold = {f"G{i}": vd.GoldAnswer(f"G{i}", f"g{i}", SHOWN[0], SHOWN[1]) for i in range(6)}
    answers = []
    for i in range(6):
        answers.append(answer("trusted", 0, f"g{i}", f"G{i}", gold=True))
        answers.append(answer("wrong-1", 4, f"g{i}", f"G{i}", gold=True))
        answers.append(answer("wrong-2", 3, f"g{i}", f"G{i}", gold=True))
    answers += [answer("trusted", 1), answer("wrong-1", 3), answer("wrong-2", 3)]
    scores, _, _ = vd.score_volunteers(answers, gold)
    assert vd.weighted_consensus(answers[-3:], scores) == (SHOWN[1], SHOWN[2])


def test_crossing_bounds_widen_the_window() -> None:
    # One says gap 1, one gap 2: "before" tie goes to the earlier date, "after" to the later.
    answers = [answer("v1", 1), answer("v2", 2)]
    scores, _, _ = vd.score_volunteers(answers, {})
    assert vd.weighted_consensus(answers, scores) == (SHOWN[1], SHOWN[3])


def test_a_split_building_is_disputed_and_a_unanimous_one_is_not() -> None:
    answers = [answer("v1", 1, "split"), answer("v2", 1, "split"), answer("v3", 3, "split"),
               answer("v4", 3, "split")]
    answers += [answer(f"v{i}", 2, "agreed", "T2") for i in range(1, 5)]
    windows = {w.building: w for w in vd.aggregate(answers).windows}
    assert windows["split"].disputed and not windows["agreed"].disputed
    assert windows["agreed"].agreement == 1.0


def test_dawid_skene_is_chosen_for_volunteers_with_many_answers() -> None:
    answers = [answer(f"v{v}", (b + (v == 3)) % 5, f"b{b:03d}", f"T{b:03d}")
               for b in range(25) for v in range(3)]
    result = vd.aggregate(answers)
    assert {w.method for w in result.windows} == {"dawid-skene"}
    for window in result.windows:
        gap = int(window.building[1:]) % 5
        assert (window.before, window.after) == (SHOWN[gap], SHOWN[gap + 1])
        assert window.dawid_skene_probability is not None and window.dawid_skene_probability > 0.5


def test_the_window_convention_follows_the_simulator() -> None:
    assert vd.contains(SHOWN[0], SHOWN[1], SHOWN[0])
    assert not vd.contains(SHOWN[0], SHOWN[1], SHOWN[1])


# --- bad input ----------------------------------------------------------------------------------

def test_bad_answers_are_all_reported_with_line_and_column() -> None:
    text = (HEADER + row("T1", "v1", "b1", 0)
            + f"T2,v1,b2,{SHOWN_TEXT},2017-13-01,{SHOWN[1].isoformat()},no\n"
            + f"T3,v1,b3,{SHOWN_TEXT},{SHOWN[0].isoformat()},{SHOWN[2].isoformat()},no\n"
            + f"T4,,b4,{SHOWN_TEXT},{SHOWN[0].isoformat()},{SHOWN[1].isoformat()},maybe\n"
            + "T5,v1,b5,2017-06-15;2017-06-01,2017-06-15,2017-06-01,no\n"
            + "T6,v1\n" + row("T1", "v1", "b1", 0))
    with pytest.raises(vd.DatingInputError) as caught:
        vd.read_answers(text, "answers.csv")
    found = {(p.line, p.column) for p in caught.value.problems}
    assert found == {(3, "answer_before"), (4, "answer_after"), (5, "volunteer"), (5, "gold"),
                     (6, "dates_shown"), (7, None), (8, "volunteer")}
    assert str(caught.value.problems[0]).startswith("answers.csv, line 3, column 'answer_before'")


def test_missing_columns_and_bad_gold_are_reported() -> None:
    with pytest.raises(vd.DatingInputError) as caught:
        vd.read_answers("task,volunteer\nT1,v1\n", "a.csv")
    assert {p.column for p in caught.value.problems} == {
        "building", "dates_shown", "answer_before", "answer_after", "gold"}
    with pytest.raises(vd.DatingInputError) as caught:
        vd.read_gold("task,building,before,after\nG1,b1,2017-06-15,2017-06-01\n"
                     "G2,b2,soon,2017-06-01\n", "g.csv")
    assert [(p.line, p.column) for p in caught.value.problems] == [(2, "after"), (3, "before")]
    with pytest.raises(vd.DatingInputError):
        vd.read_answers("", "empty.csv")


# --- the command --------------------------------------------------------------------------------

def _app() -> typer.Typer:
    from civharm.cli import damage_dating

    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("aggregate")(damage_dating.aggregate)
    return app


def test_the_command_writes_windows_and_scores_them(simulated: Path, tmp_path: Path) -> None:
    target = tmp_path / "windows.csv"
    shown = CliRunner().invoke(_app(), [
        "aggregate", str(simulated / "damage" / "volunteer-answers.csv"),
        "--gold", str(simulated / "damage" / "gold-answers.csv"), "--out", str(target),
        "--truth", str(simulated / "truth" / "damage.csv"), "--json"])
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.stdout)
    assert document["evaluation"]["accuracy"] >= 0.9
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "building,before,after,method,answers,agreement,disputed"
    assert len(lines) == document["buildings"] + 1


def test_the_command_reports_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "answers.csv"
    bad.write_text(HEADER + "T1,v1,b1,2017-06-01;2017-06-15,2017-06-15,2017-06-29,no\n",
                   encoding="utf-8")
    shown = CliRunner().invoke(_app(), ["aggregate", str(bad)])
    assert shown.exit_code != 0
    assert "answers.csv, line 2, column 'answer_after'" in shown.output
