"""Combine volunteers' dating answers into a destruction window per building.

A volunteer steps through a series of satellite images of one building and marks the last
image *before* its destruction and the first image *after* it: one answer picks one gap between
two consecutive images. This module combines the answers of several volunteers, openly:

1. **Scores.** Each volunteer is scored on the gold tasks (tasks whose right answer is known),
   separately on each bound: ``(right + s * m) / (answered + s)``, where ``m`` is the share of
   right answers over all volunteers' gold answers (0.7 when there are none) and ``s`` =
   :data:`PRIOR_STRENGTH` pseudo-answers. A volunteer with no gold answers therefore gets the
   crowd's average: neither fully trusted nor distrusted.
2. **Weighted consensus.** On each bound the dates are voted on with weight
   ``max(0, log(p * (k - 1) / (1 - p)))``, ``p`` the volunteer's accuracy on that bound and
   ``k`` the number of gaps shown (the weight of an optimal weighted majority vote; a volunteer
   no better than chance gets nothing). The most-weighted "before" date and the most-weighted
   "after" date make the window; ties widen it, and two bounds that cross are replaced by the
   span of both winning gaps.
3. **Dawid–Skene** (crowd-kit) over the candidate gaps: each gap, named by its two dates, is a
   label, each answer a vote for one label, and a confusion matrix per volunteer is learnt by
   EM over all buildings together, with the gold answers fixed as known labels. Per building
   the gap with the highest posterior, among the gaps that were shown, is the DS window.
4. **Final window.** Dawid–Skene when the building has at least :data:`MIN_ANSWERS_FOR_DS`
   answers *and* every volunteer who answered it gave at least
   :data:`MIN_VOLUNTEER_ANSWERS_FOR_DS` answers in all (a 5-gap confusion matrix has 20 free
   numbers: with fewer answers it is guessed, not learnt); else the weighted consensus.
5. **Agreement** is the share of the building's answers whose gap lies inside the final window;
   the building is **disputed** when agreement is below :data:`DISPUTED_AGREEMENT` or when the
   second most-weighted gap has at least :data:`CLOSE_RUNNER_UP` of the top gap's weight.

Windows follow the simulator's convention: destruction on day ``d`` lies in the window when
``before <= d < after`` (an image taken on the day itself still shows the building standing).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

PRIOR_STRENGTH = 2.0
DEFAULT_PRIOR_ACCURACY = 0.7
MIN_ANSWERS_FOR_DS = 3
MIN_VOLUNTEER_ANSWERS_FOR_DS = 20
DISPUTED_AGREEMENT = 0.6
CLOSE_RUNNER_UP = 0.8
ANSWER_COLUMNS = ("task", "volunteer", "building", "dates_shown", "answer_before",
                  "answer_after", "gold")
GOLD_COLUMNS = ("task", "building", "before", "after")
TRUTH_COLUMNS = ("SiteID", "destroyed_on")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file; ``line`` is the file line (1-based)."""

    file: str
    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column,
                "reason": self.reason}


class DatingInputError(ValueError):
    """Raised with every problem found in an input file; nothing is read when there are any."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("; ".join(str(p) for p in self.problems[:5]))


@dataclass(frozen=True, slots=True)
class Answer:
    task: str
    volunteer: str
    building: str
    shown: tuple[date, ...]
    before: date
    after: date
    gold: bool
    line: int = 0

    @property
    def gap(self) -> tuple[date, date]:
        return (self.before, self.after)


@dataclass(frozen=True, slots=True)
class GoldAnswer:
    task: str
    building: str
    before: date
    after: date


@dataclass(frozen=True, slots=True)
class VolunteerScore:
    volunteer: str
    gold_answers: int
    before_right: int
    after_right: int
    before_accuracy: float
    after_accuracy: float


@dataclass(frozen=True, slots=True)
class Window:
    building: str
    before: date
    after: date
    method: str  # "dawid-skene" or "weighted"
    answers: int
    agreement: float
    disputed: bool
    consensus: tuple[date, date]
    dawid_skene: tuple[date, date] | None
    dawid_skene_probability: float | None

    @property
    def width_days(self) -> int:
        return (self.after - self.before).days

    def as_row(self) -> dict[str, str]:
        return {"building": self.building, "before": self.before.isoformat(),
                "after": self.after.isoformat(), "method": self.method,
                "answers": str(self.answers), "agreement": f"{self.agreement:.3f}",
                "disputed": "yes" if self.disputed else "no"}


@dataclass(frozen=True, slots=True)
class Aggregation:
    windows: list[Window]
    scores: dict[str, VolunteerScore]
    prior_before: float
    prior_after: float


@dataclass(frozen=True, slots=True)
class VolunteerEvaluation:
    volunteer: str
    buildings: int
    accuracy: float
    aggregate_accuracy: float  # the final windows' accuracy on the same buildings


@dataclass(frozen=True, slots=True)
class Evaluation:
    buildings: int
    accuracy: float
    weighted_accuracy: float
    dawid_skene_accuracy: float | None
    mean_width_days: float
    disputed: int
    disputed_accuracy: float | None
    volunteers: list[VolunteerEvaluation] = field(default_factory=list)

    def regulars(self, minimum: int) -> list[VolunteerEvaluation]:
        return [v for v in self.volunteers if v.buildings >= minimum]

    def as_json(self, minimum: int = 10) -> dict[str, object]:
        regulars = self.regulars(minimum)
        accuracies = [v.accuracy for v in regulars]
        return {"buildings": self.buildings, "accuracy": self.accuracy,
                "weighted_accuracy": self.weighted_accuracy,
                "dawid_skene_accuracy": self.dawid_skene_accuracy,
                "mean_width_days": self.mean_width_days, "disputed": self.disputed,
                "disputed_accuracy": self.disputed_accuracy,
                "volunteers_with_at_least": minimum, "volunteers": len(regulars),
                "best_volunteer_accuracy": max(accuracies) if accuracies else None,
                "median_volunteer_accuracy": statistics.median(accuracies) if accuracies
                else None}


# --- reading -------------------------------------------------------------------------------------

def csv_rows(text: str, file: str, columns: Sequence[str]
             ) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """The rows of a CSV text as (file line, values by column), and its problems: a missing
    column, an unreadable or empty file, a row of the wrong length. Blank rows are skipped."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    problems: list[Problem] = []
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = next(reader, None)
    except csv.Error as error:
        return [], [Problem(file, 1, None, f"not a readable CSV: {error}")]
    if header is None:
        return [], [Problem(file, 1, None, "the file is empty")]
    header = [h.strip() for h in header]
    missing = [c for c in columns if c not in header]
    if missing:
        return [], [Problem(file, 1, c, "required column is missing") for c in missing]
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(Problem(file, line, None, f"not a readable CSV row: {error}"))
            break
        if not record or all(not v.strip() for v in record):
            continue
        if len(record) != len(header):
            problems.append(Problem(file, line, None,
                                    f"{len(record)} fields; the header has {len(header)}"))
            continue
        rows.append((line, {h: v.strip() for h, v in zip(header, record, strict=True)}))
    return rows, problems


def _date(value: str, file: str, line: int, column: str, problems: list[Problem]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        shown = value if len(value) <= 40 else value[:40] + "…"
        problems.append(Problem(file, line, column, f"{shown!r} is not a date (YYYY-MM-DD)"))
        return None


def _required(row: Mapping[str, str], names: Iterable[str], file: str, line: int,
              problems: list[Problem]) -> bool:
    ok = True
    for name in names:
        if not row[name]:
            problems.append(Problem(file, line, name, "empty"))
            ok = False
    return ok


def read_answers(text: str, file: str = "answers") -> list[Answer]:
    """Read volunteers' answers; raise :class:`DatingInputError` listing every problem."""
    rows, problems = csv_rows(text, file, ANSWER_COLUMNS)
    answers: list[Answer] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        before_count = len(problems)
        _required(row, ("task", "volunteer", "building"), file, line, problems)
        shown: list[date] = []
        for part in row["dates_shown"].split(";"):
            parsed = _date(part.strip(), file, line, "dates_shown", problems)
            if parsed is not None:
                shown.append(parsed)
        if len(problems) == before_count:
            if len(shown) < 2:
                problems.append(Problem(file, line, "dates_shown", "fewer than two dates"))
            elif any(b <= a for a, b in itertools.pairwise(shown)):
                problems.append(Problem(file, line, "dates_shown",
                                        "dates are not in increasing order"))
        before = _date(row["answer_before"], file, line, "answer_before", problems)
        after = _date(row["answer_after"], file, line, "answer_after", problems)
        gold = row["gold"].lower()
        if gold not in ("yes", "no"):
            problems.append(Problem(file, line, "gold", f"{row['gold'][:20]!r} is not yes or no"))
        if len(problems) > before_count or before is None or after is None:
            continue
        if before not in shown:
            problems.append(Problem(file, line, "answer_before", "not one of the dates shown"))
            continue
        index = shown.index(before)
        if index + 1 >= len(shown) or shown[index + 1] != after:
            problems.append(Problem(file, line, "answer_after",
                                    "not the image shown right after answer_before"))
            continue
        key = (row["task"], row["volunteer"])
        if key in seen:
            problems.append(Problem(file, line, "volunteer", f"answered task {row['task']!r} "
                                    f"already on line {seen[key]}"))
            continue
        seen[key] = line
        answers.append(Answer(row["task"], row["volunteer"], row["building"], tuple(shown),
                              before, after, gold == "yes", line))
    if problems:
        raise DatingInputError(problems)
    return answers


def read_gold(text: str, file: str = "gold") -> dict[str, GoldAnswer]:
    """Read the gold answers, by task; raise :class:`DatingInputError` listing every problem."""
    rows, problems = csv_rows(text, file, GOLD_COLUMNS)
    gold: dict[str, GoldAnswer] = {}
    for line, row in rows:
        count = len(problems)
        _required(row, ("task", "building"), file, line, problems)
        before = _date(row["before"], file, line, "before", problems)
        after = _date(row["after"], file, line, "after", problems)
        if len(problems) > count or before is None or after is None:
            continue
        if after <= before:
            problems.append(Problem(file, line, "after", "not later than before"))
        elif row["task"] in gold:
            problems.append(Problem(file, line, "task", "a second gold answer for this task"))
        else:
            gold[row["task"]] = GoldAnswer(row["task"], row["building"], before, after)
    if problems:
        raise DatingInputError(problems)
    return gold


def read_truth(text: str, file: str = "truth") -> dict[str, date]:
    """Destruction dates by building from a truth table (``SiteID``, ``destroyed_on``);
    buildings with no destruction date are left out."""
    rows, problems = csv_rows(text, file, TRUTH_COLUMNS)
    truth: dict[str, date] = {}
    for line, row in rows:
        if row["destroyed_on"]:
            day = _date(row["destroyed_on"], file, line, "destroyed_on", problems)
            if day is not None:
                truth[row["SiteID"]] = day
    if problems:
        raise DatingInputError(problems)
    return truth


# --- scoring and combining -----------------------------------------------------------------------

def contains(before: date, after: date, day: date) -> bool:
    """Whether destruction on ``day`` lies in the window (simulator's convention)."""
    return before <= day < after


def score_volunteers(answers: Sequence[Answer], gold: Mapping[str, GoldAnswer],
                     prior_strength: float = PRIOR_STRENGTH
                     ) -> tuple[dict[str, VolunteerScore], float, float]:
    """Each volunteer's accuracy on each bound, shrunk towards the crowd's: scores by
    volunteer, and the crowd's accuracy on the "before" and the "after" bound."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for answer in answers:
        tally[answer.volunteer]  # every volunteer gets a score
        right = gold.get(answer.task)
        if right is None:
            continue
        counts = tally[answer.volunteer]
        counts[0] += 1
        counts[1] += answer.before == right.before
        counts[2] += answer.after == right.after
    total = sum(c[0] for c in tally.values())
    prior_before = (sum(c[1] for c in tally.values()) / total if total
                    else DEFAULT_PRIOR_ACCURACY)
    prior_after = (sum(c[2] for c in tally.values()) / total if total
                   else DEFAULT_PRIOR_ACCURACY)
    scores = {
        volunteer: VolunteerScore(
            volunteer, n, b, a,
            (b + prior_strength * prior_before) / (n + prior_strength),
            (a + prior_strength * prior_after) / (n + prior_strength))
        for volunteer, (n, b, a) in tally.items()}
    return scores, prior_before, prior_after


def vote_weight(accuracy: float, choices: int) -> float:
    """Weight of a vote from someone right with probability ``accuracy`` among ``choices``
    options, wrong ones equally likely: ``log(p (k - 1) / (1 - p))``, never below zero."""
    if choices < 2:
        return 1.0
    p = min(max(accuracy, 0.01), 0.99)
    return max(0.0, math.log(p * (choices - 1) / (1 - p)))


def _top(votes: Mapping[date, float], latest: bool) -> date:
    best = max(votes.values())
    tied = [d for d, w in votes.items() if w >= best - 1e-12]
    return max(tied) if latest else min(tied)


def weighted_consensus(answers: Sequence[Answer], scores: Mapping[str, VolunteerScore]
                       ) -> tuple[date, date]:
    """The window from a weighted vote on each bound (see the module's description)."""
    before_votes: dict[date, float] = defaultdict(float)
    after_votes: dict[date, float] = defaultdict(float)
    for answer in answers:
        score = scores.get(answer.volunteer)
        choices = len(answer.shown) - 1
        before_votes[answer.before] += vote_weight(
            score.before_accuracy if score else DEFAULT_PRIOR_ACCURACY, choices)
        after_votes[answer.after] += vote_weight(
            score.after_accuracy if score else DEFAULT_PRIOR_ACCURACY, choices)
    if max(before_votes.values()) <= 0:  # nobody trusted: count heads
        before_votes = defaultdict(float, {d: 0.0 for d in before_votes})
        for answer in answers:
            before_votes[answer.before] += 1
    if max(after_votes.values()) <= 0:
        after_votes = defaultdict(float, {d: 0.0 for d in after_votes})
        for answer in answers:
            after_votes[answer.after] += 1
    before = _top(before_votes, latest=False)
    after = _top(after_votes, latest=True)
    if before >= after:
        # The winning bounds cross: take the span of the two winning gaps.
        gap_of_before = next(a.gap for a in answers if a.before == before)
        gap_of_after = next(a.gap for a in answers if a.after == after)
        before = min(gap_of_before[0], gap_of_after[0])
        after = max(gap_of_before[1], gap_of_after[1])
    return before, after


def gap_weights(answers: Sequence[Answer], scores: Mapping[str, VolunteerScore]
                ) -> dict[tuple[date, date], float]:
    """Each gap's weight: the mean of its voters' two bound weights, summed."""
    weights: dict[tuple[date, date], float] = defaultdict(float)
    for answer in answers:
        score = scores.get(answer.volunteer)
        choices = len(answer.shown) - 1
        b = score.before_accuracy if score else DEFAULT_PRIOR_ACCURACY
        a = score.after_accuracy if score else DEFAULT_PRIOR_ACCURACY
        weights[answer.gap] += (vote_weight(b, choices) + vote_weight(a, choices)) / 2
    return dict(weights)


def dawid_skene(answers: Sequence[Answer], gold: Mapping[str, GoldAnswer]
                ) -> dict[str, dict[tuple[date, date], float]]:
    """Posterior probability of each shown gap per building, by Dawid–Skene (crowd-kit).

    A label is the gap's place in the series shown (0 for the first two images, …), so that
    a volunteer's confusion matrix ("says one image too late") is learnt from all tasks at once;
    the posteriors are mapped back to dates, and averaged over a building's tasks."""
    import pandas as pd  # type: ignore[import-untyped]
    from crowdkit.aggregation import DawidSkene

    if not answers:
        return {}
    data = pd.DataFrame({"task": [a.task for a in answers],
                         "worker": [a.volunteer for a in answers],
                         "label": [a.shown.index(a.before) for a in answers]})
    shown: dict[str, tuple[date, ...]] = {}
    building_of: dict[str, str] = {}
    for answer in answers:
        shown.setdefault(answer.task, answer.shown)
        building_of[answer.task] = answer.building
    labels = set(data["label"])
    true: dict[str, int] = {}
    for task, right in gold.items():
        if task in shown and right.before in shown[task]:
            position = shown[task].index(right.before)
            if position in labels:
                true[task] = position
    model = DawidSkene(n_iter=100)
    model.fit(data, true_labels=pd.Series(true, dtype=int) if true else None)
    probas = model.probas_
    assert probas is not None
    sums: dict[str, dict[tuple[date, date], float]] = defaultdict(lambda: defaultdict(float))
    for task, series in shown.items():
        row = probas.loc[task]
        building = building_of[task]
        for position, gap in enumerate(itertools.pairwise(series)):
            sums[building][gap] += float(row[position]) if position in row.index else 0.0
    result: dict[str, dict[tuple[date, date], float]] = {}
    for building, posterior in sums.items():
        total = sum(posterior.values())
        result[building] = {g: (p / total if total > 0 else 0.0) for g, p in posterior.items()}
    return result


def aggregate(answers: Sequence[Answer], gold: Mapping[str, GoldAnswer] | None = None,
              min_answers_for_ds: int = MIN_ANSWERS_FOR_DS,
              min_volunteer_answers_for_ds: int = MIN_VOLUNTEER_ANSWERS_FOR_DS) -> Aggregation:
    """One window per building (see the module's description for the rule)."""
    gold = gold or {}
    scores, prior_before, prior_after = score_volunteers(answers, gold)
    by_building: dict[str, list[Answer]] = defaultdict(list)
    done: dict[str, int] = defaultdict(int)
    for answer in answers:
        done[answer.volunteer] += 1
        by_building[answer.building].append(answer)
    posteriors = dawid_skene(answers, gold)
    windows: list[Window] = []
    for building in sorted(by_building):
        group = by_building[building]
        consensus = weighted_consensus(group, scores)
        posterior = posteriors.get(building, {})
        ds: tuple[date, date] | None = None
        ds_probability: float | None = None
        if posterior and max(posterior.values()) > 0:
            ds = max(sorted(posterior), key=lambda g: posterior[g])
            ds_probability = posterior[ds]
        enough = len(group) >= min_answers_for_ds and all(
            done[a.volunteer] >= min_volunteer_answers_for_ds for a in group)
        if ds is not None and enough:
            before, after, method = ds[0], ds[1], "dawid-skene"
        else:
            before, after, method = consensus[0], consensus[1], "weighted"
        agreeing = sum(1 for a in group if a.before >= before and a.after <= after)
        agreement = agreeing / len(group)
        ranked = sorted(gap_weights(group, scores).values(), reverse=True)
        close = len(ranked) > 1 and ranked[0] > 0 and ranked[1] >= CLOSE_RUNNER_UP * ranked[0]
        windows.append(Window(building, before, after, method, len(group), agreement,
                              agreement < DISPUTED_AGREEMENT or close, consensus, ds,
                              ds_probability))
    return Aggregation(windows, scores, prior_before, prior_after)


# --- evaluation ----------------------------------------------------------------------------------

def evaluate(windows: Sequence[Window], answers: Sequence[Answer], truth: Mapping[str, date]
             ) -> Evaluation:
    """Score the windows, each method's and each volunteer's, against the true dates."""
    judged = [w for w in windows if w.building in truth]
    if not judged:
        return Evaluation(0, 0.0, 0.0, None, 0.0, 0, None)
    right = {w.building: contains(w.before, w.after, truth[w.building]) for w in judged}
    weighted = sum(contains(*w.consensus, truth[w.building]) for w in judged) / len(judged)
    with_ds = [w for w in judged if w.dawid_skene is not None]
    ds_accuracy = (sum(contains(w.dawid_skene[0], w.dawid_skene[1], truth[w.building])
                       for w in with_ds if w.dawid_skene is not None) / len(with_ds)
                   if with_ds else None)
    disputed = [w for w in judged if w.disputed]
    per_volunteer: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for answer in answers:
        if answer.building in right:
            per_volunteer[answer.volunteer].append(
                (contains(answer.before, answer.after, truth[answer.building]),
                 right[answer.building]))
    volunteers = [VolunteerEvaluation(v, len(rows), sum(r[0] for r in rows) / len(rows),
                                      sum(r[1] for r in rows) / len(rows))
                  for v, rows in sorted(per_volunteer.items())]
    return Evaluation(
        buildings=len(judged), accuracy=sum(right.values()) / len(judged),
        weighted_accuracy=weighted, dawid_skene_accuracy=ds_accuracy,
        mean_width_days=sum(w.width_days for w in judged) / len(judged),
        disputed=len(disputed),
        disputed_accuracy=(sum(right[w.building] for w in disputed) / len(disputed)
                           if disputed else None),
        volunteers=volunteers)
