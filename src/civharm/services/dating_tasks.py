"""Building-dating tasks: create them from an image manifest, hand them to volunteers one at
a time, keep their answers, combine them into destruction windows that are kept, and list
the disputed buildings for an analyst.

Images go into the evidence store (addressed by SHA-256, each add in the chain of custody),
so the imagery a window rests on can be verified like any other evidence. Creating tasks is
all or nothing for the records: every row, image and gold answer is checked first, and a
manifest with any problem creates no task. A task's images never change once created.

Permissions are checked by the callers (the CLI is the local operator; the web app's views
require ``date_buildings``, and the disputed list ``view_internal``); the audit log gets one
entry per manifest, per imported answer file, per answer given in the web app, and per
combination of the answers into kept windows.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Count, F

from civharm.analysis import volunteer_dating as vd
from civharm.analysis.dating_tasks import (
    TaskSeries,
    TaskState,
    choose_task,
    gap_of,
    image_type,
    read_manifest,
)
from civharm.ingest.problems import Problem
from civharm.services import audit
from civharm.services.errors import ImportRejected, NotFound, UserError
from civharm.services.importing import file_sha256
from civharm.services.progress import Progress, silent
from civharm.store import models

MAX_IMAGE_BYTES = 25 * 1024 * 1024
MAX_ANSWERS_WANTED = 50


class AlreadyAnswered(UserError):
    """A volunteer answers a task once."""


@dataclass(frozen=True, slots=True)
class TasksCreated:
    file: str
    tasks: int
    created: int
    unchanged: int
    gold: int
    images: int
    files_stored: int  # image files whose bytes were new to the evidence store


@dataclass(frozen=True, slots=True)
class AnswersImported:
    file: str
    answers: int
    created: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class ShownTask:
    """A task as a volunteer sees it: its code and image dates, never its gold answer."""

    code: str
    dates: tuple[date, ...]

    @property
    def gaps(self) -> list[tuple[int, date, date]]:
        return [(i, self.dates[i], self.dates[i + 1]) for i in range(len(self.dates) - 1)]


@dataclass(frozen=True, slots=True)
class VolunteerProgress:
    answered: int
    left: int  # tasks this volunteer has not answered yet


@dataclass(frozen=True, slots=True)
class TaskSummary:
    tasks: int
    gold: int
    answers: int
    volunteers: int
    complete: int  # tasks with at least their wanted answers
    web_answers: int

    def as_json(self) -> dict[str, int]:
        return {"tasks": self.tasks, "gold": self.gold, "answers": self.answers,
                "volunteers": self.volunteers, "complete": self.complete,
                "web_answers": self.web_answers}


def _problem(p: vd.Problem) -> Problem:
    return Problem(p.file, p.line, p.column, p.reason)


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 CSV file") from None


def _check_images(series: Sequence[TaskSeries], folder: Path, file: str
                  ) -> tuple[dict[str, Path], list[Problem]]:
    """Every image file named, checked: it exists inside ``folder``, is a PNG or JPEG, and
    is not too big. Returns the files by manifest path, and the problems."""
    problems: list[Problem] = []
    files: dict[str, Path] = {}
    root = folder.resolve()
    for task in series:
        for image in task.images:
            if image.image in files:
                continue
            path = (folder / image.image).resolve()
            if not path.is_relative_to(root):
                problems.append(Problem(file, image.line, "image", "leads outside the "
                                        "manifest's folder"))
            elif not path.is_file():
                problems.append(Problem(file, image.line, "image",
                                        f"{image.image}: no such file"))
            elif path.stat().st_size > MAX_IMAGE_BYTES:
                problems.append(Problem(file, image.line, "image", f"{image.image}: larger "
                                        f"than {MAX_IMAGE_BYTES // (1024 * 1024)} MB"))
            else:
                with path.open("rb") as handle:
                    head = handle.read(16)
                if image_type(head) is None:
                    problems.append(Problem(file, image.line, "image",
                                            f"{image.image}: not a PNG or JPEG image"))
                else:
                    files[image.image] = path
    return files, problems


def _existing(codes: Sequence[str]) -> dict[str, tuple[str, tuple[tuple[date, str], ...],
                                                      tuple[date, date] | None]]:
    """The tasks among ``codes`` already made: building, images (date and SHA-256) in date
    order, and gold answer."""
    found: dict[str, tuple[str, tuple[tuple[date, str], ...], tuple[date, date] | None]] = {}
    images: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for task_id, day, sha in models.DatingImage.objects.filter(task__code__in=codes).values_list(
            "task_id", "taken_on", "evidence__sha256").order_by("task_id", "taken_on"):
        images[task_id].append((day, sha))
    for pk, code, site, before, after in models.DatingTask.objects.filter(
            code__in=codes).values_list("id", "code", "site", "gold_before", "gold_after"):
        found[code] = (site, tuple(images[pk]),
                       (before, after) if before is not None and after is not None else None)
    return found


def create_tasks(manifest: Path, gold: Path | None = None, answers_wanted: int = 3,
                 actor: str | None = None, progress: Progress = silent) -> TasksCreated:
    """Create the dating tasks of an image manifest (see :mod:`civharm.analysis.dating_tasks`
    for its columns), with the gold answers of ``gold`` (``task,building,before,after``).
    Raises :class:`ImportRejected` listing every problem, having created nothing."""
    if not 1 <= answers_wanted <= MAX_ANSWERS_WANTED:
        raise UserError(f"answers wanted per task must be from 1 to {MAX_ANSWERS_WANTED}")
    actor = audit.acting(actor)
    text = _read_text(manifest)
    try:
        series = read_manifest(text, manifest.name)
        known = vd.read_gold(_read_text(gold), gold.name) if gold is not None else {}
    except vd.DatingInputError as error:
        raise ImportRejected([_problem(p) for p in error.problems]) from None
    if not series:
        raise UserError(f"{manifest.name}: no tasks")
    progress("checking", 0, 1)
    files, problems = _check_images(series, manifest.parent, manifest.name)
    by_code = {task.task: task for task in series}
    gold_name = gold.name if gold is not None else ""
    for code, answer in known.items():
        task = by_code.get(code)
        if task is None:
            problems.append(Problem(gold_name, None, "task",
                                    f"gold answer for {code!r}, which the manifest lacks"))
        elif task.building != answer.building:
            problems.append(Problem(gold_name, None, "building", f"task {code!r} is of "
                                    f"building {task.building!r} in the manifest"))
        elif gap_of(task.dates, answer.before, answer.after) is None:
            problems.append(Problem(gold_name, None, "after", f"task {code!r}: the gold "
                                    "answer is not two consecutive images of the task"))
    existing = _existing(list(by_code))
    hashes: dict[str, str] = {}
    for code, (site, images, gold_gap) in existing.items():
        task = by_code[code]
        wanted_gold = (known[code].before, known[code].after) if code in known else None
        for image in task.images:
            if image.image in files and image.image not in hashes:
                hashes[image.image] = file_sha256(files[image.image])
        given = tuple((image.taken_on, hashes.get(image.image, "")) for image in task.images)
        if site != task.building or images != given or (
                gold is not None and wanted_gold != gold_gap):
            problems.append(Problem(manifest.name, task.images[0].line, "task",
                                    f"task {code!r} already exists with another building, "
                                    "other images or another gold answer; a task never "
                                    "changes"))
    if problems:
        raise ImportRejected(problems)
    progress("checking", 1, 1)

    # The bytes first, each file in its own transaction (evidence is kept once added).
    from civharm.services.evidence import add_evidence

    reason = f"imagery for building-dating tasks ({manifest.name})"
    sha_of: dict[str, str] = {}
    stored = 0
    new = [task for task in series if task.task not in existing]
    wanted_files = sorted({image.image for task in new for image in task.images})
    for number, name in enumerate(wanted_files):
        progress("storing images", number, len(wanted_files))
        added = add_evidence(files[name], reason=reason, actor=actor)
        sha_of[name] = added.sha256
        stored += added.stored_now
    progress("storing images", len(wanted_files), len(wanted_files))

    evidence_ids = dict(models.EvidenceFile.objects.filter(
        sha256__in=set(sha_of.values())).values_list("sha256", "id"))
    with transaction.atomic():
        made: list[models.DatingTask] = []
        for task in new:
            right = known.get(task.task)
            made.append(models.DatingTask(
                code=task.task, site=task.building, answers_wanted=answers_wanted,
                gold_before=right.before if right else None,
                gold_after=right.after if right else None))
        models.DatingTask.objects.bulk_create(made, batch_size=1_000)
        ids = dict(models.DatingTask.objects.filter(
            code__in=[t.task for t in new]).values_list("code", "id"))
        models.DatingImage.objects.bulk_create(
            [models.DatingImage(task_id=ids[task.task], taken_on=image.taken_on,
                                evidence_id=evidence_ids[sha_of[image.image]])
             for task in new for image in task.images], batch_size=2_000)
        if new:
            digest = file_sha256(manifest)
            audit.record("import.dating_tasks", actor=actor, target=f"import:{digest}",
                         details={"file": manifest.name, "sha256": digest, "tasks": len(new),
                                  "gold": sum(t.task in known for t in new),
                                  "images": sum(len(t.images) for t in new),
                                  "answers_wanted": answers_wanted})
    return TasksCreated(file=manifest.name, tasks=len(series), created=len(new),
                        unchanged=len(series) - len(new),
                        gold=sum(t.task in known for t in series),
                        images=sum(len(t.images) for t in series), files_stored=stored)


def _task_dates() -> tuple[dict[str, tuple[str, tuple[date, ...]]], dict[str, int]]:
    """Every task's building and image dates by code, and the tasks' ids by code."""
    dates: dict[int, list[date]] = defaultdict(list)
    for task_id, day in models.DatingImage.objects.values_list("task_id", "taken_on").order_by(
            "task_id", "taken_on"):
        dates[task_id].append(day)
    tasks: dict[str, tuple[str, tuple[date, ...]]] = {}
    ids: dict[str, int] = {}
    for pk, code, site in models.DatingTask.objects.values_list("id", "code", "site"):
        tasks[code] = (site, tuple(dates[pk]))
        ids[code] = pk
    return tasks, ids


def import_answers(path: Path, actor: str | None = None) -> AnswersImported:
    """Import volunteers' answers given elsewhere (the columns ``civharm damage aggregate``
    reads) to tasks already created. All or nothing; importing a file again changes
    nothing."""
    actor = audit.acting(actor)
    text = _read_text(path)
    try:
        answers = vd.read_answers(text, path.name)
    except vd.DatingInputError as error:
        raise ImportRejected([_problem(p) for p in error.problems]) from None
    tasks, ids = _task_dates()
    held = {(code, volunteer): (before, after) for code, volunteer, before, after in
            models.DatingAnswer.objects.values_list("task__code", "volunteer", "before",
                                                    "after")}
    problems: list[Problem] = []
    new: list[models.DatingAnswer] = []
    unchanged = 0
    for answer in answers:
        task = tasks.get(answer.task)
        if task is None:
            problems.append(Problem(path.name, answer.line, "task",
                                    f"no dating task {answer.task!r}; create it first"))
            continue
        if task[0] != answer.building or task[1] != answer.shown:
            problems.append(Problem(path.name, answer.line, "dates_shown", "the building or "
                                    f"the image dates differ from task {answer.task!r}'s"))
            continue
        previous = held.get((answer.task, answer.volunteer))
        if previous == answer.gap:
            unchanged += 1
        elif previous is not None:
            problems.append(Problem(path.name, answer.line, "answer_before", "this volunteer "
                                    "already gave another answer to this task"))
        else:
            new.append(models.DatingAnswer(task_id=ids[answer.task], volunteer=answer.volunteer,
                                           before=answer.before, after=answer.after,
                                           origin=models.DatingAnswer.IMPORTED))
    if problems:
        raise ImportRejected(problems)
    with transaction.atomic():
        models.DatingAnswer.objects.bulk_create(new, batch_size=2_000)
        if new:
            digest = file_sha256(path)
            audit.record("import.dating_answers", actor=actor, target=f"import:{digest}",
                         details={"file": path.name, "sha256": digest, "answers": len(new)})
    return AnswersImported(path.name, len(answers), len(new), unchanged)


# --- volunteers in the web app -------------------------------------------------------------------

def next_task(volunteer: str, skipped: Sequence[str] = ()) -> str | None:
    """The code of the task ``volunteer`` gets next (:func:`choose_task`), or None."""
    mine = models.DatingAnswer.objects.filter(volunteer=volunteer)
    answered = mine.count()
    gold_answered = mine.filter(task__gold_before__isnull=False).count()
    states = [TaskState(code, before is not None, n, wanted) for code, before, n, wanted in
              models.DatingTask.objects.exclude(answers__volunteer=volunteer)
              .exclude(code__in=list(skipped))
              .annotate(n=Count("answers")).values_list("code", "gold_before", "n",
                                                        "answers_wanted")]
    return choose_task(states, answered, gold_answered)


def shown_task(code: str) -> ShownTask:
    task = models.DatingTask.objects.filter(code=code).first()
    if task is None:
        raise NotFound(f"no dating task {code}")
    dates = tuple(task.images.order_by("taken_on").values_list("taken_on", flat=True))
    return ShownTask(task.code, dates)


def image_file(code: str, position: int) -> tuple[Path, str]:
    """The stored file of a task's image at ``position`` (0 for the earliest) and its media
    type. Confidential evidence is never served as a task image."""
    from civharm.services.evidence import stored_path

    image = (models.DatingImage.objects.select_related("evidence")
             .filter(task__code=code).order_by("taken_on")[position:position + 1].first()
             if position >= 0 else None)
    if image is None or image.evidence.confidential or not image.evidence.stored:
        raise NotFound(f"no image {position} in dating task {code}")
    path = stored_path(image.evidence.sha256)
    with path.open("rb") as handle:
        media_type = image_type(handle.read(16))
    if media_type is None:
        raise NotFound(f"no image {position} in dating task {code}")
    return path, media_type


def record_answer(code: str, volunteer: str, gap: int, actor: str) -> models.DatingAnswer:
    """Keep ``volunteer``'s answer to task ``code``: the building was destroyed between image
    ``gap`` and image ``gap + 1``. A volunteer answers a task once."""
    task = shown_task(code)
    if not 0 <= gap < len(task.dates) - 1:
        raise UserError("choose two consecutive images")
    before, after = task.dates[gap], task.dates[gap + 1]
    try:
        with transaction.atomic():
            answer = models.DatingAnswer.objects.create(
                task=models.DatingTask.objects.get(code=code), volunteer=volunteer,
                before=before, after=after, origin=models.DatingAnswer.WEB)
            audit.record("damage.dating_answer", actor=actor, target=f"dating-task:{code}",
                         details={"before": before.isoformat(), "after": after.isoformat()})
    except IntegrityError:
        raise AlreadyAnswered("you have already dated this building") from None
    return answer


def volunteer_progress(volunteer: str) -> VolunteerProgress:
    answered = models.DatingAnswer.objects.filter(volunteer=volunteer).count()
    return VolunteerProgress(answered, models.DatingTask.objects.count() - answered)


# --- for aggregation and reports -----------------------------------------------------------------

def stored_answers() -> tuple[list[vd.Answer], dict[str, vd.GoldAnswer]]:
    """Every stored answer, as :func:`civharm.analysis.volunteer_dating.aggregate` takes
    them, and the gold answers by task."""
    tasks, _ = _task_dates()
    gold = {code: vd.GoldAnswer(code, site, before, after) for code, site, before, after in
            models.DatingTask.objects.filter(gold_before__isnull=False).values_list(
                "code", "site", "gold_before", "gold_after")}
    answers = [vd.Answer(code, volunteer, tasks[code][0], tasks[code][1], before, after,
                         code in gold)
               for code, volunteer, before, after in models.DatingAnswer.objects.order_by(
                   "task__code", "id").values_list("task__code", "volunteer", "before",
                                                   "after")]
    return answers, gold


@dataclass(frozen=True, slots=True)
class WindowsStored:
    windows: int
    disputed: int
    answers: int
    volunteers: int


def store_windows(actor: str | None = None) -> tuple[WindowsStored, vd.Aggregation]:
    """Combine every stored answer into one window per building and keep the windows,
    replacing those kept before, in one transaction with its audit entry. Raises
    :class:`UserError` when there are no answers."""
    answers, gold = stored_answers()
    if not answers:
        raise UserError("the database holds no dating answers yet")
    result = vd.aggregate(answers, gold)
    with transaction.atomic():
        models.DestructionWindow.objects.all().delete()
        models.DestructionWindow.objects.bulk_create(
            [models.DestructionWindow(site=w.building, before=w.before, after=w.after,
                                      method=w.method, answers=w.answers,
                                      agreement=w.agreement, disputed=w.disputed)
             for w in result.windows], batch_size=2_000)
        stored = WindowsStored(len(result.windows), sum(w.disputed for w in result.windows),
                               len(answers), len(result.scores))
        audit.record("damage.windows", actor=audit.acting(actor), target="destruction_windows",
                     details={"windows": stored.windows, "disputed": stored.disputed,
                              "answers": stored.answers, "volunteers": stored.volunteers,
                              "gold_tasks": len(gold)})
    return stored, result


@dataclass(frozen=True, slots=True)
class DisputedBuilding:
    """A building whose volunteers disagree, for an analyst's own look: its kept window, and
    per task its image dates and how many answers chose each gap."""

    site: str
    before: date
    after: date
    agreement: float
    answers: int
    tasks: tuple[tuple[str, tuple[date, ...], tuple[int, ...]], ...]


def disputed_buildings(limit: int = 30) -> tuple[int, list[DisputedBuilding]]:
    """How many kept windows are disputed, and the ``limit`` with the least agreement."""
    disputed = models.DestructionWindow.objects.filter(disputed=True)
    total = disputed.count()
    chosen = list(disputed.order_by("agreement", "site")[:limit])
    sites = [w.site for w in chosen]
    dates: dict[str, list[date]] = defaultdict(list)
    for code, day in models.DatingImage.objects.filter(task__site__in=sites).order_by(
            "task__code", "taken_on").values_list("task__code", "taken_on"):
        dates[code].append(day)
    chosen_gaps: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for code, before, after in models.DatingAnswer.objects.filter(
            task__site__in=sites).values_list("task__code", "before", "after"):
        chosen_gaps[code].append((before, after))
    by_site: dict[str, list[str]] = defaultdict(list)
    for code, site in models.DatingTask.objects.filter(site__in=sites).order_by(
            "code").values_list("code", "site"):
        by_site[site].append(code)
    found = []
    for window in chosen:
        tasks = []
        for code in by_site[window.site]:
            series = tuple(dates[code])
            counts = tuple(sum(1 for gap in chosen_gaps[code] if gap == (a, b))
                           for a, b in itertools.pairwise(series))
            tasks.append((code, series, counts))
        found.append(DisputedBuilding(window.site, window.before, window.after,
                                      window.agreement, window.answers, tuple(tasks)))
    return total, found


def task_summary() -> TaskSummary:
    tasks = models.DatingTask.objects.annotate(n=Count("answers"))
    answers = models.DatingAnswer.objects
    return TaskSummary(
        tasks=tasks.count(), gold=tasks.filter(gold_before__isnull=False).count(),
        answers=answers.count(),
        volunteers=answers.values("volunteer").distinct().count(),
        complete=tasks.filter(n__gte=F("answers_wanted")).count(),
        web_answers=answers.filter(origin=models.DatingAnswer.WEB).count())
