"""The true campaign: what really happened, before anyone reported it.

Strikes hit homes; whole families die together. Every person killed or injured
is a :class:`TruePerson` with a full Arabic name chain, so that the lists made
later can be scored against who really died.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from civharm.simulation.names import FAMILY, FEMALE, MALE
from civharm.simulation.plan import CampaignPlan, Front
from civharm.simulation.rng import pick_weighted, stream

COALITION = "US-led Coalition"
RUSSIA = "Russia"
SYRIAN_GOVERNMENT = "Syrian government"

# Incidents per unit of scale, and the civilian deaths they add up to.
INCIDENTS_PER_SCALE = 272
DEATHS_PER_SCALE = 1600


@dataclass(slots=True)
class TruePerson:
    """Someone killed or injured. Name parts are indices into the name tables."""

    index: int
    incident: int
    household: int
    role: str
    sex: str
    age: int
    given: int
    father: int
    grandfather: int
    family: int
    fate: str = "killed"
    died_on: date | None = None
    died_of_wounds: bool = False
    visibility: float = 0.0
    relative: int | None = None  # the parent or spouse the lists relate them to
    relation: str = ""  # "son", "daughter", "wife", ... of ``relative``

    @property
    def id(self) -> str:
        return f"P{self.index + 1:07d}"


@dataclass(slots=True)
class TrueIncident:
    index: int
    day_index: int
    day: date
    hour: int
    minute: int
    front: Front
    latitude: float
    longitude: float
    belligerent: str
    strike_type: str
    killed: int
    injured: int
    visibility: float
    persons: list[int] = field(default_factory=list)
    strike_line: str = ""  # the declared strike line it belongs to, when the coalition struck
    infrastructure: str = "residential building"

    @property
    def id(self) -> str:
        return f"T{self.index + 1:06d}"


@dataclass(slots=True)
class World:
    incidents: list[TrueIncident]
    persons: list[TruePerson]


INFRASTRUCTURE = ("residential building", "residential building", "residential building",
                  "residential building", "market", "mosque", "school", "bakery",
                  "water station", "shop", "clinic", "bridge")


def _toll(rng: random.Random) -> int:
    """Civilians killed in one incident: mostly a few, sometimes a whole building."""
    draw = rng.random()
    if draw < 0.58:
        return 1 + int(rng.random() * 4)
    if draw < 0.9:
        return 5 + int(rng.random() * 8)
    return 13 + int(rng.expovariate(1 / 9))


def _fit_total(rng: random.Random, tolls: list[int], target: int) -> None:
    """Nudge the tolls, keeping their shape, until they add up to ``target``."""
    total = sum(tolls)
    if total == 0:
        return
    factor = target / total
    for i, toll in enumerate(tolls):
        scaled = toll * factor
        tolls[i] = max(1, int(scaled) + (1 if rng.random() < scaled - int(scaled) else 0))
    difference = target - sum(tolls)
    while difference != 0:
        i = int(rng.random() * len(tolls))
        if difference > 0:
            tolls[i] += 1
            difference -= 1
        elif tolls[i] > 1:
            tolls[i] -= 1
            difference += 1


def _belligerent(rng: random.Random, front: Front) -> tuple[str, str]:
    """Who struck and with what. Others struck mostly south, along the river."""
    southern = front.place.latitude < 35.9475
    draw = rng.random()
    if draw < (0.05 if southern else 0.025):
        return RUSSIA, "air"
    if draw < (0.09 if southern else 0.045):
        return SYRIAN_GOVERNMENT, "artillery" if rng.random() < 0.5 else "air"
    kind = pick_weighted(rng, ("air", "artillery", "drone"), (0.74, 0.2, 0.06))
    return COALITION, kind


_CHILDREN = (0.05, 0.17, 0.35, 0.55, 0.72, 0.84, 0.92, 0.97, 1.0)  # cumulative, 0-8 children
_N_MALE, _N_FEMALE, _N_FAMILY = len(MALE), len(FEMALE), len(FAMILY)


class _Households:
    """Makes households one at a time. Written for speed: millions at large scales."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.count = 0

    def make(self, incident: int) -> list[TruePerson]:
        random_ = r = self.rng.random
        household = self.count
        self.count += 1
        # Latent visibility: a share for the household and a share for the person. A sum of
        # three uniforms is near enough to a normal draw here, and much faster.
        shared = 1.2 * (random_() + random_() + random_() - 1.5)
        members: list[TruePerson] = []
        append = members.append
        if random_() < 0.74:
            family = int(random_() * _N_FAMILY)
            father_given = int(random_() * _N_MALE)
            grandfather = int(random_() * _N_MALE)
            father_age = 24 + int(random_() * 34)
            append(TruePerson(-1, incident, household, "father", "male", father_age,
                              father_given, grandfather, int(random_() * _N_MALE), family,
                              "killed", None, False, shared + 1.6 * (r() + r() + r() - 1.5)))
            mother_age = max(18, father_age - int(random_() * 9))
            append(TruePerson(-1, incident, household, "mother", "female", mother_age,
                              int(random_() * _N_FEMALE), int(random_() * _N_MALE),
                              int(random_() * _N_MALE),
                              family if random_() < 0.3 else int(random_() * _N_FAMILY),
                              "killed", None, False, shared + 1.6 * (r() + r() + r() - 1.5),
                              0, "wife"))
            draw = random_()
            children = 0
            while _CHILDREN[children] < draw:
                children += 1
            oldest = max(0, min(mother_age - 17, 24)) + 1
            used = {father_given + _N_FEMALE}
            for _ in range(children):
                female = random_() < 0.5
                given = int(random_() * (_N_FEMALE if female else _N_MALE))
                if given + (0 if female else _N_FEMALE) in used:
                    given = int(random_() * (_N_FEMALE if female else _N_MALE))
                used.add(given + (0 if female else _N_FEMALE))
                role = "daughter" if female else "son"
                append(TruePerson(-1, incident, household, role,
                                  "female" if female else "male", int(random_() * oldest),
                                  given, father_given, grandfather, family, "killed", None,
                                  False, shared + 1.6 * (r() + r() + r() - 1.5), 0, role))
            if random_() < 0.22:
                append(TruePerson(-1, incident, household, "grandmother", "female",
                                  min(98, father_age + 20 + int(random_() * 15)),
                                  int(random_() * _N_FEMALE), int(random_() * _N_MALE),
                                  int(random_() * _N_MALE), int(random_() * _N_FAMILY),
                                  "killed", None, False, shared + 1.6 * (r() + r() + r() - 1.5), 0,
                                  "mother"))
            if random_() < 0.08:
                append(TruePerson(-1, incident, household, "grandfather", "male",
                                  min(98, father_age + 22 + int(random_() * 15)),
                                  grandfather, members[0].grandfather,
                                  int(random_() * _N_MALE), family, "killed", None, False,
                                  shared + 1.6 * (r() + r() + r() - 1.5), 0, "father"))
        else:
            family = int(random_() * _N_FAMILY)
            father_given = int(random_() * _N_MALE)
            grandfather = int(random_() * _N_MALE)
            siblings = random_() < 0.5
            for _ in range(1 + int(random_() * 3)):
                female = random_() < 0.35
                given = int(random_() * (_N_FEMALE if female else _N_MALE))
                if siblings:
                    father, elder, surname = father_given, grandfather, family
                else:
                    father = int(random_() * _N_MALE)
                    elder = int(random_() * _N_MALE)
                    surname = int(random_() * _N_FAMILY)
                append(TruePerson(-1, incident, household, "sibling" if siblings else "adult",
                                  "female" if female else "male", 16 + int(random_() * 60),
                                  given, father, elder, surname, "killed", None, False,
                                  shared + 1.6 * (r() + r() + r() - 1.5)))
        return members


def make_world(plan: CampaignPlan, seed: int, scale: float) -> World:
    rng = stream(seed, "world")
    count = max(1, round(scale * INCIDENTS_PER_SCALE * (0.97 + 0.06 * rng.random())))
    target = max(count, round(scale * DEATHS_PER_SCALE * (0.98 + 0.05 * rng.random())))
    cells = plan.cells()
    cumulative: list[float] = []
    running = 0.0
    for _, _, weight in cells:
        running += weight
        cumulative.append(running)
    chosen = rng.choices(cells, cum_weights=cumulative, k=count)
    chosen.sort(key=lambda cell: cell[1])  # by day; stable, so ties keep the draw's order
    tolls = [_toll(rng) for _ in chosen]
    _fit_total(rng, tolls, target)

    incidents: list[TrueIncident] = []
    persons: list[TruePerson] = []
    households = _Households(stream(seed, "households"))
    for index, ((front, day_index, _), killed) in enumerate(zip(chosen, tolls, strict=True)):
        latitude, longitude = front.place.random_point(rng)
        belligerent, strike_type = _belligerent(rng, front)
        injured = round(killed * rng.uniform(0.3, 2.2)) if rng.random() < 0.85 else 0
        incident = TrueIncident(
            index=index, day_index=day_index, day=plan.days[day_index],
            hour=int(rng.random() * 24) if rng.random() < 0.2 else 6 + int(rng.random() * 18),
            minute=int(rng.random() * 60), front=front, latitude=latitude, longitude=longitude,
            belligerent=belligerent, strike_type=strike_type, killed=killed, injured=injured,
            visibility=rng.gauss(0, 1),
            infrastructure=INFRASTRUCTURE[int(rng.random() * len(INFRASTRUCTURE))],
        )
        incidents.append(incident)
        _people(incident, households, persons, rng)
    return World(incidents=incidents, persons=persons)


def _people(incident: TrueIncident, households: _Households, persons: list[TruePerson],
            rng: random.Random) -> None:
    """Fill an incident with its dead and injured, household by household.

    Those at home are hit together: households die whole, and only the household
    that straddles the line between killed and injured (or the last one) is split,
    at random.
    """
    killed = incident.killed
    wanted = killed + incident.injured
    taken = 0
    day = incident.day
    random_ = rng.random
    members = incident.persons
    while taken < wanted:
        household = households.make(incident.index)
        size = len(household)
        if taken < killed < taken + size or taken + size > wanted:
            rng.shuffle(household)
        placed: list[TruePerson] = []
        for person in household[:wanted - taken]:
            person.index = len(persons)
            if taken < killed:
                person.died_on = day
                if random_() < 0.06:
                    person.died_of_wounds = True
                    person.died_on = day + timedelta(days=1 + int(rng.expovariate(1 / 5)))
            else:
                person.fate = "injured"
            persons.append(person)
            members.append(person.index)
            placed.append(person)
            taken += 1
        # Lists relate people to the father of their household, or to the mother when
        # he is not among the casualties.
        father = mother = None
        for person in placed:
            if person.role == "father":
                father = person.index
            elif person.role == "mother":
                mother = person.index
        for person in placed:
            if person.relative is None:
                continue
            if father is not None and person.role != "father":
                person.relative = father
            elif person.role in ("son", "daughter") and mother is not None:
                person.relative = mother
            else:
                person.relative, person.relation = None, ""


def age_band(age: int) -> tuple[int, int]:
    """The band a list writes when it gives no exact age."""
    if age < 18:
        return (0, 17)
    if age < 60:
        return (18, 59)
    return (60, 99)
