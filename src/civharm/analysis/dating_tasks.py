"""Dating tasks: the image series volunteers step through, and which task a volunteer gets next.

A task is one building and a series of its images in date order. A volunteer answers with
the gap between two consecutive images in which the building was destroyed: the last image
before and the first image after (:mod:`civharm.analysis.volunteer_dating` combines the
answers).

**The image manifest** (``civharm damage tasks create``) is a CSV with one row per image:
``task,building,taken_on,image``, ``image`` being a PNG or JPEG file named relative to the
manifest's folder. A task needs at least two images on different dates, all of one building.

**Which task next** (:func:`choose_task`), for one volunteer, among the tasks they have not
answered or skipped:

1. A gold task (one whose right answer is known) first, and then whenever the volunteer has
   answered fewer than ``1 + answered // GOLD_EVERY`` gold tasks: every volunteer is scored
   from their first answers on, and keeps being scored.
2. Otherwise the task still short of its wanted answers that has the most answers already
   (finishing buildings before starting new ones), then the lowest code.
3. When every task has its wanted answers, the task with the fewest answers: more answers
   still narrow a disputed window.

Pure code: no database, no web.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath

from civharm.analysis.volunteer_dating import DatingInputError, Problem, csv_rows

MANIFEST_COLUMNS = ("task", "building", "taken_on", "image")
GOLD_EVERY = 8
MAX_IMAGES_PER_TASK = 40
IMAGE_TYPES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


@dataclass(frozen=True, slots=True)
class TaskImage:
    taken_on: date
    image: str  # the path as written in the manifest, relative to its folder
    line: int = 0  # the manifest line (1-based)


@dataclass(frozen=True, slots=True)
class TaskSeries:
    """One task of a manifest: a building and its images in date order."""

    task: str
    building: str
    images: tuple[TaskImage, ...]

    @property
    def dates(self) -> tuple[date, ...]:
        return tuple(image.taken_on for image in self.images)


@dataclass(frozen=True, slots=True)
class TaskState:
    """What :func:`choose_task` needs to know of one task."""

    code: str
    gold: bool
    answers: int
    wanted: int


def image_type(head: bytes) -> str | None:
    """The media type of an image from its first bytes (PNG or JPEG), or None."""
    for media_type, magic in IMAGE_TYPES.items():
        if head.startswith(magic):
            return media_type
    return None


def _safe_relative(text: str) -> bool:
    """A path inside the manifest's folder: relative, no ``..``, no backslashes."""
    if not text or "\\" in text or "\x00" in text:
        return False
    path = PurePosixPath(text)
    return not path.is_absolute() and ".." not in path.parts


def read_manifest(text: str, file: str = "manifest") -> list[TaskSeries]:
    """Read an image manifest; raise :class:`DatingInputError` listing every problem."""
    rows, problems = csv_rows(text, file, MANIFEST_COLUMNS)
    series: dict[str, list[tuple[int, str, TaskImage]]] = defaultdict(list)
    for line, row in rows:
        bad = False
        for column in MANIFEST_COLUMNS:
            if not row[column]:
                problems.append(Problem(file, line, column, "empty"))
                bad = True
        if bad:
            continue
        for column in ("task", "building"):
            if len(row[column]) > 100:
                problems.append(Problem(file, line, column, "longer than 100 characters"))
                bad = True
        try:
            taken_on = date.fromisoformat(row["taken_on"])
        except ValueError:
            shown = row["taken_on"][:40]
            problems.append(Problem(file, line, "taken_on",
                                    f"{shown!r} is not a date (YYYY-MM-DD)"))
            bad = True
        if not _safe_relative(row["image"]):
            problems.append(Problem(file, line, "image", "not a path inside the manifest's "
                                    "folder (relative, with / and no ..)"))
            bad = True
        if not bad:
            series[row["task"]].append((line, row["building"],
                                        TaskImage(taken_on, row["image"], line)))
    tasks: list[TaskSeries] = []
    for task, entries in series.items():
        first_line = entries[0][0]
        buildings = {building for _, building, _ in entries}
        if len(buildings) > 1:
            problems.append(Problem(file, first_line, "building",
                                    f"task {task!r} names more than one building"))
            continue
        entries.sort(key=lambda r: r[2].taken_on)
        repeated = [(b, a) for a, b in itertools.pairwise(entries)
                    if a[2].taken_on == b[2].taken_on]
        if repeated:
            later = repeated[0][0]
            problems.append(Problem(file, later[0], "taken_on",
                                    f"task {task!r} has two images dated "
                                    f"{later[2].taken_on.isoformat()}"))
            continue
        if len(entries) < 2:
            problems.append(Problem(file, first_line, "task",
                                    f"task {task!r} has fewer than two images"))
            continue
        if len(entries) > MAX_IMAGES_PER_TASK:
            problems.append(Problem(file, first_line, "task", f"task {task!r} has more than "
                                    f"{MAX_IMAGES_PER_TASK} images"))
            continue
        tasks.append(TaskSeries(task, entries[0][1], tuple(r[2] for r in entries)))
    if problems:
        raise DatingInputError(problems)
    return tasks


def gap_of(dates: Sequence[date], before: date, after: date) -> int | None:
    """The position of the gap (``before``, ``after``) in a series of image dates: 0 for the
    first two images. None when the two are not consecutive images of the series."""
    for position, (first, second) in enumerate(itertools.pairwise(dates)):
        if first == before and second == after:
            return position
    return None


def choose_task(tasks: Sequence[TaskState], answered: int, gold_answered: int,
                gold_every: int = GOLD_EVERY) -> str | None:
    """The code of the task a volunteer gets next (see the module's description), among
    ``tasks`` (those they have neither answered nor skipped); None when there is none.
    ``answered`` and ``gold_answered`` count the volunteer's answers so far."""
    if not tasks:
        return None
    gold = [t for t in tasks if t.gold]
    if gold and gold_answered < 1 + answered // max(1, gold_every):
        return min(gold, key=lambda t: (t.answers, t.code)).code
    plain = [t for t in tasks if not t.gold] or list(tasks)
    short = [t for t in plain if t.answers < t.wanted]
    if short:
        return min(short, key=lambda t: (-t.answers, t.code)).code
    return min(plain, key=lambda t: (t.answers, t.code)).code
