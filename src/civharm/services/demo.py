"""The demo: a simulated campaign, imported into a fresh database marked simulated.

The demo never touches real data: it refuses to overwrite a database that is not
marked simulated, or a folder the simulator did not write.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from civharm import simulation
from civharm.analysis.civcas_reports import ParsedReport, parse_civcas_report
from civharm.analysis.gazetteer import load_gazetteer
from civharm.analysis.strike_releases import ParsedRelease, date_from_name, parse_strike_release
from civharm.domain.records import DeclaredStrikeRecord
from civharm.ingest import parse_file
from civharm.services import audit, database
from civharm.services.errors import UserError
from civharm.services.progress import Progress, silent
from civharm.simulation.evaluation import StageScore, evaluate, load_truth
from civharm.simulation.world import COALITION
from civharm.site.databases import DatabaseURLError, database_config, describe

if TYPE_CHECKING:
    from civharm.services.duplicates import DuplicateReport
    from civharm.services.estimation import EstimationResult
    from civharm.services.importing import ImportReport
    from civharm.services.linkage import LinkReport
    from civharm.services.matching import MatchReport
    from civharm.services.verdicts import VerdictReport

DEFAULT_DATABASE = "civharm-demo.db"


@dataclass(frozen=True, slots=True)
class DemoResult:
    database: str
    data_dir: Path
    scenario: simulation.Scenario
    report: ImportReport
    figures: dict[str, object]
    release_lines: int = 0
    release_problems: int = 0
    matching: MatchReport | None = None
    verdicts: VerdictReport | None = None
    duplicates: DuplicateReport | None = None
    linkage: LinkReport | None = None
    estimate: EstimationResult | None = None
    graded_by_simulated_analyst: int = 0


def demo_database(db: str | None) -> str:
    """The demo's own database unless one is named: never $CIVHARM_DATABASE_URL's."""
    return db or DEFAULT_DATABASE


def data_dir_for(db: str) -> Path:
    """Where the demo's generated files go: beside a SQLite file, else in this folder."""
    try:
        config = database_config(db)
    except DatabaseURLError as err:
        raise UserError(f"cannot use database {db!r}: {err}") from None
    if config["ENGINE"].endswith("sqlite3"):
        path = Path(config["NAME"])
        return path.with_name(_folder_name(path.stem))
    return Path.cwd() / _folder_name(str(config["NAME"]))


def _folder_name(stem: str) -> str:
    """``civharm-demo`` gives ``civharm-demo-data``; ``other`` gives ``other-demo-data``."""
    return f"{stem}-data" if stem.endswith("demo") else f"{stem}-demo-data"


def _current() -> str:
    from django.db import connections

    return describe(connections["default"].settings_dict)


def _holds_only_simulated_data() -> bool:
    """True for an empty database or one marked simulated; False for anything else."""
    from django.db import DatabaseError, connection

    from civharm.services.flags import is_simulated
    from civharm.store import models

    try:
        tables = connection.introspection.table_names()
        if not tables:
            return True
        if models.DatabaseFlag._meta.db_table not in tables:
            return False
        return is_simulated()
    except DatabaseError:
        return False


def _check_replaceable(url: str) -> None:
    """Refuse, before anything is written, to replace a database holding real data."""
    from django.db import connections

    database.configure(url)
    config = connections["default"].settings_dict
    if config["ENGINE"].endswith("sqlite3") and not Path(config["NAME"]).exists():
        return
    if not _holds_only_simulated_data():
        connections.close_all()
        raise UserError(
            f"{_current()} holds data that is not marked simulated; the demo "
            "will not overwrite it. Name another database with --db.")


def _replace(url: str) -> None:
    """Make the demo database new and empty, on the newest schema."""
    from django.db import connections

    config = connections["default"].settings_dict
    connections.close_all()
    if config["ENGINE"].endswith("sqlite3"):
        path = Path(config["NAME"])
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        database.initialise()
        return
    database.initialise()
    _flush_all_but_the_audit_log()


def _flush_all_but_the_audit_log() -> None:
    """Empty every table but the audit log, which the database refuses to empty: the
    demo's log goes on across rebuilds (a SQLite demo file is replaced whole instead)."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from civharm.store.models import AuditEntry

    tables = sorted(set(connection.introspection.django_table_names(only_existing=True))
                    - {AuditEntry._meta.db_table})
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True)
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


SIMULATED_ANALYST = "simulated analyst"


def accept_suggestions_as_simulated_analyst() -> int:
    """Grade every ungraded incident with the engine's suggestion, as a simulated analyst
    would who accepted them all, so that the demo's map, timeline and likely deaths show
    grades. A real investigation never does this: an analyst decides each grade."""
    from civharm.services.assessments import grade_incident
    from civharm.store import models

    suggestions = (models.GradeSuggestion.objects.filter(incident__assessments__isnull=True)
                   .select_related("incident").order_by("incident__code"))
    graded = 0
    for suggestion in suggestions:
        grade_incident(suggestion.incident.code, suggestion.grade,
                       f"SIMULATED: the engine's suggestion, accepted for the demo. "
                       f"{suggestion.reason}", suggestion.strike_status, SIMULATED_ANALYST)
        graded += 1
    return graded


def run_demo(db: str | None, seed: int = simulation.DEFAULT_SEED, scale: float = 1.0,
             data_dir: Path | None = None, progress: Progress = silent,
             generation_progress: Progress = silent, linkage_progress: Progress = silent,
             actor: str | None = None) -> DemoResult:
    """Generate a campaign, build a fresh simulated database from it, and return its figures.

    The files go to ``data_dir``, by default beside the database (see :func:`data_dir_for`).
    ``generation_progress`` hears of the simulation, ``progress`` of the import.
    """
    url = demo_database(db)
    data_dir = data_dir or data_dir_for(url)
    _check_replaceable(url)
    from civharm.services.figures import stats_json
    from civharm.services.flags import mark_simulated
    from civharm.services.importing import import_files

    try:
        scenario = simulation.generate(data_dir, seed=seed, scale=scale,
                                       progress=generation_progress)
    except simulation.ScenarioError as err:
        raise UserError(str(err)) from None
    _replace(url)
    from django.db import transaction

    who = audit.acting(actor)
    # Marked before the import, so that a failed import leaves a database the demo may reuse.
    with transaction.atomic():
        mark_simulated()
        audit.record("demo.setup", actor=who, target="demo",
                     details={"seed": seed, "scale": scale, "simulated": True})
    # Declared strikes come from the release texts through the parser, as they would in a
    # real investigation; the structured copy the simulator also writes is kept for scoring.
    # Every step below writes its own entries: one per file imported, one per run.
    files = [p for p in scenario.importable() if p.name != STRUCTURED_STRIKES]
    report = import_files(files, progress=progress, actor=who)
    releases = parse_releases(data_dir)
    from civharm.services.releases import import_strike_lines

    import_strike_lines(releases, belligerent=COALITION, actor=who)
    # Likewise the verdicts: from the monthly report texts, linked to incidents by the
    # linker; the structured verdicts.csv is the truth they are scored against.
    from civharm.services.matching import match_and_suggest
    from civharm.services.verdicts import import_civcas_reports

    verdicts = import_civcas_reports(parse_reports(data_dir), COALITION, load_gazetteer(),
                                     actor=who)
    matching = match_and_suggest(load_gazetteer(), actor=who)
    graded = accept_suggestions_as_simulated_analyst()
    from civharm.services.duplicates import suggest_duplicate_incidents

    duplicates = suggest_duplicate_incidents(actor=who)
    from civharm.services.estimation import estimate_from_database
    from civharm.services.linkage import link_victims

    linkage = link_victims(progress=linkage_progress, actor=who)
    damage_file = data_dir / "damage" / "damage-sites.csv"
    if damage_file.exists():
        from civharm.services.damage import import_damage

        import_damage(damage_file, actor=who)
        _dating_tasks(data_dir / "damage", who)
    estimate = estimate_from_database("lcmcr", seed=seed, made_by="civharm demo")
    return DemoResult(
        database=_current(),
        data_dir=data_dir,
        scenario=scenario,
        report=report,
        figures=stats_json(),
        graded_by_simulated_analyst=graded,
        release_lines=sum(len(r.lines) for _, r in releases),
        release_problems=sum(len(r.problems) for _, r in releases),
        matching=matching,
        verdicts=verdicts,
        duplicates=duplicates,
        linkage=linkage,
        estimate=estimate,
    )


STRUCTURED_STRIKES = "declared_strikes.csv"


def parse_releases(data_dir: Path) -> list[tuple[Path, ParsedRelease]]:
    """Every daily release text of a generated campaign, read by the release parser."""
    return [
        (path, parse_strike_release(path.read_text(encoding="utf-8"),
                                    release_date=date_from_name(path.name),
                                    resolve_place=load_gazetteer().place_id))
        for path in sorted((data_dir / "releases").glob("*.txt"))
    ]


def parse_reports(data_dir: Path) -> list[tuple[Path, ParsedReport]]:
    """Every monthly civilian-casualty report of a generated campaign, parsed."""
    return [(path, parse_civcas_report(path.read_text(encoding="utf-8")))
            for path in sorted((data_dir / "civcas-reports").glob("*.txt"))]


def verdict_linking_score(data_dir: Path) -> StageScore:
    """How many report entries the linker set on the incident they answer, and how many it
    set on another; the simulator's truth says which allegation each entry is."""
    import csv

    from civharm.store import models

    with open(data_dir / "truth" / "report_entries.csv", encoding="utf-8") as handle:
        truth = {(row["report"], int(row["number"]), row["date"]): row["incident"]
                 for row in csv.DictReader(handle)}
    right = wrong = 0
    for report, number, day, code in models.ReportedVerdict.objects.filter(
            belligerent=COALITION).values_list("report", "number", "date", "incident__code"):
        if code is None:
            continue
        if truth.get((report, number, day.isoformat() if day else "")) == code:
            right += 1
        else:
            wrong += 1
    return StageScore(
        stage="belligerent verdicts",
        measure="monthly-report entries linked to the incident they answer",
        found=f"{right:,} right, {wrong:,} wrong, {len(truth) - right - wrong:,} left unlinked",
        truth=f"{len(truth):,} entries",
        score=f"{right / len(truth):.1%} linked right" if truth else "n/a",
    )


def linkage_scores(data_dir: Path) -> list[StageScore]:
    """The people the linkage found against the simulator's true people, pairwise and
    B-cubed, and by pair of scripts."""
    import csv

    from civharm.analysis.linkage import VictimRecord, name_script
    from civharm.analysis.linkage import evaluate as score_linkage
    from civharm.store import models

    with open(data_dir / "truth" / "victim-records.csv", encoding="utf-8") as handle:
        truth = {("", row["victim_id"]): row["person_id"] for row in csv.DictReader(handle)}
    found: dict[tuple[str, str], str] = {}
    scripts: dict[tuple[str, str], str] = {}
    for key, person, name, name_ar in models.Victim.objects.filter(person__isnull=False) \
            .values_list("key", "person__key", "name", "name_ar"):
        found[("", key)] = person
        scripts[("", key)] = name_script(VictimRecord("", key, name or name_ar,
                                                      name_ar if name and name_ar else ""))
    if not found:
        return []
    quality = score_linkage(found, truth, scripts)
    pairwise = quality.pairwise
    people = len(set(found.values()))
    true_people = len({truth[k] for k in found if k in truth})
    scores = [StageScore(
        "victim linkage", "records linked into people (pairwise precision / recall / F1)",
        f"{people:,} people from {len(found):,} records", f"{true_people:,} people",
        f"P {pairwise.precision:.3f}, R {pairwise.recall:.3f}, F1 {pairwise.f1:.3f}; "
        f"B-cubed F1 {quality.bcubed.f1:.3f}")]
    for kind, typed in quality.by_pair_type.items():
        if typed.true_pairs:
            scores.append(StageScore("victim linkage", f"{kind} pairs", f"{typed.found_pairs:,} linked",
                                     f"{typed.true_pairs:,} true", f"F1 {typed.f1:.3f}"))
    return scores


def estimate_score(data_dir: Path) -> StageScore | None:
    import json

    from civharm.store import models

    latest = models.MseEstimate.objects.order_by("-created_at", "-id").first()
    if latest is None:
        return None
    totals = json.loads((data_dir / "truth" / "totals.json").read_text(encoding="utf-8"))
    deaths = int(totals["true_civilian_deaths"])
    upper = "∞" if latest.upper is None else f"{latest.upper:,.0f}"
    covered = latest.lower <= deaths <= (latest.upper if latest.upper is not None else float("inf"))
    return StageScore(
        "MSE estimation", f"total deaths by {latest.method} over the linked victims (95% interval)",
        f"{latest.estimate:,.0f} ({latest.lower:,.0f}–{upper})", f"{deaths:,} killed",
        ("interval covers the truth" if covered else "interval misses the truth")
        + f"; error {(latest.estimate - deaths) / deaths:+.0%}")


def duplicate_score(data_dir: Path) -> StageScore:
    """Suggested duplicate pairs against the simulator's record of which reported incidents
    describe one true incident."""
    import csv

    from civharm.store import models

    with open(data_dir / "truth" / "reported-incidents.csv", encoding="utf-8") as handle:
        event = {row["code"]: row["true_incident"] for row in csv.DictReader(handle)}
    truly: set[tuple[str, str]] = set()
    by_event: dict[str, list[str]] = {}
    for code, true in event.items():
        by_event.setdefault(true, []).append(code)
    for codes in by_event.values():
        codes.sort()
        truly.update((a, b) for i, a in enumerate(codes) for b in codes[i + 1:])
    suggested = set(models.DuplicateSuggestion.objects.filter(
        state=models.DuplicateSuggestion.OPEN).values_list("first__code", "second__code"))
    right = len(suggested & truly)
    return StageScore(
        stage="duplicate incidents",
        measure="pairs suggested for merging that are one true incident",
        found=f"{len(suggested):,} suggested, {right:,} of them right",
        truth=f"{len(truly):,} pairs",
        score=(f"{right / len(truly):.0%} found" if truly else "none to find")
        + (f", {right / len(suggested):.0%} right" if suggested else ""),
    )


def strike_parsing_score(data_dir: Path) -> StageScore:
    """How many of the simulator's structured strike lines the parser read back exactly."""
    expected = parse_file(data_dir / STRUCTURED_STRIKES)
    wanted = Counter(_strike_key(item.record) for item in expected.of("declared_strikes"))
    found: Counter[tuple[object, ...]] = Counter()
    problems = 0
    for _, release in parse_releases(data_dir):
        problems += len(release.problems)
        for line in release.lines:
            found[(line.date, line.place, line.strikes, line.tactical_units,
                   tuple(sorted(line.destroyed.items())))] += 1
    exact = sum((wanted & found).values())
    total = sum(wanted.values())
    return StageScore(
        stage="release parsing",
        measure="strike lines read back exactly from the release texts",
        found=f"{exact:,} exact, {problems:,} unreadable",
        truth=f"{total:,} lines",
        score=f"{exact / total:.1%}" if total else "n/a",
    )


def _strike_key(record: DeclaredStrikeRecord) -> tuple[object, ...]:
    return (record.date, record.place, record.strikes, record.tactical_units,
            tuple(sorted(record.destroyed)))


def _dating_tasks(folder: Path, who: str) -> None:
    """The simulated buildings' dating tasks with their generated images, and the simulated
    volunteers' answers to them, so that volunteers signing in find tasks waiting."""
    imagery = folder / "imagery.csv"
    if not imagery.exists():
        return
    from civharm.services.dating_tasks import create_tasks, import_answers

    gold = folder / "gold-answers.csv"
    create_tasks(imagery, gold=gold if gold.exists() else None, actor=who)
    answers = folder / "volunteer-answers.csv"
    if answers.exists():
        from civharm.services.dating_tasks import store_windows

        import_answers(answers, actor=who)
        store_windows(actor=who)


def damage_scores(data_dir: Path) -> list[StageScore]:
    """The imported damage classes and the volunteers' destruction windows against the
    simulator's damage truth."""
    from civharm.simulation.evaluation import damage_class_scores, volunteer_dating_scores
    from civharm.store import models

    last_class: dict[str, str] = {}
    for site, damage in models.DamageObservation.objects.order_by(
            "site", "observed_on", "product").values_list("site", "damage_class"):
        last_class[site] = damage
    from civharm.services.dating_tasks import stored_answers

    stored = stored_answers() if models.DatingAnswer.objects.exists() else None
    try:
        windows = volunteer_dating_scores(data_dir, stored)
    except ValueError as err:  # the answers, gold or truth cannot be read
        raise UserError(f"cannot score the damage dating in {data_dir}: {err}") from None
    return [*(damage_class_scores(data_dir, last_class) if last_class else []), *windows]


def generate(out_dir: Path, seed: int = simulation.DEFAULT_SEED, scale: float = 1.0,
             progress: Progress = silent) -> simulation.Scenario:
    try:
        return simulation.generate(out_dir, seed=seed, scale=scale, progress=progress)
    except simulation.ScenarioError as err:
        raise UserError(str(err)) from None


def evaluate_demo(db: str | None, data_dir: Path | None = None) -> list[StageScore]:
    """Score the demo database against the truth of the campaign it was built from."""
    url = demo_database(db)
    folder = data_dir or data_dir_for(url)
    try:
        truth = load_truth(folder)
    except (OSError, ValueError, KeyError) as err:
        raise UserError(f"cannot read the truth in {folder}: {err}") from None
    database.configure(url)
    database.require_ready()
    from civharm.services.figures import stats_json
    from civharm.services.flags import is_simulated
    from civharm.store import models

    if not is_simulated():
        raise UserError("this database is not marked simulated; evaluate scores only a demo "
                        "database against its simulated truth")
    codes = models.Incident.objects.values_list("code", flat=True)
    suggestions = {
        code: (grade, status) for code, grade, status in models.GradeSuggestion.objects
        .values_list("incident__code", "grade", "strike_status")
    }
    estimated = estimate_score(folder)
    linked = linkage_scores(folder)
    built = {s.stage for s in [*linked, *([estimated] if estimated else [])]}
    return [strike_parsing_score(folder), verdict_linking_score(folder), duplicate_score(folder),
            *linked, *([estimated] if estimated else []), *damage_scores(folder),
            *(s for s in evaluate(truth, stats_json(), codes, suggestions)
              if s.built or s.stage not in built)]


