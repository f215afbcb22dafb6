"""What the monitors saw: allegations, claims, victim lists and witness interviews.

Each monitoring source covers some incidents and not others (by neighbourhood,
by month, by how visible the incident was) and, within an incident, names some
of the dead and not others. A person's latent visibility raises their chance of
being named on every list at once, so the lists are positively dependent, as
real casualty lists are; multiple systems estimation must cope with that.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from civharm.simulation.gazetteer import Gazetteer
from civharm.simulation.names import FAMILY, ArabicHabits, LatinHabits
from civharm.simulation.plan import CampaignPlan
from civharm.simulation.rng import pick_weighted, stream
from civharm.simulation.world import COALITION, TrueIncident, World

# Investigated strike locations and witness interviews per unit of scale.
INVESTIGATED_PER_SCALE = 215
WITNESSES_PER_SCALE = 410


@dataclass(frozen=True, slots=True)
class ListProfile:
    """One monitoring source that keeps a list of victims, and its habits."""

    key: str
    prefix: str
    kind: str
    title: str
    publisher: str
    published: date
    language: str
    latin: LatinHabits | None
    arabic: ArabicHabits | None
    forms: tuple[float, float, float]  # weights of writing 2, 3 or 4 links of the name chain
    coverage: float  # logit of covering an incident
    trend: float  # change of that logit per month of the campaign
    edge: float  # change of that logit for neighbourhoods the front reached early
    base: float  # logit of naming one of the dead of a covered incident
    load: float  # how much a person's visibility matters
    sex_known: float
    age_given: float
    age_band: float
    age_error: float
    date_given: float
    later_death: float  # writes the later date for those who died of their wounds
    duplicate: float
    unnamed: float
    relations: float
    ranges: float  # states a range of deaths rather than one number
    bias: float  # log-scale bias of the number of deaths it states
    error: float  # log-scale spread of that number
    injured: bool = False  # a register of the wounded: names them, counts no dead
    injured_base: float | None = None  # logit of naming one of the injured; None: never

    @property
    def source_key(self) -> str:
        return f"list-{self.key}"

    @property
    def file_name(self) -> str:
        return f"victims-{self.key}.csv"


LISTS: tuple[ListProfile, ...] = (
    ListProfile(
        key="field", prefix="FLD", kind="casualty_list",
        title="SIMULATED field investigation: victims named by survivors and relatives",
        publisher="Joint field investigation (simulated)", published=date(2018, 4, 30),
        language="ar",
        latin=LatinHabits(article=(0.9, 0.1, 0, 0, 0, 0), abd=(0.7, 0.3, 0, 0, 0, 0),
                          abd_allah=(0.3, 0.7, 0, 0), short_u_as_o=0.1,
                          long_u=(0.8, 0.2, 0, 0), long_i_as_ee=0.05, final_ad_as_ed=0.05,
                          final_ah=(0.3, 0.7, 0, 0), undouble=0.05, double_s=0.1,
                          ay=(0.6, 0.3, 0.1), aw=(0.8, 0.2, 0), typo=0.01),
        arabic=ArabicHabits(hamza_dropped=0.2, taa_marbuta_as_haa=0.02, alif_maqsura_as_ya=0.05,
                            abd_joined=0.1, family_article_dropped=0.05, typo=0.01),
        forms=(0.05, 0.4, 0.55), coverage=0.0, trend=0.0, edge=0.0, base=-0.2, load=0.9,
        sex_known=0.99, age_given=0.85, age_band=0.6, age_error=0.08, date_given=0.9,
        later_death=0.6, duplicate=0.005, unnamed=0.0, relations=0.6, ranges=0.15,
        bias=0.0, error=0.08, injured_base=-0.4,
    ),
    ListProfile(
        key="monitor", prefix="MON", kind="casualty_list",
        title="SIMULATED NGO monitor: civilian casualty database, Raqqa",
        publisher="Civilian casualty monitor (simulated)", published=date(2017, 12, 31),
        language="en",
        latin=LatinHabits(article=(0.6, 0.25, 0.05, 0.05, 0.05, 0), abd=(0.1, 0.6, 0.2, 0.1, 0, 0),
                          abd_allah=(0, 0.8, 0.2, 0), short_u_as_o=0.8,
                          long_u=(0.3, 0.45, 0.2, 0.05), long_i_as_ee=0.35, final_ad_as_ed=0.6,
                          final_ah=(0.1, 0.8, 0.05, 0.05), undouble=0.1, double_s=0.6,
                          ay=(0.2, 0.3, 0.5), aw=(0.5, 0.1, 0.4), q_as_k=0.1, typo=0.03),
        arabic=None,
        forms=(0.5, 0.4, 0.1), coverage=-1.1, trend=0.0, edge=0.3, base=-0.8, load=1.0,
        sex_known=0.85, age_given=0.5, age_band=0.3, age_error=0.15, date_given=0.95,
        later_death=0.1, duplicate=0.02, unnamed=0.04, relations=0.0, ranges=0.4,
        bias=0.05, error=0.2,
    ),
    ListProfile(
        key="media", prefix="MED", kind="media_report",
        title="SIMULATED local media network: posts naming the dead",
        publisher="Local media network (simulated)", published=date(2017, 10, 31),
        language="ar",
        latin=None,
        arabic=ArabicHabits(hamza_dropped=0.6, taa_marbuta_as_haa=0.15, alif_maqsura_as_ya=0.3,
                            abd_joined=0.3, family_article_dropped=0.2, typo=0.03),
        forms=(0.3, 0.5, 0.2), coverage=0.1, trend=-0.3, edge=0.4, base=-0.5, load=1.0,
        sex_known=0.8, age_given=0.35, age_band=0.3, age_error=0.2, date_given=0.9,
        later_death=0.2, duplicate=0.03, unnamed=0.06, relations=0.0, ranges=0.3,
        bias=0.1, error=0.25,
    ),
    ListProfile(
        key="hospital", prefix="HOS", kind="casualty_list",
        title="SIMULATED field hospital register: admissions and deaths",
        publisher="Field hospital (simulated)", published=date(2017, 10, 20),
        language="en",
        latin=LatinHabits(article=(0.1, 0, 0.7, 0, 0.2, 0), abd=(0, 0.1, 0.8, 0, 0, 0.1),
                          abd_allah=(0, 0.2, 0.8, 0), short_u_as_o=0.9,
                          long_u=(0.05, 0.85, 0.05, 0.05), long_i_as_ee=0.1,
                          final_ad_as_ed=0.5, final_ah=(0, 0.5, 0.2, 0.3), undouble=0.5,
                          double_s=0.5, ay=(0, 0.2, 0.8), aw=(0.1, 0.1, 0.8), q_as_k=0.4,
                          upper=True, typo=0.04),
        arabic=None,
        forms=(0.4, 0.6, 0.0), coverage=-1.0, trend=0.0, edge=1.0, base=-1.6, load=0.7,
        sex_known=0.97, age_given=0.9, age_band=0.0, age_error=0.2, date_given=1.0,
        later_death=1.0, duplicate=0.02, unnamed=0.0, relations=0.0, ranges=0.1,
        bias=-0.1, error=0.2, injured=True, injured_base=-0.4,
    ),
    ListProfile(
        key="responders", prefix="RSP", kind="casualty_list",
        title="SIMULATED recovery team: bodies recovered and identified",
        publisher="Recovery team (simulated)", published=date(2018, 9, 30),
        language="ar",
        latin=LatinHabits(article=(0.7, 0.2, 0, 0.1, 0, 0), abd=(0.4, 0.5, 0.1, 0, 0, 0),
                          abd_allah=(0.2, 0.8, 0, 0), short_u_as_o=0.5,
                          long_u=(0.6, 0.3, 0.1, 0), long_i_as_ee=0.2, final_ad_as_ed=0.3,
                          final_ah=(0.2, 0.8, 0, 0), undouble=0.2, double_s=0.4,
                          ay=(0.4, 0.3, 0.3), aw=(0.6, 0.2, 0.2), q_as_k=0.05, typo=0.02),
        arabic=ArabicHabits(hamza_dropped=0.3, taa_marbuta_as_haa=0.05, alif_maqsura_as_ya=0.1,
                            abd_joined=0.1, family_article_dropped=0.1, typo=0.02),
        forms=(0.2, 0.4, 0.4), coverage=-1.9, trend=0.35, edge=-0.8, base=-0.6, load=0.8,
        sex_known=0.95, age_given=0.4, age_band=0.6, age_error=0.35, date_given=0.35,
        later_death=0.0, duplicate=0.02, unnamed=0.0, relations=0.0, ranges=0.2,
        bias=0.0, error=0.15,
    ),
)
LIST_BY_KEY = {p.key: p for p in LISTS}
# When several lists report one incident, the allegation takes its description from
# the most precise of them.
PRECEDENCE = ("field", "monitor", "media", "responders", "hospital")


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@dataclass(slots=True)
class Allegation:
    """A reported incident: what monitors recorded under one code."""

    incident: TrueIncident
    lists: list[str]
    duplicate_of: Allegation | None = None
    code: str = ""
    start: date = date(2017, 1, 1)
    date_text: str = ""
    local_time: str = ""
    latitude: float = 0.0
    longitude: float = 0.0
    precision: str = ""
    neighbourhood: str = ""
    strike_type: str = "unknown"
    infrastructure: str = ""
    witnesses: list[str] = field(default_factory=list)
    blame: dict[str, str] = field(default_factory=dict)  # source key -> belligerent blamed
    named: dict[str, list[int]] = field(default_factory=dict)  # list key -> persons named

    @property
    def investigated(self) -> bool:
        return "field" in self.lists and self.duplicate_of is None


@dataclass(slots=True)
class Witness:
    code: str
    allegation: Allegation
    interviewed_on: date
    name: str
    name_ar: str
    role: str


@dataclass(slots=True)
class Monitoring:
    allegations: list[Allegation]  # in code order
    by_incident: dict[int, list[Allegation]]
    witnesses: list[Witness]
    investigated: set[int]


def _edge(incident: TrueIncident, span: int) -> float:
    """1 where the front arrived first, 0 in the last pocket."""
    return 1 - incident.front.peak_day / span


def _coverage(world: World, plan: CampaignPlan, seed: int, scale: float
              ) -> tuple[dict[int, list[str]], set[int]]:
    rng = stream(seed, "coverage")
    span = len(plan.days) - 1
    neighbourhoods = sorted({i.front.place.id for i in world.incidents})
    effects = {
        (p.key, n): stream(seed, "coverage-effect", p.key, n).gauss(0, 0.5)
        for p in LISTS for n in neighbourhoods
    }
    # The field team visits the strike sites it can reach, the deadliest first.
    access = {n: stream(seed, "access", n).gauss(0, 0.6) for n in neighbourhoods}
    scores = []
    for incident in world.incidents:
        score = 0.9 * math.log(1 + incident.killed) + 0.8 * incident.visibility + \
            access[incident.front.place.id] - math.log(-math.log(rng.random() or 1e-12))
        scores.append((score, incident.index))
    scores.sort(reverse=True)
    wanted = min(len(scores), round(scale * INVESTIGATED_PER_SCALE))
    investigated = {index for _, index in scores[:wanted]}
    covered: dict[int, list[str]] = {}
    for incident in world.incidents:
        found = ["field"] if incident.index in investigated else []
        month = incident.day.month - 6
        edge = _edge(incident, span)
        size = 0.4 * math.log(1 + incident.killed) + 0.5 * incident.visibility
        for profile in LISTS[1:]:
            logit = profile.coverage + profile.trend * month + profile.edge * edge + size + \
                effects[(profile.key, incident.front.place.id)]
            if profile.key == "monitor" and "media" in found:
                logit += 1.8  # the monitor reads the local media
            if rng.random() < sigmoid(logit):
                found.append(profile.key)
        covered[incident.index] = found
    return covered, investigated


def _jitter(rng: random.Random, latitude: float, longitude: float, metres: float
            ) -> tuple[float, float]:
    return (latitude + rng.gauss(0, metres) / 111_300, longitude + rng.gauss(0, metres) / 90_100)


def _describe(allegation: Allegation, rng: random.Random, gazetteer: Gazetteer,
              taken: set[tuple[float, float]]) -> None:
    """Date, place and precision, as the best of its sources stated them."""
    incident = allegation.incident
    owner = min(allegation.lists, key=PRECEDENCE.index)
    place = incident.front.place
    day = incident.day
    if owner == "field" and allegation.duplicate_of is None:
        allegation.start = day
        allegation.date_text = day.isoformat()
        allegation.precision = pick_weighted(rng, ("within_100m", "street", "landmark"),
                                             (0.6, 0.2, 0.2))
        spread = {"within_100m": 25.0, "street": 50.0, "landmark": 70.0}[allegation.precision]
        # Distinct sites get distinct coordinates; where the city is crowded with strike
        # sites (at large scales), look further afield, and after a few tries share one.
        for attempt in range(8):
            lat, lon = _jitter(rng, incident.latitude, incident.longitude,
                               spread * 1.5 ** attempt)
            key = (round(lat, 4), round(lon, 4))
            if key not in taken:
                break
        taken.add(key)
        allegation.latitude, allegation.longitude = lat, lon
        allegation.local_time = f"{incident.hour:02d}:{incident.minute:02d}" \
            if rng.random() < 0.5 else ""
        allegation.neighbourhood = place.name
        allegation.infrastructure = incident.infrastructure
        allegation.strike_type = incident.strike_type
        return
    draw = rng.random()
    shift = 0
    if allegation.duplicate_of is not None and rng.random() < 0.5:
        shift = 1 if rng.random() < 0.6 else -1
    if draw < 0.85:
        start = day + timedelta(days=shift)
        allegation.date_text = start.isoformat()
    elif draw < 0.92:
        start = day + timedelta(days=shift + 1)
        allegation.date_text = start.isoformat()
    elif draw < 0.95:
        start = day + timedelta(days=shift - 1)
        allegation.date_text = start.isoformat()
    elif draw < 0.99:
        start = day + timedelta(days=shift - (1 if rng.random() < 0.5 else 0))
        allegation.date_text = f"{start.isoformat()}/{(start + timedelta(days=1)).isoformat()}"
    else:
        start = day.replace(day=1)
        allegation.date_text = day.strftime("%Y-%m")
    allegation.start = start
    if rng.random() < 0.9:
        allegation.precision = "neighbourhood"
        allegation.latitude, allegation.longitude = place.latitude, place.longitude
        spellings = place.spellings
        allegation.neighbourhood = spellings[int(rng.random() * len(spellings))]
    else:
        allegation.precision = "city"
        allegation.latitude, allegation.longitude = gazetteer.city.latitude, \
            gazetteer.city.longitude
        allegation.neighbourhood = ""
    allegation.local_time = f"{incident.hour:02d}:{incident.minute:02d}" \
        if rng.random() < 0.15 else ""
    allegation.infrastructure = incident.infrastructure if rng.random() < 0.6 else ""
    allegation.strike_type = incident.strike_type if rng.random() < 0.85 else "unknown"


def _blame(rng: random.Random, incident: TrueIncident) -> str:
    if incident.belligerent == COALITION:
        return pick_weighted(rng, (COALITION, "Russia", ""), (0.965, 0.005, 0.03))
    return pick_weighted(rng, (COALITION, incident.belligerent, ""), (0.45, 0.45, 0.1))


def monitor(world: World, plan: CampaignPlan, gazetteer: Gazetteer, seed: int,
            scale: float) -> Monitoring:
    covered, investigated = _coverage(world, plan, seed, scale)
    rng = stream(seed, "allegations")
    allegations: list[Allegation] = []
    by_incident: dict[int, list[Allegation]] = {}
    for incident in world.incidents:
        lists = covered[incident.index]
        if not lists:
            continue
        primary = Allegation(incident=incident, lists=list(lists))
        found = [primary]
        others = [k for k in lists if k != "field"]
        chance = 0.07 if len(others) >= 2 else 0.025 if others and "field" in lists else 0.0
        if rng.random() < chance:
            moved = others[-1:] if len(others) < 3 or rng.random() < 0.6 else others[-2:]
            primary.lists = [k for k in lists if k not in moved]
            found.append(Allegation(incident=incident, lists=moved, duplicate_of=primary))
        by_incident[incident.index] = found
        allegations.extend(found)
    taken: set[tuple[float, float]] = set()
    for allegation in allegations:
        _describe(allegation, rng, gazetteer, taken)
    allegations.sort(key=lambda a: (a.start, a.incident.index, a.duplicate_of is not None))
    width = max(4, len(str(len(allegations))))
    for number, allegation in enumerate(allegations, start=1):
        allegation.code = f"RQ{number:0{width}d}"

    witnesses = _witnesses(allegations, seed, scale)
    blame_rng = stream(seed, "blame")
    for allegation in allegations:
        for key in allegation.lists:
            allegation.blame[LIST_BY_KEY[key].source_key] = _blame(blame_rng, allegation.incident)
        for code in allegation.witnesses:
            allegation.blame[code] = _blame(blame_rng, allegation.incident)
    _name_victims(world, allegations, seed)
    return Monitoring(allegations, by_incident, witnesses, investigated)


WITNESS_ROLES = ("survivor", "relative of victims", "neighbour", "first responder",
                 "survivor", "relative of victims")


def _witnesses(allegations: list[Allegation], seed: int, scale: float) -> list[Witness]:
    from civharm.simulation.names import FEMALE, MALE

    rng = stream(seed, "witnesses")
    visited = [a for a in allegations if a.investigated]
    counts = [int(pick_weighted(rng, ("1", "2", "3", "4"), (0.35, 0.35, 0.2, 0.1)))
              for _ in visited]
    wanted = round(scale * WITNESSES_PER_SCALE)
    while visited and sum(counts) < wanted:
        counts[int(rng.random() * len(counts))] += 1
    witnesses: list[Witness] = []
    for allegation, count in zip(visited, counts, strict=True):
        for _ in range(count):
            code = f"W{len(witnesses) + 1:05d}"
            female = rng.random() < 0.45
            names = FEMALE if female else MALE
            given = names[int(rng.random() * len(names))]
            father = MALE[int(rng.random() * len(MALE))]
            family = FAMILY[int(rng.random() * len(FAMILY))]
            interviewed = date(2017, 11, 1) + timedelta(days=int(rng.random() * 150))
            witnesses.append(Witness(
                code=code, allegation=allegation, interviewed_on=interviewed,
                name=f"{given.latin} {father.latin} {family.latin}",
                name_ar=f"{given.arabic} {father.arabic} {family.arabic}",
                role=WITNESS_ROLES[int(rng.random() * len(WITNESS_ROLES))],
            ))
            allegation.witnesses.append(code)
    return witnesses


def _name_victims(world: World, allegations: list[Allegation], seed: int) -> None:
    """Decide who each list names, for every allegation it reports under."""
    persons = world.persons
    for profile in LISTS:
        rng = stream(seed, "naming", profile.key)
        random_ = rng.random
        for allegation in allegations:
            if profile.key not in allegation.lists:
                continue
            named: list[int] = []
            for index in allegation.incident.persons:
                person = persons[index]
                if person.fate == "killed":
                    logit = profile.base + profile.load * person.visibility
                    if profile.injured:
                        logit += 3.0 if person.died_of_wounds else 0.0
                elif profile.injured_base is not None:
                    logit = profile.injured_base + profile.load * person.visibility
                else:
                    continue
                if random_() < 1 / (1 + math.exp(-logit)):
                    named.append(index)
            allegation.named[profile.key] = named
