"""Score what the record says against the simulated truth, stage by stage.

Only stages that exist are scored; the others are listed as not built yet, so
nobody mistakes a missing stage for a perfect one.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from civharm.simulation.world import COALITION

if TYPE_CHECKING:
    from civharm.analysis.volunteer_dating import Answer, GoldAnswer

NOT_BUILT: tuple[tuple[str, str], ...] = (
    ("strike matching", "reported incidents matched to declared strike lines"),
    ("victim linkage", "victim records linked to the same person across lists"),
    ("grading suggestions", "suggested grades against the true grades"),
    ("MSE estimation", "estimated total deaths, documented and undocumented"),
)


@dataclass(frozen=True, slots=True)
class StageScore:
    stage: str
    measure: str
    found: str
    truth: str
    score: str
    built: bool = True


@dataclass(frozen=True, slots=True)
class Truth:
    totals: dict[str, Any]
    true_incident_of: dict[str, str]  # reported code -> true incident
    true_grade: dict[str, str] = field(default_factory=dict)  # reported code -> grade
    true_strike_status: dict[str, str] = field(default_factory=dict)


def load_truth(data_dir: Path) -> Truth:
    """Read the truth of a generated folder. Raises FileNotFoundError or ValueError."""
    folder = data_dir / "truth"
    totals_path = folder / "totals.json"
    if not totals_path.is_file():
        raise FileNotFoundError(f"{totals_path} does not exist; is {data_dir} a simulated "
                                "campaign written by 'civharm demo generate'?")
    totals = json.loads(totals_path.read_text("utf-8"))
    if not isinstance(totals, dict) or "true_civilian_deaths" not in totals:
        raise ValueError(f"{totals_path} is not a simulator's totals file")
    codes: dict[str, str] = {}
    grades: dict[str, str] = {}
    statuses: dict[str, str] = {}
    with open(folder / "reported-incidents.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            codes[row["code"]] = row["true_incident"]
            grades[row["code"]] = row.get("true_grade", "")
            statuses[row["code"]] = row.get("true_strike_status", "")
    return Truth(totals=totals, true_incident_of=codes, true_grade=grades,
                 true_strike_status=statuses)


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def suggestion_scores(truth: Truth, suggestions: Mapping[str, tuple[str, str]]
                      ) -> list[StageScore]:
    """Suggested strike status and grade (by reported code) against the true ones."""
    graded = [c for c in suggestions if truth.true_grade.get(c)]
    same_grade = sum(1 for c in graded if suggestions[c][0] == truth.true_grade[c])
    with_status = [c for c in suggestions if truth.true_strike_status.get(c)]
    same_status = sum(1 for c in with_status
                      if suggestions[c][1] == truth.true_strike_status[c])
    return [
        StageScore(
            "strike matching", "suggested strike status equals the true status",
            f"{same_status:,} agree", f"{len(with_status):,} reported incidents",
            _share(same_status, len(with_status))),
        StageScore(
            "grading suggestions", "suggested grade equals the true grade",
            f"{same_grade:,} agree", f"{len(graded):,} reported incidents",
            _share(same_grade, len(graded))),
    ]


def damage_class_scores(data_dir: Path, last_class: Mapping[str, str]) -> list[StageScore]:
    """Each site's last observed damage class (by site) against the final class in the
    truth's ``damage.csv``; nothing when the folder has no damage truth."""
    path = data_dir / "truth" / "damage.csv"
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        final = {row["SiteID"]: row["final_class_name"] for row in csv.DictReader(handle)}
    judged = [site for site in last_class if site in final]
    same = sum(1 for site in judged if last_class[site] == final[site])
    destroyed_found = sum(1 for site in last_class if last_class[site] == "destroyed")
    destroyed_true = sum(1 for name in final.values() if name == "destroyed")
    return [
        StageScore(
            "damage assessments", "sites whose last observed class is the true final class",
            f"{same:,} agree of {len(judged):,} imported", f"{len(final):,} sites",
            _share(same, len(judged))),
        StageScore(
            "damage assessments", "sites destroyed at their last observation",
            f"{destroyed_found:,}", f"{destroyed_true:,} destroyed",
            _share(destroyed_found, destroyed_true) + " of the truth"),
    ]


def volunteer_dating_scores(data_dir: Path, stored: tuple[Sequence[Answer],
                                                         Mapping[str, GoldAnswer]] | None = None
                            ) -> list[StageScore]:
    """The volunteers' answers combined into destruction windows
    (:mod:`civharm.analysis.volunteer_dating`) and scored against the true destruction
    dates of a generated folder: the ``stored`` answers and gold answers when given (those
    in a database), else the folder's answer files; nothing when there are no answers or no
    damage truth."""
    from civharm.analysis import volunteer_dating as vd

    answers_path = data_dir / "damage" / "volunteer-answers.csv"
    gold_path = data_dir / "damage" / "gold-answers.csv"
    truth_path = data_dir / "truth" / "damage.csv"
    if not truth_path.is_file() or (stored is None and not answers_path.is_file()):
        return []
    if stored is not None:
        answers, gold = stored
    else:
        answers = vd.read_answers(answers_path.read_text("utf-8-sig"), answers_path.name)
        gold = (vd.read_gold(gold_path.read_text("utf-8-sig"), gold_path.name)
                if gold_path.is_file() else {})
    dates = vd.read_truth(truth_path.read_text("utf-8-sig"), truth_path.name)
    if not answers:
        return []
    windows = vd.aggregate(answers, gold).windows
    result = vd.evaluate(windows, answers, dates)
    summary = result.as_json()
    best, median = summary["best_volunteer_accuracy"], summary["median_volunteer_accuracy"]
    volunteers = (f"best {best:.0%}, median {median:.0%} of {summary['volunteers']} "
                  f"volunteers with {summary['volunteers_with_at_least']}+ buildings"
                  if isinstance(best, float) and isinstance(median, float)
                  else "no volunteer with enough buildings to compare")
    return [
        StageScore(
            "damage dating", "destruction windows that hold the true date",
            f"{len(windows):,} windows", f"{result.buildings:,} buildings with a true date",
            f"{result.accuracy:.0%}"),
        StageScore(
            "damage dating", "single volunteers' answers that hold the true date",
            f"{len(answers):,} answers", f"{result.buildings:,} buildings", volunteers),
        StageScore(
            "damage dating", "mean window width",
            f"{result.mean_width_days:.1f} days", "", f"{result.disputed:,} disputed"),
    ]


def evaluate(truth: Truth, figures: Mapping[str, Any], codes_in_store: Iterable[str],
             suggestions: Mapping[str, tuple[str, str]] | None = None) -> list[StageScore]:
    """Every stage's score: the documented counts and incident coverage, then the rest."""
    totals = truth.totals
    deaths = int(totals["true_civilian_deaths"])
    low, high = int(figures["killed_min"]), int(figures["killed_max"])
    likely_low, likely_high = int(figures["likely_deaths"]), int(figures["likely_deaths_max"])
    codes = set(codes_in_store)
    covered = {truth.true_incident_of[c] for c in codes if c in truth.true_incident_of}
    known = sum(1 for c in codes if c in truth.true_incident_of)
    scores = [
        StageScore(
            "documented counts", "civilians reported killed, lowest to highest",
            f"{low:,}–{high:,}", f"{deaths:,} killed",
            ("range includes the truth" if low <= deaths <= high else
             f"range {'below' if high < deaths else 'above'} the truth")
            + f"; {_share(low, deaths)}–{_share(high, deaths)} of it"),
        StageScore(
            "documented counts", "likely deaths (incidents graded Fair or Confirmed)",
            f"{likely_low:,}" + (f"–{likely_high:,}" if likely_high != likely_low else ""),
            f"{deaths:,} killed",
            "no incident graded yet" if int(figures.get("ungraded_incidents", 0)) ==
            int(figures.get("incidents", 0)) else
            f"{_share(likely_low, deaths)} of the truth"),
        StageScore(
            "documented counts", "victims named (records, before linkage)",
            f"{int(figures['named_victims']):,} records",
            f"{int(totals['true_documented']):,} people named, of {deaths:,} killed",
            f"{int(figures['named_victims']) / max(1, int(totals['true_documented'])):.2f} "
            "records per person"),
        StageScore(
            "incidents", "true incidents covered by a reported incident",
            f"{len(covered):,}", f"{int(totals['true_incidents']):,} true incidents",
            _share(len(covered), int(totals["true_incidents"]))),
        StageScore(
            "incidents", "reported incidents for the covered true incidents",
            f"{known:,} reported", f"{len(covered):,} true incidents",
            f"{known - len(covered):,} duplicate{'' if known - len(covered) == 1 else 's'} "
            "to merge"),
    ]
    conceded = figures.get("conceded", {})
    if isinstance(conceded, Mapping) and COALITION in conceded:
        admitted = conceded[COALITION]
        coalition_deaths = int(totals["true_deaths_by_belligerent"].get(COALITION, 0))
        scores.append(StageScore(
            "belligerent verdicts", "civilian deaths the coalition conceded",
            f"{int(admitted['min']):,}", f"{coalition_deaths:,} killed by the coalition",
            f"{_share(int(admitted['min']), coalition_deaths)} conceded"))
    scored: set[str] = set()
    if suggestions:
        scores += suggestion_scores(truth, suggestions)
        scored = {"strike matching", "grading suggestions"}
    scores += [StageScore(stage, measure, "", "", "not built yet", built=False)
               for stage, measure in NOT_BUILT if stage not in scored]
    return scores
