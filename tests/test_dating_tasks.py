"""Dating tasks, pure: reading image manifests (every problem named, hostile text refused
cleanly) and choosing a volunteer's next task."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civharm.analysis.dating_tasks import (
    GOLD_EVERY,
    TaskState,
    choose_task,
    gap_of,
    image_type,
    read_manifest,
)
from civharm.analysis.volunteer_dating import DatingInputError

HEADER = "task,building,taken_on,image\n"


def manifest(*rows: str) -> str:
    return HEADER + "".join(row + "\n" for row in rows)


def test_a_manifest_gives_each_task_its_images_in_date_order() -> None:
    tasks = read_manifest(manifest(
        "K1,S1,2017-06-15,imagery/b.png",
        "K1,S1,2017-06-01,imagery/a.png",
        "K2,S2,2017-06-01,imagery/c.png",
        "K1,S1,2017-06-29,imagery/b.png",
        "K2,S2,2017-07-01,imagery/d.jpg",
    ))
    assert [t.task for t in tasks] == ["K1", "K2"]
    first = tasks[0]
    assert first.building == "S1"
    assert first.dates == (date(2017, 6, 1), date(2017, 6, 15), date(2017, 6, 29))
    assert [i.image for i in first.images] == ["imagery/a.png", "imagery/b.png",
                                                "imagery/b.png"]
    assert [i.line for i in first.images] == [3, 2, 5]


@pytest.mark.parametrize(("rows", "column", "words"), [
    (("K1,S1,2017-06-01,a.png",), "task", "fewer than two images"),
    (("K1,S1,2017-06-01,a.png", "K1,S2,2017-06-02,b.png"), "building", "more than one"),
    (("K1,S1,2017-06-01,a.png", "K1,S1,2017-06-01,b.png"), "taken_on", "two images dated"),
    (("K1,S1,2017-13-01,a.png", "K1,S1,2017-06-02,b.png"), "taken_on", "not a date"),
    (("K1,S1,2017-06-01,../a.png", "K1,S1,2017-06-02,b.png"), "image", "inside"),
    (("K1,S1,2017-06-01,/etc/passwd", "K1,S1,2017-06-02,b.png"), "image", "inside"),
    (("K1,S1,2017-06-01,a\\b.png", "K1,S1,2017-06-02,b.png"), "image", "inside"),
    (("K1,,2017-06-01,a.png", "K1,S1,2017-06-02,b.png"), "building", "empty"),
    (("K1,S1,2017-06-01", "K1,S1,2017-06-02,b.png"), None, "fields"),
])
def test_manifest_problems_are_named_and_nothing_is_read(
        rows: tuple[str, ...], column: str | None, words: str) -> None:
    with pytest.raises(DatingInputError) as raised:
        read_manifest(manifest(*rows), "imagery.csv")
    problems = raised.value.problems
    assert any(p.column == column and words in p.reason for p in problems), problems
    assert all(p.file == "imagery.csv" for p in problems)


def test_a_manifest_without_its_columns_is_refused() -> None:
    with pytest.raises(DatingInputError) as raised:
        read_manifest("task,building,date,file\nK1,S1,2017-06-01,a.png\n")
    assert {p.column for p in raised.value.problems} == {"taken_on", "image"}
    with pytest.raises(DatingInputError):
        read_manifest("")


@given(st.text(max_size=400))
def test_any_text_is_read_or_refused_with_problems(text: str) -> None:
    try:
        tasks = read_manifest(HEADER + text)
    except DatingInputError as error:
        assert error.problems
        return
    for task in tasks:
        assert len(task.images) >= 2
        assert list(task.dates) == sorted(set(task.dates))
        assert all(".." not in i.image.split("/") and not i.image.startswith("/")
                   for i in task.images)


def test_image_types_are_known_by_their_first_bytes() -> None:
    assert image_type(b"\x89PNG\r\n\x1a\n\x00\x00") == "image/png"
    assert image_type(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert image_type(b"<svg xmlns=") is None
    assert image_type(b"GIF89a") is None
    assert image_type(b"") is None


def test_a_gap_is_two_consecutive_images() -> None:
    days = (date(2017, 6, 1), date(2017, 6, 15), date(2017, 6, 29))
    assert gap_of(days, days[0], days[1]) == 0
    assert gap_of(days, days[1], days[2]) == 1
    assert gap_of(days, days[0], days[2]) is None
    assert gap_of(days, days[1], days[0]) is None


def state(code: str, answers: int = 0, gold: bool = False, wanted: int = 3) -> TaskState:
    return TaskState(code, gold, answers, wanted)


def test_a_new_volunteer_gets_a_gold_task_first() -> None:
    tasks = [state("A"), state("G2", 2, gold=True), state("G1", 1, gold=True)]
    assert choose_task(tasks, answered=0, gold_answered=0) == "G1"


def test_gold_tasks_keep_coming_back_every_few_answers() -> None:
    tasks = [state("A"), state("G", gold=True)]
    assert choose_task(tasks, answered=1, gold_answered=1) == "A"
    assert choose_task(tasks, answered=GOLD_EVERY - 1, gold_answered=1) == "A"
    assert choose_task(tasks, answered=GOLD_EVERY, gold_answered=1) == "G"
    assert choose_task(tasks, answered=GOLD_EVERY, gold_answered=2) == "A"


def test_buildings_short_of_answers_are_finished_first() -> None:
    tasks = [state("A", 0), state("B", 2), state("C", 1), state("D", 3)]
    assert choose_task(tasks, answered=5, gold_answered=5) == "B"
    done = [state("A", 4), state("B", 3), state("C", 5)]
    assert choose_task(done, answered=5, gold_answered=5) == "B"


def test_with_only_gold_or_nothing_left() -> None:
    assert choose_task([], answered=0, gold_answered=0) is None
    only_gold = [state("G", gold=True)]
    assert choose_task(only_gold, answered=3, gold_answered=3) == "G"
