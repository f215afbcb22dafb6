"""Damage to buildings, as satellite analysts and volunteers saw it.

Each building has a true history: unharmed until the front reaches its
neighbourhood, then damaged to a final class on one day. Analysts classify it on
a few imagery dates (a UNOSAT-style wide table, with mistakes); volunteers shown
a series of images say between which two the building was destroyed, some of
them reliably and some not. Made from the campaign plan alone, so this part can
run apart from the rest.
"""

from __future__ import annotations

import bisect
import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from civharm.simulation.damage_imagery import write_imagery
from civharm.simulation.gazetteer import load_gazetteer
from civharm.simulation.plan import CampaignPlan, make_plan
from civharm.simulation.rng import stream

BUILDINGS_PER_SCALE = 12_000
VOLUNTEERS_PER_SCALE = 120

SENSOR_DATES = (date(2017, 5, 29), date(2017, 7, 18), date(2017, 8, 26), date(2017, 9, 22),
                date(2017, 10, 21))
# The series of images volunteers step through: one every fortnight.
TRACKER_DATES = tuple(date(2017, 6, 1) + timedelta(days=14 * i) for i in range(11))
TRACKER_WINDOW = 6

# UNOSAT-style damage codes.
DESTROYED, SEVERE, MODERATE, POSSIBLE, NO_DAMAGE, ADJACENT = 1, 2, 3, 4, 6, 11
CLASS_NAMES = {DESTROYED: "destroyed", SEVERE: "severe", MODERATE: "moderate",
               POSSIBLE: "possible", NO_DAMAGE: "none", ADJACENT: "possible (adjacent impact)"}


@dataclass(frozen=True, slots=True)
class DamageSummary:
    buildings: int
    destroyed: int
    damaged: int
    tasks: int
    answers: int
    volunteers: int


def _misread(rng: random.Random, code: int) -> int:
    """An analyst's slip: the class next to the true one."""
    if code == DESTROYED:
        return SEVERE
    if code == SEVERE:
        return DESTROYED if rng.random() < 0.5 else MODERATE
    if code == MODERATE:
        return SEVERE if rng.random() < 0.5 else POSSIBLE
    if code == POSSIBLE:
        return MODERATE if rng.random() < 0.5 else NO_DAMAGE
    return POSSIBLE


def write_damage(out_dir: Path, seed: int, scale: float) -> DamageSummary:
    """Write damage/damage-sites.csv, damage/volunteer-answers.csv, the images of each
dating task (damage/imagery.csv and damage/imagery/) and their truth."""
    gazetteer = load_gazetteer()
    plan: CampaignPlan = make_plan(gazetteer, seed)
    rng = stream(seed, "damage")
    random_ = rng.random
    fronts = plan.fronts
    weights = [f.place.area_km2 * rng.uniform(0.7, 1.3) for f in fronts]
    total_weight = sum(weights)
    buildings = max(len(fronts), round(BUILDINGS_PER_SCALE * scale))
    heaviest = max(f.weight for f in fronts)
    (out_dir / "damage").mkdir(parents=True, exist_ok=True)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    sensor_text = [d.isoformat() for d in SENSOR_DATES]
    sensor_days = [(d - plan.days[0]).days for d in SENSOR_DATES]
    tracker_days = [(d - plan.days[0]).days for d in TRACKER_DATES]
    header = ["SiteID", "latitude", "longitude", "Neighbourhood"]
    for number in range(1, len(SENSOR_DATES) + 1):
        header += [f"SensorDate_{number}", f"Main_Damage_Site_Class_{number}"]
    tasks: list[tuple[str, int]] = []  # (site, index of the tracker interval it fell in)
    destroyed = damaged = 0
    site_number = 0
    day_text = [d.isoformat() for d in plan.days]
    # The classes seen on the five dates depend only on the final class and on the first
    # imagery date after the damage: write each such pattern once.
    patterns: dict[tuple[int, int], list[int]] = {}
    for final in (DESTROYED, SEVERE, MODERATE, POSSIBLE, NO_DAMAGE):
        for first in range(len(SENSOR_DATES) + 1):
            patterns[(final, first)] = [NO_DAMAGE if i < first else final
                                        for i in range(len(SENSOR_DATES))]
    cells = {key: ",".join(f"{t},{c}" for t, c in zip(sensor_text, codes, strict=True))
             for key, codes in patterns.items()}
    with open(out_dir / "damage" / "damage-sites.csv", "w", encoding="utf-8", newline="") as \
            sites, open(out_dir / "truth" / "damage.csv", "w", encoding="utf-8",
                        newline="") as truth:
        sites.write(",".join(header) + "\n")
        truth.write("SiteID,neighbourhood,final_class,final_class_name,damaged_on,destroyed_on\n")
        for front, weight in zip(fronts, weights, strict=True):
            count = max(1, round(buildings * weight / total_weight))
            cumulative: list[float] = []
            running = 0.0
            for day_index in range(len(plan.days)):
                running += plan.intensity(front, day_index)
                cumulative.append(running)
            hit = 0.15 + 0.25 * front.weight / heaviest
            thresholds = (hit, hit + 0.18, hit + 0.33, hit + 0.43)
            triangles = front.place.triangles()
            areas = [abs((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]))
                     for a, b, c in triangles]
            area_total = sum(areas)
            name, place_id = front.place.name, front.place.id
            site_rows: list[str] = []
            truth_rows: list[str] = []
            for _ in range(count):
                site_number += 1
                site = f"S{site_number:07d}"
                # A uniform point: a triangle in proportion to its area, then a point in it.
                pick = random_() * area_total
                corner = 0
                while corner < len(areas) - 1 and pick > areas[corner]:
                    pick -= areas[corner]
                    corner += 1
                (x0, y0), (x1, y1), (x2, y2) = triangles[corner]
                u, v = random_(), random_()
                if u + v > 1:
                    u, v = 1 - u, 1 - v
                lon = x0 + u * (x1 - x0) + v * (x2 - x0)
                lat = y0 + u * (y1 - y0) + v * (y2 - y0)
                draw = random_()
                final = DESTROYED if draw < thresholds[0] else SEVERE if draw < thresholds[1] \
                    else MODERATE if draw < thresholds[2] else POSSIBLE \
                    if draw < thresholds[3] else NO_DAMAGE
                onset = -1
                first = len(SENSOR_DATES)
                if final != NO_DAMAGE:
                    onset = bisect.bisect_left(cumulative, random_() * running)
                    first = bisect.bisect_left(sensor_days, onset)
                    damaged += 1
                noise = random_()
                if noise < 0.2:
                    codes = list(patterns[(final, first)])
                    if noise < 0.05:
                        # Damage next door shows before the building itself is hit.
                        if first > 0 and sensor_days[first - 1] >= onset - 10:
                            codes[first - 1] = ADJACENT
                    else:
                        which = int(random_() * len(codes))
                        codes[which] = _misread(rng, codes[which])
                    seen = ",".join(f"{t},{c}" for t, c in zip(sensor_text, codes, strict=True))
                else:
                    seen = cells[(final, first)]
                site_rows.append(f"{site},{lat:.6f},{lon:.6f},{name},{seen}")
                onset_date = day_text[onset] if onset >= 0 else ""
                if final == DESTROYED:
                    destroyed += 1
                    interval = bisect.bisect_right(tracker_days, onset) - 1
                    if 0 <= interval < len(tracker_days) - 1 and random_() < 0.15:
                        tasks.append((site, interval))
                    truth_rows.append(f"{site},{place_id},1,destroyed,{onset_date},{onset_date}")
                else:
                    truth_rows.append(f"{site},{place_id},{final},{CLASS_NAMES[final]},"
                                      f"{onset_date},")
                if len(site_rows) >= 20_000:
                    sites.write("\n".join(site_rows) + "\n")
                    truth.write("\n".join(truth_rows) + "\n")
                    site_rows.clear()
                    truth_rows.clear()
            if site_rows:
                sites.write("\n".join(site_rows) + "\n")
                truth.write("\n".join(truth_rows) + "\n")
    answers, volunteers = _volunteers(out_dir, seed, scale, tasks)
    write_imagery(out_dir, seed)
    return DamageSummary(buildings=site_number, destroyed=destroyed, damaged=damaged,
                         tasks=len(tasks), answers=answers, volunteers=volunteers)


def _volunteers(out_dir: Path, seed: int, scale: float, tasks: list[tuple[str, int]]
                ) -> tuple[int, int]:
    """Volunteers date the destruction: the last image before and the first image after."""
    rng = stream(seed, "volunteers")
    random_ = rng.random
    count = max(5, round(VOLUNTEERS_PER_SCALE * scale))
    accuracy: list[float] = []
    kinds: list[str] = []
    for _ in range(count):
        draw = random_()
        if draw < 0.6:
            kinds.append("careful")
            accuracy.append(rng.uniform(0.85, 0.97))
        elif draw < 0.9:
            kinds.append("hasty")
            accuracy.append(rng.uniform(0.6, 0.85))
        else:
            kinds.append("unreliable")
            accuracy.append(rng.uniform(0.15, 0.45))
    # A few volunteers do most of the work.
    activity: list[float] = []
    running = 0.0
    for rank in range(count):
        running += 1 / (rank + 1) ** 0.8
        activity.append(running)
    done = [0] * count
    text = [d.isoformat() for d in TRACKER_DATES]
    intervals = len(TRACKER_DATES) - 1
    span = TRACKER_WINDOW - 1
    answers = 0
    with open(out_dir / "damage" / "volunteer-answers.csv", "w", encoding="utf-8",
              newline="") as handle, open(out_dir / "damage" / "gold-answers.csv", "w",
                                          encoding="utf-8", newline="") as gold_handle:
        writer = csv.writer(handle, lineterminator="\n")
        gold = csv.writer(gold_handle, lineterminator="\n")
        writer.writerow(["task", "volunteer", "building", "dates_shown", "answer_before",
                         "answer_after", "gold"])
        gold.writerow(["task", "building", "before", "after"])
        rows: list[list[str]] = []
        for number, (site, interval) in enumerate(tasks, start=1):
            task = f"K{number:07d}"
            first = max(0, min(intervals - span, interval - int(random_() * span)))
            shown = text[first:first + TRACKER_WINDOW]
            truth = interval - first
            is_gold = random_() < 0.06
            if is_gold:
                gold.writerow([task, site, shown[truth], shown[truth + 1]])
            chosen: set[int] = set()
            for _ in range(3 + (random_() < 0.4) + (random_() < 0.1)):
                volunteer = bisect.bisect_left(activity, random_() * running)
                if volunteer in chosen:
                    continue
                chosen.add(volunteer)
                if random_() < accuracy[volunteer]:
                    answer = truth
                elif random_() < 0.7:
                    answer = truth + (1 if random_() < 0.5 else -1)
                    answer = min(span - 1, max(0, answer))
                else:
                    answer = int(random_() * span)
                done[volunteer] += 1
                rows.append([task, f"volunteer-{volunteer + 1:05d}", site, ";".join(shown),
                             shown[answer], shown[answer + 1], "yes" if is_gold else "no"])
            if len(rows) > 20_000:
                writer.writerows(rows)
                answers += len(rows)
                rows = []
        writer.writerows(rows)
        answers += len(rows)
    with open(out_dir / "truth" / "volunteers.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["volunteer", "kind", "accuracy", "answers"])
        for index in range(count):
            writer.writerow([f"volunteer-{index + 1:05d}", kinds[index],
                             f"{accuracy[index]:.3f}", done[index]])
    return answers, count
