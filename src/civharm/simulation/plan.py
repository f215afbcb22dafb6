"""The shape of the campaign: when each neighbourhood was under fire.

The offensive closed in on the city from the east and the west and ended in the
centre; each neighbourhood's bombardment peaks when the front passes it. Both the
incidents and the damage to buildings are drawn from this one plan, so they agree
without depending on each other's random draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from civharm.simulation.gazetteer import Gazetteer, Place
from civharm.simulation.rng import stream

CAMPAIGN_START = date(2017, 6, 6)
CAMPAIGN_END = date(2017, 10, 17)
# The last pocket: around the stadium and the national hospital, in the centre.
FINAL_POCKET = (35.9535, 39.0085)


def campaign_days() -> list[date]:
    days = []
    day = CAMPAIGN_START
    while day <= CAMPAIGN_END:
        days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True, slots=True)
class Front:
    """When the front passes one neighbourhood, and how hard it is hit."""

    place: Place
    peak_day: int  # days after the start of the campaign
    width: float  # days
    weight: float


@dataclass(frozen=True, slots=True)
class CampaignPlan:
    days: tuple[date, ...]
    fronts: tuple[Front, ...]

    def intensity(self, front: Front, day_index: int) -> float:
        """Relative bombardment of one neighbourhood on one day."""
        distance = (day_index - front.peak_day) / front.width
        return front.weight * (0.06 + math.exp(-0.5 * distance * distance))

    def cells(self) -> list[tuple[Front, int, float]]:
        """Every (neighbourhood, day) with its relative intensity, in a stable order."""
        return [
            (front, day_index, self.intensity(front, day_index))
            for front in self.fronts
            for day_index in range(len(self.days))
        ]

    def daily_intensity(self) -> list[float]:
        totals = [0.0] * len(self.days)
        for front in self.fronts:
            for day_index in range(len(self.days)):
                totals[day_index] += self.intensity(front, day_index)
        return totals


def make_plan(gazetteer: Gazetteer, seed: int) -> CampaignPlan:
    rng = stream(seed, "plan")
    days = tuple(campaign_days())
    span = len(days) - 1
    lat0, lon0 = FINAL_POCKET
    distances = {
        p.id: math.hypot((p.latitude - lat0) * 111.3, (p.longitude - lon0) * 90.1)
        for p in gazetteer.neighbourhoods
    }
    farthest = max(distances.values())
    fronts = []
    for place in gazetteer.neighbourhoods:
        closeness = 1 - distances[place.id] / farthest
        peak = round(span * (0.08 + 0.85 * closeness) + rng.uniform(-8, 8))
        fronts.append(Front(
            place=place,
            peak_day=min(span, max(0, peak)),
            width=rng.uniform(12, 24),
            weight=rng.uniform(0.6, 1.4) * (1 + 0.6 * closeness),
        ))
    return CampaignPlan(days=days, fronts=tuple(fronts))
