"""Write a whole simulated campaign to a folder: import files, texts and the truth.

The same seed and scale always give the same bytes: every part draws from its
own named random stream, files are written in a fixed order, and nothing
depends on the clock, the machine or the order of a set.
"""

from __future__ import annotations

import csv
import gc
import json
import math
import multiprocessing
import shutil
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from civharm.simulation import DEFAULT_SEED, LABEL, MARKER
from civharm.simulation.civcas import CREDIBLE, MonthlyReport, Verdict, assess, monthly_reports
from civharm.simulation.damage import BUILDINGS_PER_SCALE, DamageSummary, write_damage
from civharm.simulation.gazetteer import gazetteer_text, load_gazetteer
from civharm.simulation.monitoring import (
    LIST_BY_KEY,
    LISTS,
    Allegation,
    ListProfile,
    Monitoring,
    monitor,
)
from civharm.simulation.names import (
    FAMILY,
    FEMALE,
    MALE,
    POOL,
    ArabicHabits,
    LatinHabits,
    NamePart,
    Speller,
    arabic_typo,
    latin_typo,
)
from civharm.simulation.plan import make_plan
from civharm.simulation.releases import Release, StrikeLine, plan_releases, release_path
from civharm.simulation.rng import stream
from civharm.simulation.truth import TrueGrade, true_grades
from civharm.simulation.world import (
    COALITION,
    TrueIncident,
    TruePerson,
    World,
    age_band,
    make_world,
)

MAX_SCALE = 2000.0
# Above this many buildings the damage tables are written by a second process.
PARALLEL_BUILDINGS = 200_000

Progress = Callable[[str, int, int], None]


class ScenarioError(Exception):
    """The scenario cannot be written where or as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """What was written, and the headline truth."""

    out_dir: Path
    seed: int
    scale: float
    files: tuple[str, ...]
    totals: dict[str, Any]

    def importable(self) -> list[Path]:
        return importable_files(self.out_dir)


def importable_files(out_dir: Path) -> list[Path]:
    """The files ``civharm import`` reads, in an order that satisfies their references."""
    names = ["incidents.csv", "sources.csv", "claims.csv",
             *(p.file_name for p in LISTS), "involvements.csv", "declared_strikes.csv"]
    return [out_dir / n for n in names]


def _silent(stage: str, done: int, total: int) -> None:
    """Nobody is watching."""


def prepare_folder(out_dir: Path) -> None:
    """Make ``out_dir`` empty, refusing to touch a folder the simulator did not write."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ScenarioError(f"{out_dir} is a file, not a folder")
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / MARKER).is_file():
            raise ScenarioError(
                f"{out_dir} is not empty and was not written by the simulator (it has no "
                f"{MARKER}); choose an empty or new folder")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)


def generate(out_dir: Path, seed: int = DEFAULT_SEED, scale: float = 1.0,
             progress: Progress = _silent, parallel: bool | None = None) -> Scenario:
    """Write a simulated campaign to ``out_dir`` (made empty first).

    ``parallel`` writes the damage tables in a second process; by default it does
    so when they are large. The output is the same either way.
    """
    if not math.isfinite(scale) or not 0 < scale <= MAX_SCALE:
        raise ScenarioError(f"scale must be above 0 and at most {MAX_SCALE:g}")
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # A script without an ``if __name__ == "__main__"`` guard, re-run by the damage
        # process as it starts: touch nothing, or it would empty the folder being written.
        raise ScenarioError("generate() was called while a worker process was starting; "
                            "guard the calling script with if __name__ == '__main__'")
    prepare_folder(out_dir)
    if parallel is None:
        parallel = scale * BUILDINGS_PER_SCALE > PARALLEL_BUILDINGS
    # Millions of small objects: the cycle collector would only slow us down here.
    collecting = gc.isenabled()
    gc.disable()
    pool: ProcessPoolExecutor | None = None
    damage_future: Future[DamageSummary] | None = None
    try:
        if parallel:
            context = multiprocessing.get_context("spawn")
            pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
            damage_future = pool.submit(write_damage, out_dir, seed, scale)
        totals = _write_campaign(out_dir, seed, scale, progress)
        progress("damage", 0, 1)
        damage = _damage_result(damage_future) if damage_future else None
        if damage is None:
            damage = write_damage(out_dir, seed, scale)
        progress("damage", 1, 1)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if collecting:
            gc.enable()
    totals["damage"] = asdict(damage)
    _write_text(out_dir / "truth" / "totals.json",
                json.dumps(totals, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    files = tuple(sorted(p.relative_to(out_dir).as_posix()
                         for p in out_dir.rglob("*") if p.is_file()))
    return Scenario(out_dir=out_dir, seed=seed, scale=scale, files=files, totals=totals)


def _damage_result(future: Future[DamageSummary]) -> DamageSummary | None:
    """The second process's result, or None when it could not run (then write it here)."""
    try:
        return future.result()
    except BrokenProcessPool:
        return None


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        batch: list[Sequence[object]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 10_000:
                writer.writerows(batch)
                count += len(batch)
                batch = []
        writer.writerows(batch)
        count += len(batch)
    return count


def _coordinate(value: float) -> str:
    return f"{value:.6f}"


def _write_campaign(out_dir: Path, seed: int, scale: float, progress: Progress
                    ) -> dict[str, Any]:
    stages = 8
    progress("simulate", 0, stages)
    gazetteer = load_gazetteer()
    plan = make_plan(gazetteer, seed)
    world = make_world(plan, seed, scale)
    progress("simulate", 1, stages)
    monitoring = monitor(world, plan, gazetteer, seed, scale)
    releases = plan_releases(plan, gazetteer, world, seed, scale)
    lines = {line.id: line for release in releases for line in release.lines}
    line_of: dict[int, StrikeLine] = {i: line for line in lines.values() for i in line.incidents}
    verdicts = assess(world, monitoring, seed)
    reports = monthly_reports(verdicts, seed)
    grades = true_grades(monitoring.allegations, monitoring.by_incident, verdicts)
    progress("simulate", 2, stages)

    _write_text(out_dir / MARKER, _marker_text(seed, scale))
    _write_text(out_dir / "raqqa-neighbourhoods.geojson", gazetteer_text())
    _write_incidents(out_dir, monitoring, world)
    report_of = {code: r for r in reports for code in r.credible}
    _write_sources(out_dir, monitoring, reports)
    _write_claims(out_dir, monitoring, world, verdicts, report_of, seed)
    progress("simulate", 3, stages)
    list_totals = _write_victims(out_dir, world, monitoring, seed, progress)
    progress("simulate", 5, stages)
    _write_verdicts(out_dir, verdicts)
    _write_releases(out_dir, releases)
    for report in reports:
        _write_text(out_dir / report.path, report.text)
    _write_csv(out_dir / "truth" / "report_entries.csv", ["report", "number", "date", "incident"],
               ([Path(r.path).name, number, day.isoformat(), code]
                for r in reports for number, day, code in r.entries))
    _write_witnesses(out_dir, monitoring)
    progress("simulate", 6, stages)
    _write_truth(out_dir, world, monitoring, grades, line_of, releases)
    progress("simulate", 7, stages)
    totals = _totals(seed, scale, world, monitoring, verdicts, releases, reports, list_totals,
                     grades)
    progress("simulate", stages, stages)
    return totals


def _marker_text(seed: int, scale: float) -> str:
    return (
        f"{LABEL}\n\n"
        "Every file in this folder was generated by civharm's simulator "
        f"(seed {seed}, scale {scale:g}). None of it describes real people or events: the\n"
        "victims, witnesses, incidents, strike releases, verdicts and damage records are\n"
        "invented, drawn at random to resemble a monitoring investigation of an urban air\n"
        "and artillery campaign. Only the neighbourhood names and outlines of the city\n"
        "frame are real, and those only approximately.\n\n"
        "The CSV files carry no label column because civharm's importer accepts only the\n"
        "columns of its formats; a database built from them is marked simulated, and every\n"
        f"figure, page and export made from it says {LABEL}.\n\n"
        "Import files: incidents.csv, sources.csv, claims.csv, victims-*.csv,\n"
        "involvements.csv, declared_strikes.csv. Texts: releases/, civcas-reports/.\n"
        "Damage: damage/. The verdicts the reports state, in structured form: verdicts.csv.\n"
        "Confidential (not imported): confidential/. Ground truth: truth/.\n"
    )


# --- incidents, sources, claims -------------------------------------------------------

STRIKE_WORDS = {"air": "an air strike", "artillery": "artillery fire", "drone": "a drone strike",
                "unknown": "a strike"}
STRIKE_WORDS_AR = {"air": "غارة جوية", "artillery": "قصف مدفعي", "drone": "غارة بطائرة مسيرة",
                   "unknown": "ضربة"}
INFRASTRUCTURE_AR = {"residential building": "مبنى سكني", "market": "سوق", "mosque": "مسجد",
                     "school": "مدرسة", "bakery": "فرن", "water station": "محطة مياه",
                     "shop": "متجر", "clinic": "مستوصف", "bridge": "جسر"}


def _family_of(world: World, incident: TrueIncident) -> NamePart | None:
    for index in incident.persons:
        person = world.persons[index]
        if person.fate == "killed":
            return FAMILY[person.family]
    return None


def _write_incidents(out_dir: Path, monitoring: Monitoring, world: World) -> None:
    def rows() -> Iterable[list[object]]:
        for a in monitoring.allegations:
            place = a.incident.front.place
            hood_ar = place.name_ar if a.neighbourhood else ""
            family = _family_of(world, a.incident) if a.investigated else None
            where = a.neighbourhood or "Raqqa"
            target = a.infrastructure or "buildings"
            article = "a " if a.infrastructure else ""
            summary = f"SIMULATED: {STRIKE_WORDS[a.strike_type]} hit {article}{target} in " \
                f"{where}, Raqqa"
            summary += f", killing members of the {family.latin} family." if family else "."
            summary_ar = f"بيانات محاكاة: {STRIKE_WORDS_AR[a.strike_type]}"
            if a.infrastructure:
                summary_ar += f" على {INFRASTRUCTURE_AR.get(a.infrastructure, 'مبنى')}"
            summary_ar += f" في {'حي ' + hood_ar + '، ' if hood_ar else ''}الرقة."
            yield [
                a.code, a.date_text, a.local_time,
                f"{a.neighbourhood}, Raqqa" if a.neighbourhood else "Raqqa",
                f"{hood_ar}، الرقة" if hood_ar else "الرقة",
                a.neighbourhood, _coordinate(a.latitude), _coordinate(a.longitude), a.precision,
                a.strike_type, a.infrastructure, summary, summary_ar,
            ]

    _write_csv(out_dir / "incidents.csv",
               ["code", "date", "local_time", "place", "place_ar", "neighbourhood", "latitude",
                "longitude", "geo_precision", "strike_type", "infrastructure", "summary",
                "summary_ar"], rows())


def _write_sources(out_dir: Path, monitoring: Monitoring, reports: list[MonthlyReport]) -> None:
    def rows() -> Iterable[list[object]]:
        for profile in LISTS:
            yield [profile.source_key, profile.kind, profile.title, profile.publisher, "",
                   profile.published.isoformat(), profile.language, "", "yes"]
        for report in reports:
            yield [report.source_key, "official_statement",
                   f"SIMULATED civilian casualty report, {report.month}", COALITION, "",
                   report.published.isoformat(), "en", "", "yes"]
        for witness in monitoring.witnesses:
            a = witness.allegation
            text = (f"SIMULATED testimony of a {witness.role} about "
                    f"{STRIKE_WORDS[a.incident.strike_type]} in {a.neighbourhood or 'Raqqa'} "
                    f"on {a.incident.day.isoformat()}.")
            yield [witness.code, "witness_interview", f"SIMULATED interview {witness.code}",
                   "Joint field investigation (simulated)", "field researcher",
                   witness.interviewed_on.isoformat(), "ar", text, "no"]

    _write_csv(out_dir / "sources.csv",
               ["source_id", "kind", "title", "publisher", "author", "published", "language",
                "translated_text", "public"], rows())


def _children_women(world: World, incident: TrueIncident) -> tuple[int, int]:
    children = women = 0
    for index in incident.persons:
        person = world.persons[index]
        if person.fate != "killed":
            continue
        if person.age < 18:
            children += 1
        elif person.sex == "female":
            women += 1
    return children, women


def _write_claims(out_dir: Path, monitoring: Monitoring, world: World, verdicts: list[Verdict],
                  report_of: dict[str, MonthlyReport], seed: int) -> None:
    rng = stream(seed, "claims")
    conceded = {v.allegation.code: v.conceded for v in verdicts
                if v.assessment == CREDIBLE and v.conceded}

    def bounds(value: int, ranged: float) -> tuple[int, int]:
        if rng.random() < ranged:
            low = max(0, round(value * rng.uniform(0.6, 1.0)))
            return low, max(low, round(value * rng.uniform(1.0, 1.4)))
        return value, value

    def rows() -> Iterable[str]:
        for a in monitoring.allegations:
            incident = a.incident
            children, women = _children_women(world, incident)
            code = a.code
            for key in a.lists:
                profile = LIST_BY_KEY[key]
                named = [world.persons[i] for i in a.named.get(key, [])]
                if profile.injured:
                    # A hospital knows only the dead it received: no count of the dead.
                    killed: tuple[int, int] | None = None
                    hurt = sum(1 for p in named if p.fate == "injured")
                    injured: tuple[int, int] | None = (hurt, round(hurt * rng.uniform(1.0, 1.3)))
                else:
                    noisy = round(incident.killed * math.exp(rng.gauss(profile.bias,
                                                                       profile.error)))
                    named_killed = sum(1 for p in named if p.fate == "killed")
                    killed = bounds(max(1, noisy, named_killed), profile.ranges)
                    injured = bounds(round(incident.injured * rng.uniform(0.6, 1.3)),
                                     profile.ranges) if incident.injured and \
                        rng.random() < 0.6 else None
                kids = womens = ""
                if killed and key in ("field", "monitor"):
                    c = children if key == "field" else max(0, children + round(rng.gauss(0, 1)))
                    c = min(c, killed[1])
                    kids = str(c)
                    if key == "field":
                        womens = str(min(women, killed[1] - c))
                source = profile.source_key
                yield f"{code},{source},{a.blame[source]},{_counts(killed, injured)}," \
                      f"{kids},{kids},{womens},{womens}\n"
            for witness in a.witnesses:
                error = 0 if rng.random() < 0.6 else round(rng.gauss(0, 1.5))
                seen = max(1, incident.killed + error)
                killed = bounds(seen, 0.2)
                injured = bounds(incident.injured, 0.3) if incident.injured and \
                    rng.random() < 0.5 else None
                yield f"{code},{witness},{a.blame[witness]},{_counts(killed, injured)},,,,\n"
            if code in conceded:
                # The concession itself is in the monthly report; the claim ties the report to the
                # incident without letting the belligerent's count set the lowest figure.
                yield f"{code},{report_of[code].source_key},{COALITION},,,,,,,,\n"

    # Formatted by hand for speed: codes, keys, belligerents and numbers hold no commas.
    with open(out_dir / "claims.csv", "w", encoding="utf-8", newline="") as handle:
        handle.write("incident,source,belligerent_blamed,killed_civilians_min,"
                     "killed_civilians_max,injured_civilians_min,injured_civilians_max,"
                     "killed_children_min,killed_children_max,killed_women_min,"
                     "killed_women_max\n")
        batch: list[str] = []
        for line in rows():
            batch.append(line)
            if len(batch) >= 50_000:
                handle.write("".join(batch))
                batch.clear()
        handle.write("".join(batch))


def _counts(killed: tuple[int, int] | None, injured: tuple[int, int] | None) -> str:
    low, high = killed if killed else ("", "")
    hurt_low, hurt_high = injured if injured else ("", "")
    return f"{low},{high},{hurt_low},{hurt_high}"


# --- victims --------------------------------------------------------------------------

VICTIM_HEADER = ["victim_id", "incident", "name", "name_ar", "sex", "age", "age_min", "age_max",
                 "relation", "fate", "date_of_death", "sources"]


def _write_victims(out_dir: Path, world: World, monitoring: Monitoring, seed: int,
                   progress: Progress) -> dict[str, dict[str, int]]:
    """One file per list, and the truth of which person each record names."""
    totals: dict[str, dict[str, int]] = {}
    mapping_path = out_dir / "truth" / "victim-records.csv"
    mapping_path.parent.mkdir(parents=True, exist_ok=True)
    with open(mapping_path, "w", encoding="utf-8", newline="") as mapping:
        mapping.write("victim_id,person_id,list,incident,true_incident,duplicate\n")
        for number, profile in enumerate(LISTS):
            totals[profile.key] = _write_list(out_dir, world, monitoring, profile, seed, mapping)
            progress("victims", number + 1, len(LISTS))
    return totals


def _pools(speller: Speller, latin: bool) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Every spelling this list uses for each male, female and family name."""
    def pool(part: NamePart, family: bool) -> tuple[str, ...]:
        if latin:
            return speller.latin_pool(part.latin)
        return speller.arabic_pool(part.arabic, family)

    return (tuple(pool(p, False) for p in MALE), tuple(pool(p, False) for p in FEMALE),
            tuple(pool(p, True) for p in FAMILY))


def _write_list(out_dir: Path, world: World, monitoring: Monitoring, profile: ListProfile,
                seed: int, mapping: IO[str]) -> dict[str, int]:
    """Write one list. Written for speed: a million records at the largest scales.

    Rows are formatted by hand, not by the csv module: every field is made here from
    tables without commas, quotes or line breaks.
    """
    rng = stream(seed, "records", profile.key)
    random_ = rng.random
    speller = Speller(seed, profile.key, profile.latin or LatinHabits(),
                      profile.arabic or ArabicHabits())
    latin = _pools(speller, True) if profile.latin else None
    arabic = _pools(speller, False) if profile.arabic else None
    latin_typo_rate = profile.latin.typo if profile.latin else 0.0
    arabic_typo_rate = profile.arabic.typo if profile.arabic else 0.0
    persons = world.persons
    forms = profile.forms
    two, three = forms[0] / sum(forms), (forms[0] + forms[1]) / sum(forms)
    source, key, prefix = profile.source_key, profile.key, profile.prefix
    unnamed, sex_known = profile.unnamed, profile.sex_known
    age_given, age_band_rate, age_error = profile.age_given, profile.age_band, profile.age_error
    relations, duplicate_rate = profile.relations, profile.duplicate
    date_given, later_death = profile.date_given, profile.later_death
    counter = 0
    named_records = 0
    rows: list[str] = []
    truth_rows: list[str] = []
    deferred: list[tuple[Allegation, int]] = []
    distinct: set[int] = set()

    def spell(pools: tuple[tuple[tuple[str, ...], ...], ...], person: TruePerson, form: float,
              typo: float, arabic_script: bool) -> str:
        males, females, families = pools
        words = [(females if person.sex == "female" else males)[person.given]
                 [int(random_() * POOL)]]
        if form >= two:
            words.append(males[person.father][int(random_() * POOL)])
            if form >= three:
                words.append(males[person.grandfather][int(random_() * POOL)])
        words.append(families[person.family][int(random_() * POOL)])
        if typo and random_() < typo:
            which = int(random_() * len(words))
            words[which] = arabic_typo(words[which], rng) if arabic_script else \
                latin_typo(words[which], rng)
        return " ".join(words)

    def write(allegation: Allegation, indices: list[int], duplicate: bool) -> None:
        nonlocal counter, named_records
        ids: dict[int, str] = {}
        code = allegation.code
        day = allegation.incident.day.isoformat()
        tail = f",{key},{code},{allegation.incident.id},{'yes' if duplicate else 'no'}"
        for index in indices:
            counter += 1
            victim_id = f"{prefix}-{counter:06d}"
            ids[index] = victim_id
            person = persons[index]
            name = name_ar = ""
            if not unnamed or random_() >= unnamed:
                form = random_()
                if latin:
                    name = spell(latin, person, form, latin_typo_rate, False)
                if arabic:
                    name_ar = spell(arabic, person, form, arabic_typo_rate, True)
                named_records += 1
            ages = ",,"
            if random_() < age_given:
                age = person.age
                if random_() < age_error:
                    age = max(0, age + (1 if random_() < 0.5 else -1) *
                              (2 if random_() < 0.3 else 1))
                ages = f"{age},,"
            elif random_() < age_band_rate:
                low, high = age_band(person.age)
                ages = f",{low},{high}"
            relation = ""
            relative = person.relative
            if relations and relative is not None and relative in ids and \
                    random_() < relations:
                relation = f"{person.relation} of {ids[relative]}"
            died = ""
            if person.fate == "killed" and random_() < date_given:
                died = day
                if person.died_of_wounds and person.died_on and random_() < later_death:
                    died = person.died_on.isoformat()
            sex = person.sex if random_() < sex_known else ""
            rows.append(f"{victim_id},{code},{name},{name_ar},{sex},{ages},{relation},"
                        f"{person.fate},{died},{source}\n")
            truth_rows.append(f"{victim_id},P{index + 1:07d}{tail}\n")
            distinct.add(index)
            if not duplicate and random_() < duplicate_rate:
                deferred.append((allegation, index))

    path = out_dir / profile.file_name
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(VICTIM_HEADER) + "\n")
        for allegation in monitoring.allegations:
            named = allegation.named.get(key)
            if not named:
                continue
            # Relations point back to people listed earlier: parents before children.
            write(allegation, sorted(named, key=lambda i: (persons[i].relative is not None, i)),
                  False)
            if len(rows) >= 20_000:
                handle.write("".join(rows))
                mapping.write("".join(truth_rows))
                rows.clear()
                truth_rows.clear()
        # Repeated entries turn up later in a list, spelt afresh.
        for allegation, index in deferred:
            write(allegation, [index], True)
        handle.write("".join(rows))
        mapping.write("".join(truth_rows))
    killed = sum(1 for i in distinct if persons[i].fate == "killed")
    return {"records": counter, "named_records": named_records, "persons": len(distinct),
            "killed_persons": killed, "duplicates": len(deferred)}


# --- verdicts, releases, witnesses ----------------------------------------------------


def _write_verdicts(out_dir: Path, verdicts: list[Verdict]) -> None:
    def rows() -> Iterable[list[object]]:
        for v in sorted(verdicts, key=lambda v: (v.allegation.code, v.belligerent)):
            conceded = "" if v.conceded is None else v.conceded
            yield [v.allegation.code, v.belligerent, v.involvement, v.assessment, conceded,
                   conceded, v.mgrs, "" if v.mgrs_accuracy is None else v.mgrs_accuracy,
                   v.statement, v.assessed_on.isoformat() if v.assessed_on else ""]

    # Who is blamed, as a monitor records it before any verdict: the verdicts themselves
    # reach the database only through the monthly reports' texts.
    _write_csv(out_dir / "involvements.csv", ["incident", "belligerent", "involvement"],
               ([v.allegation.code, v.belligerent, "suspected"]
                for v in sorted(verdicts, key=lambda v: (v.allegation.code, v.belligerent))))
    _write_csv(out_dir / "verdicts.csv",
               ["incident", "belligerent", "involvement", "assessment", "deaths_conceded_min",
                "deaths_conceded_max", "mgrs", "mgrs_accuracy_m", "statement", "assessed_on"],
               rows())


def _write_releases(out_dir: Path, releases: list[Release]) -> None:
    for release in releases:
        _write_text(out_dir / release_path(release.day), release.text)

    def rows() -> Iterable[list[object]]:
        for release in releases:
            for line in release.lines:
                yield [line.day.isoformat(), line.country, line.spelling, line.place.id,
                       line.strikes, "", line.tactical_units or "",
                       line.destroyed_json() if line.destroyed else "", COALITION, line.text]

    _write_csv(out_dir / "declared_strikes.csv",
               ["date", "country", "place", "place_id", "strikes", "engagements",
                "tactical_units", "destroyed", "belligerent", "text"], rows())


def _write_witnesses(out_dir: Path, monitoring: Monitoring) -> None:
    """Identities of witnesses: invented, and still to be kept out of every public output."""
    _write_csv(out_dir / "confidential" / "witnesses.csv",
               ["code", "interview", "incident", "name", "name_ar", "role", "contact",
                "interviewed_on"],
               ([w.code, w.code, w.allegation.code, w.name, w.name_ar, w.role,
                 f"witness-{w.code.lower()}@example.org", w.interviewed_on.isoformat()]
                for w in monitoring.witnesses))


# --- truth ----------------------------------------------------------------------------


def _write_truth(out_dir: Path, world: World, monitoring: Monitoring, grades: list[TrueGrade],
                 line_of: dict[int, StrikeLine], releases: list[Release]) -> None:
    truth = out_dir / "truth"
    keys = {line.id: line.record().key for release in releases for line in release.lines}

    def incidents() -> Iterable[list[object]]:
        for incident in world.incidents:
            children, women = _children_women(world, incident)
            line = line_of.get(incident.index)
            codes = [a.code for a in monitoring.by_incident.get(incident.index, [])]
            yield [incident.id, incident.day.isoformat(),
                   f"{incident.hour:02d}:{incident.minute:02d}", incident.front.place.id,
                   _coordinate(incident.latitude), _coordinate(incident.longitude),
                   incident.belligerent, incident.strike_type, incident.infrastructure,
                   incident.killed, incident.injured, children, women,
                   incident.killed - children - women,
                   line.id if line else "", keys[line.id] if line else "",
                   ";".join(codes), "yes" if incident.index in monitoring.investigated else "no"]

    _write_csv(truth / "incidents.csv",
               ["true_incident", "date", "local_time", "neighbourhood", "latitude", "longitude",
                "belligerent", "strike_type", "infrastructure", "civilians_killed",
                "civilians_injured", "children_killed", "women_killed", "men_killed",
                "declared_strike_line", "declared_strike_key", "reported_codes", "investigated"],
               incidents())

    by_code = {a.code: a for a in monitoring.allegations}
    _write_csv(truth / "reported-incidents.csv",
               ["code", "true_incident", "state", "duplicate_of", "sources", "true_grade",
                "true_strike_status", "grade_reason"],
               ([g.code, by_code[g.code].incident.id, g.state, g.duplicate_of, g.sources,
                 g.grade, g.strike_status, g.reason] for g in grades))

    # Which lists name each person: one bit per list, and a table of the bits' names.
    bits = bytearray(len(world.persons))
    for bit, profile in enumerate(LISTS):
        flag = 1 << bit
        for allegation in monitoring.allegations:
            for index in allegation.named.get(profile.key, ()):
                bits[index] |= flag
    names_of_bits = [";".join(sorted(p.key for b, p in enumerate(LISTS) if mask >> b & 1))
                     for mask in range(1 << len(LISTS))]

    males = [p.latin for p in MALE]
    females = [p.latin for p in FEMALE]
    families = [p.latin for p in FAMILY]
    males_ar = [p.arabic for p in MALE]
    females_ar = [p.arabic for p in FEMALE]
    families_ar = [p.arabic for p in FAMILY]
    incident_ids = [i.id for i in world.incidents]
    with open(truth / "persons.csv", "w", encoding="utf-8", newline="") as handle:
        # Formatted by hand for speed; no field can hold a comma, quote or line break.
        handle.write("person_id,true_incident,household,role,relation,sex,age,fate,died_on,"
                     "died_of_wounds,name,name_ar,visibility,lists\n")
        lines: list[str] = []
        for p in world.persons:
            female = p.sex == "female"
            given = (females if female else males)[p.given]
            given_ar = (females_ar if female else males_ar)[p.given]
            relation = f"{p.relation} of P{p.relative + 1:07d}" if p.relative is not None else ""
            died = p.died_on.isoformat() if p.died_on else ""
            lines.append(
                f"P{p.index + 1:07d},{incident_ids[p.incident]},H{p.household + 1:07d},"
                f"{p.role},{relation},{p.sex},{p.age},{p.fate},{died},"
                f"{'yes' if p.died_of_wounds else 'no'},"
                f"{given} {males[p.father]} {males[p.grandfather]} {families[p.family]},"
                f"{given_ar} {males_ar[p.father]} {males_ar[p.grandfather]} "
                f"{families_ar[p.family]},{p.visibility:.3f},{names_of_bits[bits[p.index]]}\n")
            if len(lines) >= 50_000:
                handle.write("".join(lines))
                lines.clear()
        handle.write("".join(lines))

    def strike_lines() -> Iterable[list[object]]:
        for release in releases:
            for line in release.lines:
                yield [line.id, release_path(release.day), line.line_number,
                       line.day.isoformat(), line.country, line.place.id, line.spelling,
                       line.strikes, "yes" if line.late else "no", keys[line.id],
                       ";".join(world.incidents[i].id for i in line.incidents)]

    _write_csv(truth / "strike-lines.csv",
               ["line_id", "release", "line", "date", "country", "place_id", "place",
                "strikes", "late", "key", "true_incidents"], strike_lines())


def _totals(seed: int, scale: float, world: World, monitoring: Monitoring,
            verdicts: list[Verdict], releases: list[Release], reports: list[MonthlyReport],
            lists: dict[str, dict[str, int]], grades: list[TrueGrade]) -> dict[str, Any]:
    by_belligerent: dict[str, int] = {}
    for incident in world.incidents:
        by_belligerent[incident.belligerent] = by_belligerent.get(incident.belligerent, 0) + \
            incident.killed
    documented: set[int] = set()
    for allegation in monitoring.allegations:
        for indices in allegation.named.values():
            documented.update(i for i in indices if world.persons[i].fate == "killed")
    coalition_verdicts = [v for v in verdicts if v.belligerent == COALITION]
    grade_counts: dict[str, int] = {}
    for grade in grades:
        if grade.state == "incident":
            grade_counts[grade.grade] = grade_counts.get(grade.grade, 0) + 1
    locations = {(round(a.latitude, 4), round(a.longitude, 4)) for a in monitoring.allegations}
    return {
        "label": LABEL,
        "seed": seed,
        "scale": scale,
        "true_incidents": len(world.incidents),
        "true_civilian_deaths": sum(i.killed for i in world.incidents),
        "true_civilian_injured": sum(i.injured for i in world.incidents),
        "true_deaths_by_belligerent": dict(sorted(by_belligerent.items())),
        "true_persons": len(world.persons),
        "true_documented": len(documented),
        "documented_incidents": len(monitoring.by_incident),
        "reported_incidents": len(monitoring.allegations),
        "duplicate_reported_incidents": sum(1 for a in monitoring.allegations
                                            if a.duplicate_of is not None),
        "investigated_locations": len(monitoring.investigated),
        "strike_locations": len(locations),
        "witness_interviews": len(monitoring.witnesses),
        "victim_records": sum(x["records"] for x in lists.values()),
        "lists": lists,
        "conceded_deaths": sum(v.conceded or 0 for v in coalition_verdicts),
        "verdicts": {a: sum(1 for v in coalition_verdicts if v.assessment == a)
                     for a in sorted({v.assessment for v in coalition_verdicts})},
        "true_grades": dict(sorted(grade_counts.items())),
        "declared_strike_lines": sum(len(r.lines) for r in releases),
        "releases": len(releases),
        "civcas_reports": len(reports),
    }
