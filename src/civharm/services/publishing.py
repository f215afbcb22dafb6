"""The public view of the record, page by page: what the public site may show and nothing else.

Every function here builds from an allow-list of fields. Witnesses are never read; sources
not marked public (interviews, for one) are never named, quoted or linked, and neither are
the claims that rest on them. Aggregate figures (an incident's range of civilian deaths, the
headline figures) count every claim, as the public exports do, without saying which
unpublished source said what.

Filters arrive as the text a browser sends; they are read here and a bad value is answered
with a :class:`FilterError` that says plainly what is wrong.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civharm.analysis.names import fold_arabic
from civharm.domain.casualties import ZERO, Range
from civharm.domain.dates import DateWindow
from civharm.domain.permissions import Action
from civharm.domain.vocabulary import (
    BelligerentAssessment,
    DamageClass,
    DatePrecision,
    Fate,
    GeoPrecision,
    Grade,
    StrikeStatus,
)
from civharm.ingest.schemas import SCHEMAS
from civharm.services import access, audit, exporting, mapping
from civharm.services.access import PUBLIC, Principal
from civharm.services.damage import destroyed_near
from civharm.services.errors import NotFound, UserError
from civharm.services.figures import civilian_deaths_by_incident, stats_json
from civharm.services.flags import is_simulated
from civharm.store import models

INCIDENTS_PER_PAGE = 50
MEMORIAL_PER_PAGE = 100
LONGEST_QUERY = 200
UNGRADED = "ungraded"
NO_STATUS = "none"
# Nearby damage: buildings seen destroyed or severely damaged within this distance of an
# incident, on imagery from shortly before it (the strike may fall between two images) to
# some months after (imagery of a besieged city comes late).
DAMAGE_RADIUS_M = 500
DAMAGE_ROWS_SHOWN = 50  # the nearest sites listed on an incident's page
DAMAGE_DAYS_BEFORE = 14
DAMAGE_DAYS_AFTER = 90

# Labels and definitions in the words the site shows, marked for translation. The
# definitions repeat the domain's (a test checks they stay the same).
GRADE_LABELS: dict[str, Promise] = {
    Grade.CONFIRMED.value: _("Confirmed"),
    Grade.FAIR.value: _("Fair"),
    Grade.WEAK.value: _("Weak"),
    Grade.CONTESTED.value: _("Contested"),
    Grade.DISCOUNTED.value: _("Discounted"),
    UNGRADED: _("Not graded yet"),
}
GRADE_DEFINITIONS: dict[str, Promise] = {
    Grade.CONFIRMED.value: _(
        "A specific belligerent has accepted responsibility for civilian harm."),
    Grade.FAIR.value: _(
        "Reported by two or more credible sources, with likely or confirmed near actions "
        "by a belligerent."),
    Grade.WEAK.value: _(
        "Single source claim, though sometimes featuring significant information."),
    Grade.CONTESTED.value: _(
        "Competing claims of responsibility (several belligerents, or ground forces)."),
    Grade.DISCOUNTED.value: _(
        "Those killed were combatants, or other parties most likely responsible."),
    UNGRADED: _("No analyst has graded this incident yet."),
}
STRIKE_STATUS_LABELS: dict[str, Promise] = {
    StrikeStatus.DECLARED_STRIKE.value: _("Declared strike"),
    StrikeStatus.LIKELY_STRIKE.value: _("Likely strike"),
    StrikeStatus.CONTESTED_STRIKE.value: _("Contested strike"),
    StrikeStatus.SINGLE_SOURCE_CLAIM.value: _("Single source claim"),
    NO_STATUS: _("No strike status yet"),
}
VERDICT_LABELS: dict[str, Promise] = {
    BelligerentAssessment.NOT_YET_ASSESSED.value: _("Not yet assessed"),
    BelligerentAssessment.CREDIBLE.value: _("Credible"),
    BelligerentAssessment.NON_CREDIBLE.value: _("Non-credible"),
    BelligerentAssessment.DUPLICATE.value: _("Duplicate"),
    BelligerentAssessment.CLOSED.value: _("Closed"),
    BelligerentAssessment.REOPENED.value: _("Reopened"),
}
DATE_PRECISION_LABELS: dict[str, Promise] = {
    DatePrecision.DAY.value: _("known to the day"),
    DatePrecision.WINDOW.value: _("known to a window of days"),
    DatePrecision.MONTH.value: _("known to the month"),
    DatePrecision.YEAR.value: _("known to the year"),
}
GEO_PRECISION_LABELS: dict[str, Promise] = {
    GeoPrecision.GOVERNORATE.value: _("governorate"),
    GeoPrecision.DISTRICT.value: _("district"),
    GeoPrecision.SUBDISTRICT.value: _("subdistrict"),
    GeoPrecision.CITY.value: _("city"),
    GeoPrecision.TOWN.value: _("town"),
    GeoPrecision.VILLAGE.value: _("village"),
    GeoPrecision.NEIGHBOURHOOD.value: _("neighbourhood"),
    GeoPrecision.STREET.value: _("street"),
    GeoPrecision.LANDMARK.value: _("landmark"),
    GeoPrecision.WITHIN_100M.value: _("within 100 m"),
    GeoPrecision.WITHIN_1M.value: _("within 1 m"),
    GeoPrecision.EXACT.value: _("exact"),
}
FATE_LABELS: dict[str, Promise] = {
    Fate.KILLED.value: _("killed"),
    Fate.INJURED.value: _("injured"),
    Fate.MISSING.value: _("missing"),
}
DAMAGE_LABELS: dict[str, Promise] = {
    DamageClass.DESTROYED.value: _("destroyed"),
    DamageClass.SEVERE.value: _("severely damaged"),
}
GRADE_ORDER = (Grade.CONFIRMED.value, Grade.FAIR.value, Grade.WEAK.value,
               Grade.CONTESTED.value, Grade.DISCOUNTED.value, UNGRADED)


class FilterError(UserError):
    """Some filter values could not be read; ``problems`` says which and why."""

    def __init__(self, problems: Sequence[str]):
        self.problems = [str(p) for p in problems]
        super().__init__("; ".join(self.problems))


def _allow(principal: Principal, action: Action = Action.VIEW_PUBLIC) -> None:
    access.require(principal, action)


def fold(text: str) -> str:
    """Text as search compares it: Arabic folded the way names are (hamza forms, ى, ة,
    tashkeel, tatweel), Latin case- and accent-folded, punctuation dropped."""
    return fold_arabic(text or "")


def _haystack(parts: Iterable[str]) -> str:
    # Folded one part at a time and kept apart, so a search never matches across two fields.
    return " | ".join(fold(p) for p in parts if p)


@dataclass(frozen=True, slots=True)
class GradeShown:
    value: str
    label: str
    definition: str

    @property
    def css(self) -> str:
        return "none" if self.value == UNGRADED else self.value


def grade_shown(value: str | None) -> GradeShown:
    key = value if value in GRADE_LABELS else UNGRADED
    return GradeShown(key, str(GRADE_LABELS[key]), str(GRADE_DEFINITIONS[key]))


def grade_legend() -> list[GradeShown]:
    return [grade_shown(value) for value in GRADE_ORDER]


@dataclass(frozen=True, slots=True)
class _Current:
    grade: str
    strike_status: str
    reason: str


def _current_assessments() -> dict[int, _Current]:
    found: dict[int, _Current] = {}
    for incident_id, grade, status, reason in models.Assessment.objects.order_by(
            "incident_id", "assessed_at", "id").values_list(
            "incident_id", "grade", "strike_status", "reason"):
        found[incident_id] = _Current(grade, status, reason)
    return found


def _range_text(found: Range | None) -> str:
    if found is None:
        return ""
    return str(found.low) if found.low == found.high else f"{found.low}–{found.high}"


# ---------------------------------------------------------------------------------------------
# Figures


def home_figures(principal: Principal = PUBLIC) -> dict[str, Any]:
    """The headline figures (see the README's "How the figures are defined")."""
    _allow(principal)
    stats = stats_json()
    conceded = stats.get("conceded") or {}
    assert isinstance(conceded, dict)
    estimate = stats.get("estimate")
    return {
        "stats": stats,
        "likely": Range(int(stats["likely_deaths"]),  # type: ignore[call-overload]
                        int(stats["likely_deaths_max"])),  # type: ignore[call-overload]
        "killed": Range(int(stats["killed_min"]),  # type: ignore[call-overload]
                        int(stats["killed_max"])),  # type: ignore[call-overload]
        "named_people": stats.get("named_people"),
        "named_records": stats["named_victims"],
        "conceded": [{"belligerent": name, "range": Range(r["min"], r["max"])}
                     for name, r in sorted(conceded.items())],
        "estimate": estimate,
        "graded": int(stats["incidents"]) - int(stats["ungraded_incidents"]),  # type: ignore[call-overload]
    }


def _list_label(key: str, sources: Mapping[str, models.Source]) -> str:
    if key == "other sources":
        return str(_("other sources, pooled"))
    source = sources.get(key)
    if source is None or not source.public:
        return str(_("a source that is not published"))
    return source.title or source.publisher or source.key


def _redact(text: str, hidden: Iterable[str]) -> str:
    for key in sorted(hidden, key=len, reverse=True):
        text = text.replace(key, str(_("[unpublished source]")))
    return text


def estimate_detail(principal: Principal = PUBLIC) -> dict[str, Any] | None:
    """The latest multiple systems estimate with what it was made from: the lists (named
    by their published titles; an unpublished source is not named), the capture table,
    the warnings and the other methods' figures. None when no estimate is stored."""
    _allow(principal)
    latest = models.MseEstimate.objects.order_by("-created_at", "-id").first()
    if latest is None:
        return None
    keys = [str(k) for k in latest.lists]
    sources = {s.key: s for s in models.Source.objects.filter(key__in=keys)}
    hidden = [k for k in keys if k != "other sources" and (k not in sources
                                                            or not sources[k].public)]
    lists = [{"key": k if k not in hidden else "", "label": _list_label(k, sources),
              "public": k not in hidden and k != "other sources"} for k in keys]
    capture = [{"pattern": ["●" if bit else "·" for bit in row.get("pattern", [])],
                "count": row.get("count", 0)} for row in latest.capture_table]
    compared = []
    for other in latest.details.get("compared", []):
        upper = other.get("upper")
        compared.append({
            "method": other.get("method", ""),
            "estimate": round(other.get("estimate", 0)),
            "lower": round(other.get("lower", 0)),
            "upper": None if upper is None or upper == float("inf") else round(upper),
        })
    return {
        "id": latest.pk,
        "method": latest.method,
        "observed": latest.observed,
        "estimate": round(latest.estimate),
        "lower": round(latest.lower),
        "upper": None if latest.upper is None else round(latest.upper),
        "level": latest.details.get("level", 0.95),
        "level_percent": round(100 * float(latest.details.get("level", 0.95))),
        "stratified_by": latest.details.get("stratified_by", "none"),
        "made_at": latest.created_at,
        "lists": lists,
        "capture_table": capture,
        "warnings": [_redact(str(w), hidden) for w in latest.warnings],
        "compared": compared,
        "seed": latest.seed,
        "capture_prior": _capture_prior(latest) if latest.method == "lcmcr" else None,
    }


def _capture_prior(estimate: models.MseEstimate) -> str | None:
    """LCMCR's prior on capture probabilities as "Beta(a, b)", from the estimate's settings or,
    for a sum of strata, its first stratum's; None when the estimate does not record it."""
    details = estimate.details
    settings = details.get("settings")
    if not isinstance(settings, dict):
        strata = details.get("strata")
        first = next(iter(strata.values()), None) if isinstance(strata, dict) else None
        inner = first.get("estimate", {}).get("details", {}) if isinstance(first, dict) else {}
        settings = inner.get("settings") if isinstance(inner, dict) else None
    prior = settings.get("capture_prior") if isinstance(settings, dict) else None
    if not isinstance(prior, dict) or not {"a", "b"} <= prior.keys():
        return None
    return f"Beta({float(prior['a']):g}, {float(prior['b']):g})"


# ---------------------------------------------------------------------------------------------
# Incidents


@dataclass(frozen=True, slots=True)
class IncidentFilters:
    date_from: date | None = None
    date_to: date | None = None
    neighbourhood: str = ""
    grades: tuple[str, ...] = ()
    belligerent: str = ""
    strike_status: str = ""
    conceded: bool = False
    q: str = ""
    page: int = 1

    @property
    def active(self) -> bool:
        return bool(self.date_from or self.date_to or self.neighbourhood or self.grades
                    or self.belligerent or self.strike_status or self.conceded or self.q)


def _text(value: object) -> str:
    # NUL never belongs in a filter (and PostgreSQL refuses it in a query).
    return value.replace("\x00", "").strip() if isinstance(value, str) else ""


def _one(params: Any, name: str) -> str:
    return _text(params.get(name, ""))


def _many(params: Any, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        values = params.getlist(name)
    else:
        found = params.get(name, [])
        values = [found] if isinstance(found, str) else list(found)
    return [t for v in values if (t := _text(v))]


def _day(params: Any, name: str, label: Promise, problems: list[str]) -> date | None:
    text = _one(params, name)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(str(_("%(field)s must be a date written YYYY-MM-DD, such as 2017-06-10")
                            % {"field": label}))
        return None


def _page(params: Any, problems: list[str]) -> int:
    text = _one(params, "page")
    if not text:
        return 1
    if not text.isascii() or not text.isdigit() or int(text) < 1 or len(text) > 9:
        problems.append(str(_("the page number must be a whole number from 1")))
        return 1
    return int(text)


def _query(params: Any, problems: list[str]) -> str:
    text = _one(params, "q")
    if len(text) > LONGEST_QUERY:
        problems.append(str(_("the search text is too long (at most %(n)d characters)")
                            % {"n": LONGEST_QUERY}))
        return ""
    return text


def parse_incident_filters(params: Any) -> IncidentFilters:
    """Read the incidents page's filters from a query string (a QueryDict or a mapping)."""
    problems: list[str] = []
    date_from = _day(params, "from", _("The start date"), problems)
    date_to = _day(params, "to", _("The end date"), problems)
    if date_from and date_to and date_to < date_from:
        problems.append(str(_("the end date is before the start date")))
    grades = []
    for value in _many(params, "grade"):
        key = value.lower()
        if key == "likely":  # the figure's shorthand: Fair and Confirmed
            grades += [Grade.FAIR.value, Grade.CONFIRMED.value]
        elif key in GRADE_LABELS:
            grades.append(key)
        else:
            problems.append(str(_("%(value)s is not a grade; the grades are %(grades)s")
                                % {"value": value[:40], "grades": ", ".join(GRADE_ORDER)}))
    status = _one(params, "status").lower()
    if status and status not in STRIKE_STATUS_LABELS:
        problems.append(str(_("%(value)s is not a strike status; the statuses are %(list)s")
                            % {"value": status[:40], "list": ", ".join(STRIKE_STATUS_LABELS)}))
        status = ""
    conceded = _one(params, "conceded").lower()
    if conceded not in ("", "yes"):
        problems.append(str(_("conceded is either yes or left out")))
    page = _page(params, problems)
    q = _query(params, problems)
    if problems:
        raise FilterError(problems)
    return IncidentFilters(
        date_from=date_from, date_to=date_to,
        neighbourhood=_one(params, "neighbourhood")[:200],
        grades=tuple(dict.fromkeys(grades)), belligerent=_one(params, "belligerent")[:200],
        strike_status=status, conceded=conceded == "yes", q=q, page=page)


@dataclass(frozen=True, slots=True)
class IncidentRow:
    code: str
    when: str
    date_start: date
    place: str
    place_ar: str
    neighbourhood: str
    grade: GradeShown
    strike_status: str
    deaths: Range | None
    named_victims: int
    belligerents: tuple[str, ...]

    @property
    def deaths_text(self) -> str:
        return _range_text(self.deaths)


@dataclass(frozen=True, slots=True)
class IncidentPage:
    rows: list[IncidentRow]
    matched: int
    total: int
    page: int
    pages: int
    deaths: Range
    by_grade: list[tuple[GradeShown, int]]
    filters: IncidentFilters
    choices: dict[str, list[str]] = field(default_factory=dict)


def filter_choices() -> dict[str, list[str]]:
    """The values the incidents page offers in its menus."""
    neighbourhoods = sorted({n for n in models.Incident.objects.values_list(
        "neighbourhood", flat=True) if n}, key=str.casefold)
    belligerents = sorted({b for b in models.BelligerentInvolvement.objects.values_list(
        "belligerent", flat=True) if b}, key=str.casefold)
    return {"neighbourhoods": neighbourhoods, "belligerents": belligerents,
            "grades": list(GRADE_ORDER), "statuses": list(STRIKE_STATUS_LABELS)}


def incident_list(filters: IncidentFilters, principal: Principal = PUBLIC,
                  per_page: int = INCIDENTS_PER_PAGE) -> IncidentPage:
    """One page of incidents matching ``filters``, with how many match and their deaths."""
    _allow(principal)
    current = _current_assessments()
    deaths = civilian_deaths_by_incident()
    query = models.Incident.objects.all()
    if filters.date_from:
        query = query.filter(date_end__gte=filters.date_from)
    if filters.date_to:
        query = query.filter(date_start__lte=filters.date_to)
    if filters.neighbourhood:
        query = query.filter(neighbourhood__iexact=filters.neighbourhood)
    involvements: dict[int, list[str]] = {}
    for incident_id, name in models.BelligerentInvolvement.objects.values_list(
            "incident_id", "belligerent"):
        involvements.setdefault(incident_id, []).append(name)
    if filters.belligerent:
        query = query.filter(involvements__belligerent__iexact=filters.belligerent)
    if filters.conceded:
        conceding = models.BelligerentInvolvement.objects.filter(
            Q(deaths_conceded_min__isnull=False) | Q(deaths_conceded_max__isnull=False))
        if filters.belligerent:
            conceding = conceding.filter(belligerent__iexact=filters.belligerent)
        query = query.filter(pk__in=conceding.values("incident_id"))
    rows = list(query.distinct().order_by("date_start", "code").values_list(
        "id", "code", "date_start", "date_end", "date_precision", "place", "place_ar",
        "neighbourhood", "summary", "summary_ar"))
    kept = []
    for row in rows:
        pk = row[0]
        now = current.get(pk)
        grade = now.grade if now else UNGRADED
        if filters.grades and grade not in filters.grades:
            continue
        status = (now.strike_status if now else "") or NO_STATUS
        if filters.strike_status and status != filters.strike_status:
            continue
        kept.append(row)
    named: dict[int, int] = {}
    names: dict[int, list[str]] = {}
    for incident_id, name, name_ar in models.Victim.objects.filter(
            ~Q(name="") | ~Q(name_ar="")).values_list("incident_id", "name", "name_ar"):
        named[incident_id] = named.get(incident_id, 0) + 1
        names.setdefault(incident_id, []).extend((name, name_ar))
    if filters.q:
        wanted = fold(filters.q)
        code = filters.q.strip().casefold()
        if wanted:
            kept = [row for row in kept
                    if code == row[1].casefold()
                    or wanted in _haystack([row[1], row[5], row[6], row[7], row[8], row[9],
                                            *names.get(row[0], [])])]
    total_deaths = ZERO
    counts: dict[str, int] = dict.fromkeys(GRADE_ORDER, 0)
    for row in kept:
        found = deaths.get(row[0])
        if found is not None:
            total_deaths = total_deaths + found
        now = current.get(row[0])
        counts[now.grade if now and now.grade in counts else UNGRADED] += 1
    pages = max(1, math.ceil(len(kept) / per_page))
    page = min(filters.page, pages)
    shown = []
    for pk, code, start, end, precision, place, place_ar, neighbourhood, _s, _a in \
            kept[(page - 1) * per_page:page * per_page]:
        now = current.get(pk)
        window = DateWindow(start, end, DatePrecision(precision))
        shown.append(IncidentRow(
            code=code, when=str(window), date_start=start, place=place, place_ar=place_ar,
            neighbourhood=neighbourhood, grade=grade_shown(now.grade if now else None),
            strike_status=str(STRIKE_STATUS_LABELS.get((now.strike_status if now else "")
                                                       or NO_STATUS, "")),
            deaths=deaths.get(pk), named_victims=named.get(pk, 0),
            belligerents=tuple(sorted(involvements.get(pk, [])))))
    return IncidentPage(
        rows=shown, matched=len(kept), total=models.Incident.objects.count(), page=page,
        pages=pages, deaths=total_deaths,
        by_grade=[(grade_shown(g), n) for g, n in counts.items() if n],
        filters=filters, choices=filter_choices())


@dataclass(frozen=True, slots=True)
class Moved:
    """An incident now known under another code (it was merged or renumbered)."""

    code: str


def _incident_named(code: str) -> models.Incident | Moved:
    if not code or len(code) > 32 or "\x00" in code:
        raise NotFound(str(_("no incident with this code")))
    incident = models.Incident.objects.filter(code=code).first()
    if incident is not None:
        return incident
    for current_code, previous in models.Incident.objects.exclude(
            previous_codes=[]).values_list("code", "previous_codes"):
        if isinstance(previous, list) and code in previous:
            return Moved(current_code)
    raise NotFound(str(_("no incident with this code")))


def nearby_damage(incident: models.Incident) -> list[dict[str, Any]]:
    """Sites seen destroyed or severely damaged near the incident around its date, each once
    (its first such sighting in the window), with the volunteers' destruction window of each
    where there is one: those whose window includes the incident's dates first, then the
    nearest first."""
    if incident.latitude is None or incident.longitude is None:
        return []
    sites: dict[str, dict[str, Any]] = {
        near.site: {"site": near.site, "observed_on": near.observed_on,
                    "damage_class": str(DAMAGE_LABELS[near.damage_class]), "product": near.product,
                    "distance_m": near.distance_m, "window": None}
        for near in destroyed_near(incident.latitude, incident.longitude,
                                   incident.date_start - timedelta(days=DAMAGE_DAYS_BEFORE),
                                   incident.date_end + timedelta(days=DAMAGE_DAYS_AFTER),
                                   DAMAGE_RADIUS_M, severe=True)}
    # The volunteers' destruction window, where there is one: it holds the incident when
    # the building was destroyed on a day of the incident or of the days around it that
    # the window cannot tell apart (before <= day < after overlaps start..end).
    for window in models.DestructionWindow.objects.filter(site__in=list(sites)):
        sites[window.site]["window"] = {
            "before": window.before, "after": window.after, "disputed": window.disputed,
            "holds_incident": window.before <= incident.date_end
            and incident.date_start < window.after}
    # Those whose window includes the incident's dates first (the corroboration), then the
    # nearest.
    return sorted(sites.values(), key=lambda s: (
        not (s["window"] and s["window"]["holds_incident"]), s["distance_m"], s["site"]))


def incident_record(code: str, principal: Principal = PUBLIC) -> dict[str, Any] | Moved:
    """Everything public about one incident, or :class:`Moved` when ``code`` is a previous
    code. Raises :class:`NotFound` for a code the record does not know."""
    _allow(principal)
    found = _incident_named(code)
    if isinstance(found, Moved):
        return found
    incident = found
    history = list(incident.assessments.order_by("-assessed_at", "-id"))
    current = history[0] if history else None
    public_claims = list(incident.claims.filter(source__public=True)
                         .select_related("source").order_by("source__key"))
    claims = []
    for claim in public_claims:
        claims.append({
            "source": claim.source.title or claim.source.publisher or claim.source.key,
            "source_key": claim.source.key,
            "belligerent_blamed": claim.belligerent_blamed,
            **{f"{outcome}_{category}": _range_text(Range.of(
                getattr(claim, f"{outcome}_{category}_min"),
                getattr(claim, f"{outcome}_{category}_max")))
               for outcome in ("killed", "injured")
               for category in ("civilians", "children", "women", "men")},
        })
    unpublished_claims = incident.claims.filter(source__public=False).exists()
    victims = list(incident.victims.all().order_by("key"))
    damage = nearby_damage(incident)
    source_ids = {c.source_id for c in public_claims}
    source_ids |= set(models.Victim.sources.through.objects.filter(
        victim__incident=incident).values_list("source_id", flat=True))
    sources = [{"key": s.key, "title": s.title, "publisher": s.publisher,
                "published_on": s.published_on, "url": s.url if _is_web_link(s.url) else "",
                "language": s.language}
               for s in models.Source.objects.filter(pk__in=source_ids, public=True)
               .order_by("published_on", "key")]
    verdicts = [{
        "belligerent": v.belligerent,
        "involvement": v.involvement,
        "assessment": str(VERDICT_LABELS.get(v.assessment, v.assessment)),
        "deaths_conceded": _range_text(Range.of(v.deaths_conceded_min, v.deaths_conceded_max)),
        "injuries_conceded": _range_text(Range.of(v.injuries_conceded_min,
                                                  v.injuries_conceded_max)),
        "mgrs": v.mgrs, "mgrs_accuracy_m": v.mgrs_accuracy_m,
        "statement": v.statement, "assessed_on": v.assessed_on,
    } for v in incident.involvements.all().order_by("belligerent")]
    matches = [{
        "date": m.declared_strike.date, "place": m.declared_strike.place,
        "belligerent": m.declared_strike.belligerent, "strikes": m.declared_strike.strikes,
        "distance_m": round(m.distance_m), "day_offset": m.day_offset,
        "text": m.declared_strike.text,
    } for m in incident.strike_matches.select_related("declared_strike").order_by(
        "distance_m", "declared_strike__date")]
    window = mapping.window_of(incident)
    precision = incident.geo_precision
    coarse = bool(precision) and GeoPrecision(precision).rank < GeoPrecision.STREET.rank
    return {
        "code": incident.code,
        "previous_codes": [str(c) for c in incident.previous_codes],
        "date": str(window),
        "date_precision": str(DATE_PRECISION_LABELS.get(incident.date_precision, "")),
        "local_time": incident.local_time,
        "place": incident.place,
        "place_ar": incident.place_ar,
        "neighbourhood": incident.neighbourhood,
        "latitude": incident.latitude,
        "longitude": incident.longitude,
        "geo_precision": str(GEO_PRECISION_LABELS.get(precision, "")) if precision else "",
        "coarse_location": coarse,
        "strike_type": incident.strike_type,
        "infrastructure": [str(i) for i in incident.infrastructure],
        "summary": incident.summary,
        "summary_ar": incident.summary_ar,
        "grade": grade_shown(current.grade if current else None),
        "grade_reason": current.reason if current else "",
        "graded_on": current.assessed_at if current else None,
        "regraded": len(history) - 1 if history else 0,
        "strike_status": str(STRIKE_STATUS_LABELS.get(
            (current.strike_status if current else "") or NO_STATUS, "")),
        "deaths": civilian_deaths_by_incident().get(incident.pk),
        "claims": claims,
        "unpublished_claims": unpublished_claims,
        "sources": sources,
        "victims": [_victim_shown(v) for v in victims],
        "verdicts": verdicts,
        "matches": matches,
        "damage": damage[:DAMAGE_ROWS_SHOWN],
        "damage_sites": len(damage),
        "damage_windows": sum(1 for d in damage if d["window"]),
        "damage_windows_holding": sum(1 for d in damage
                                      if d["window"] and d["window"]["holds_incident"]),
        "damage_radius_m": DAMAGE_RADIUS_M,
        "damage_from": incident.date_start - timedelta(days=DAMAGE_DAYS_BEFORE),
        "damage_to": incident.date_end + timedelta(days=DAMAGE_DAYS_AFTER),
        "has_coordinates": incident.latitude is not None,
    }


def _is_web_link(url: str) -> bool:
    return url.startswith(("https://", "http://"))


def _age_text(age: int | None, low: int | None, high: int | None) -> str:
    if age is not None:
        return str(age)
    found = Range.of(low, high)
    return _range_text(found)


def _victim_shown(victim: models.Victim) -> dict[str, Any]:
    return {"key": victim.key, "name": victim.name, "name_ar": victim.name_ar,
            "sex": victim.sex, "age": _age_text(victim.age, victim.age_min, victim.age_max),
            "relation": victim.relation,
            "fate": str(FATE_LABELS.get(victim.fate, victim.fate)),
            "date_of_death": victim.date_of_death}


# ---------------------------------------------------------------------------------------------
# Timeline


BUCKETS = ("day", "week")


def parse_bucket(value: str | None) -> str:
    text = (value or "").strip().lower()
    if not text:
        return "week"
    if text not in BUCKETS:
        raise FilterError([str(_("by must be day or week"))])
    return text


def _bucket_of(day: date, by: str) -> date:
    return day if by == "day" else day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class TimelineBucket:
    start: date
    by_grade: dict[str, Range]
    strikes: int
    strike_lines: int

    @property
    def deaths(self) -> Range:
        total = ZERO
        for found in self.by_grade.values():
            total = total + found
        return total


def timeline(by: str, rtl: bool = False, principal: Principal = PUBLIC) -> dict[str, Any]:
    """Civilian deaths per day or week by grade, and the declared strikes on the same axis.

    An incident is placed only when its date falls within one bucket; those known only to a
    month (or a window wider than the bucket) are counted apart rather than spread."""
    _allow(principal)
    if by not in BUCKETS:
        raise FilterError([str(_("by must be day or week"))])
    current = _current_assessments()
    deaths = civilian_deaths_by_incident()
    cells: dict[date, dict[str, Range]] = {}
    unplaced = 0
    unplaced_deaths = ZERO
    for pk, start, end in models.Incident.objects.values_list("id", "date_start", "date_end"):
        found = deaths.get(pk)
        if found is None:
            continue
        first, last = _bucket_of(start, by), _bucket_of(end, by)
        if first != last:
            unplaced += 1
            unplaced_deaths = unplaced_deaths + found
            continue
        now = current.get(pk)
        grade = now.grade if now and now.grade in GRADE_LABELS else UNGRADED
        cell = cells.setdefault(first, {})
        cell[grade] = cell.get(grade, ZERO) + found
    strikes: dict[date, list[int]] = {}
    for day, count in models.DeclaredStrike.objects.values_list("date", "strikes"):
        bucket = strikes.setdefault(_bucket_of(day, by), [0, 0])
        bucket[0] += count if count is not None else 0
        bucket[1] += 1
    if not cells and not strikes:
        return {"by": by, "buckets": [], "unplaced": unplaced, "unplaced_deaths": unplaced_deaths,
                "chart": None, "legend": grade_legend()}
    first = min([*cells, *strikes])
    last = max([*cells, *strikes])
    step = timedelta(days=1 if by == "day" else 7)
    buckets = []
    day = first
    while day <= last:
        strike = strikes.get(day, [0, 0])
        buckets.append(TimelineBucket(day, {g: cells.get(day, {}).get(g, ZERO)
                                            for g in GRADE_ORDER if g in cells.get(day, {})},
                                      strike[0], strike[1]))
        day += step
    table = [{"start": b.start, "end": b.start + step - timedelta(days=1),
              "cells": [_range_text(b.by_grade.get(g)) for g in GRADE_ORDER],
              "total": _range_text(b.deaths) if b.by_grade else "",
              "strikes": b.strikes, "strike_lines": b.strike_lines} for b in buckets]
    return {"by": by, "buckets": buckets, "table": table, "unplaced": unplaced,
            "unplaced_deaths": unplaced_deaths, "legend": grade_legend(),
            "chart": timeline_chart(buckets, by, rtl),
            "total": sum((b.deaths for b in buckets), ZERO)}


def timeline_chart(buckets: Sequence[TimelineBucket], by: str, rtl: bool = False
                   ) -> dict[str, Any]:
    """Geometry of the chart in SVG user units: stacked bars of minimum deaths by grade,
    a whisker up to the maximum, and a band of declared strikes below on the same axis.
    ``rtl`` mirrors the time axis so that time runs in the reading direction."""
    width, left, right = 960.0, 48.0, 12.0
    top, deaths_height, gap, strikes_height, bottom = 16.0, 220.0, 34.0, 70.0, 24.0
    plot = width - left - right
    slot = plot / max(1, len(buckets))
    bar = max(1.0, slot * 0.8)
    most = max([b.deaths.high for b in buckets] + [1])
    most_strikes = max([b.strikes for b in buckets] + [1])
    scale = deaths_height / most
    strike_scale = strikes_height / most_strikes
    base = top + deaths_height
    strike_base = base + gap + strikes_height

    def x_of(index: int) -> float:
        x = left + index * slot + (slot - bar) / 2
        return round(width - x - bar if rtl else x, 2)

    bars = []
    for index, bucket in enumerate(buckets):
        x = x_of(index)
        y = base
        parts = []
        for grade in GRADE_ORDER:
            found = bucket.by_grade.get(grade)
            if found is None or found.low == 0:
                continue
            height = found.low * scale
            y -= height
            parts.append({"grade": grade_shown(grade).css, "y": round(y, 2),
                          "height": round(height, 2), "low": found.low})
        high = bucket.deaths.high
        strike_height = bucket.strikes * strike_scale
        bars.append({
            "x": x, "width": round(bar, 2), "centre": round(x + bar / 2, 2), "parts": parts,
            "whisker_top": round(base - high * scale, 2),
            "whisker_bottom": round(base - bucket.deaths.low * scale, 2),
            "has_whisker": high > bucket.deaths.low,
            "title": f"{bucket.start.isoformat()}: {_range_text(bucket.deaths) or 0}",
            "strike_y": round(strike_base - strike_height, 2),
            "strike_height": round(strike_height, 2), "strikes": bucket.strikes,
            "strike_title": f"{bucket.start.isoformat()}: {bucket.strikes}",
        })
    # Axis labels: about eight along the axis, at bucket starts.
    every = max(1, math.ceil(len(buckets) / 8))
    ticks = [{"x": round(x_of(i) + bar / 2, 2), "label": b.start.isoformat()}
             for i, b in enumerate(buckets) if i % every == 0]
    axis_x = width - left if rtl else left
    return {
        "width": width, "height": strike_base + bottom, "bars": bars, "ticks": ticks,
        "top": top, "base": base, "strike_top": base + gap, "strike_base": strike_base,
        "most": most, "most_strikes": most_strikes, "axis_x": axis_x,
        "label_x": round(axis_x + 6 if rtl else axis_x - 6, 2),
        "label_anchor": "start" if rtl else "end",
        "band_x": left + 4 if rtl else width - right - 4,
        "band_anchor": "start" if rtl else "end",
        "plot_start": left if not rtl else right, "plot_end": width - right if not rtl
        else width - left, "tick_y": strike_base + 16, "by": by,
    }


# ---------------------------------------------------------------------------------------------
# Memorial


@dataclass(frozen=True, slots=True)
class MemorialFilters:
    q: str = ""
    group: str = "incident"
    page: int = 1


GROUPS = ("incident", "date")


def parse_memorial_filters(params: Any) -> MemorialFilters:
    problems: list[str] = []
    group = _one(params, "group").lower() or "incident"
    if group not in GROUPS:
        problems.append(str(_("group must be incident or date")))
    page = _page(params, problems)
    q = _query(params, problems)
    if problems:
        raise FilterError(problems)
    return MemorialFilters(q=q, group=group, page=page)


@dataclass(frozen=True, slots=True)
class Remembered:
    """One person killed, as the lists name them (several records once linkage found them
    to be one person)."""

    names: tuple[str, ...]
    names_ar: tuple[str, ...]
    age: str
    day: date
    incident: str
    place: str
    place_ar: str
    records: int


def memorial(filters: MemorialFilters, principal: Principal = PUBLIC,
             per_page: int = MEMORIAL_PER_PAGE) -> dict[str, Any]:
    """The named dead, one entry per person (records linked into one person are shown
    together with every spelling), grouped by incident or by date, one page at a time."""
    _allow(principal)
    found: dict[tuple[str, int], list[models.Victim]] = {}
    query = (models.Victim.objects.filter(fate=Fate.KILLED.value)
             .filter(~Q(name="") | ~Q(name_ar="")).select_related("incident")
             .order_by("incident__date_start", "incident__code", "key"))
    for victim in query:
        key = ("person", victim.person_id) if victim.person_id else ("record", victim.pk)
        found.setdefault(key, []).append(victim)
    entries = []
    wanted = fold(filters.q) if filters.q else ""
    for records in found.values():
        first = records[0]
        names = tuple(dict.fromkeys(v.name.strip() for v in records if v.name.strip()))
        names_ar = tuple(dict.fromkeys(v.name_ar.strip() for v in records if v.name_ar.strip()))
        if wanted and wanted not in _haystack([*names, *names_ar, first.incident.place,
                                               first.incident.place_ar]):
            continue
        ages = [a for v in records if (a := _age_text(v.age, v.age_min, v.age_max))]
        entries.append(Remembered(
            names=names, names_ar=names_ar, age=ages[0] if ages else "",
            day=first.date_of_death or first.incident.date_start,
            incident=first.incident.code, place=first.incident.place,
            place_ar=first.incident.place_ar, records=len(records)))
    if filters.group == "date":
        entries.sort(key=lambda e: (e.day, e.incident))
    pages = max(1, math.ceil(len(entries) / per_page))
    page = min(filters.page, pages)
    shown = entries[(page - 1) * per_page:page * per_page]
    groups: list[dict[str, Any]] = []
    for entry in shown:
        heading = entry.incident if filters.group == "incident" else entry.day.isoformat()
        if not groups or groups[-1]["key"] != heading:
            groups.append({"key": heading, "day": entry.day, "incident": entry.incident,
                           "place": entry.place, "place_ar": entry.place_ar, "people": []})
        groups[-1]["people"].append(entry)
    return {"groups": groups, "matched": len(entries), "page": page, "pages": pages,
            "records": sum(len(r) for r in found.values()), "people": len(found),
            "filters": filters}


# ---------------------------------------------------------------------------------------------
# Downloads


@dataclass(frozen=True, slots=True)
class Download:
    file_name: str
    content: bytes
    content_type: str


CSV_KINDS = ("incidents", "sources", "claims", "victims", "verdicts", "declared_strikes")
DOWNLOAD_FORMATS = ("csv", "geojson", "json")


def downloads(principal: Principal = PUBLIC) -> dict[str, Any]:
    """What the downloads page offers: the public tables with their row counts."""
    _allow(principal, Action.EXPORT_PUBLIC)
    # Counted the way public_tables() selects its rows, without building them.
    counts = {
        "incidents": models.Incident.objects.count(),
        "sources": models.Source.objects.filter(public=True).count(),
        "claims": models.Claim.objects.filter(source__public=True).count(),
        "victims": models.Victim.objects.count(),
        "verdicts": models.BelligerentInvolvement.objects.count(),
        "declared_strikes": models.DeclaredStrike.objects.count(),
    }
    return {"tables": [{"kind": k, "rows": counts[k]} for k in CSV_KINDS],
            "geojson_rows": models.Incident.objects.exclude(latitude__isnull=True).count(),
            "simulated": is_simulated()}


def _prefix() -> str:
    return exporting.CSV_PREFIX if is_simulated() else ""


def download(name: str, principal: Principal = PUBLIC) -> Download:
    """One public download, built from the exports' allow-list and recorded in the audit
    log as an export. ``name`` is ``<kind>.csv``, ``incidents.geojson`` or ``public.json``."""
    stem, _dot, fmt = name.rpartition(".")
    if fmt == "csv" and stem in CSV_KINDS:
        _allow(principal, Action.EXPORT_PUBLIC)
        return _csv_download(stem, principal)
    if (stem, fmt) in (("incidents", "geojson"), ("public", "json")):
        _allow(principal, Action.EXPORT_PUBLIC)
        file_name = f"{_prefix()}{stem}.{fmt}"
        with tempfile.TemporaryDirectory() as folder:
            written = exporting.export(fmt, Path(folder) / file_name, actor=principal.actor)
            content = written[0].read_bytes()
        kind = "application/geo+json" if fmt == "geojson" else "application/json"
        return Download(file_name, content, f"{kind}; charset=utf-8")
    raise NotFound(str(_("there is no such download")))


def _csv_download(kind: str, principal: Principal) -> Download:
    from django.db import transaction

    simulated = is_simulated()
    rows = exporting.public_tables()[kind]
    schema, _columns = SCHEMAS[kind]
    columns = list(rows[0]) if rows else list(schema)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    file_name = f"{_prefix()}{kind}.csv"
    with transaction.atomic():
        audit.record("export.write", actor=principal.actor, target=f"export:{file_name}",
                     details={"format": "csv", "path": file_name, "files": [file_name],
                              "rows": {kind: len(rows)}, "simulated": simulated})
    return Download(file_name, buffer.getvalue().encode("utf-8"), "text/csv; charset=utf-8")
