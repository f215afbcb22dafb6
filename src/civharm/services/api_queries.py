"""Read-only queries behind the JSON API: filtered, paginated slices of the record.

Callers say what the principal may see with a :class:`Visibility`, decided beforehand by
:func:`civharm.services.access.check` (never here). Everything public is built from the same
allow-list as the public export (:mod:`civharm.services.exporting`): witnesses never appear,
and sources that are not public, with the claims resting on them, appear only when
``unpublished`` is set. The text of a confidential source (an interview) appears only when
``confidential`` is set too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from civharm.domain.casualties import Range, casualty_columns, column_name, incident_range
from civharm.domain.vocabulary import Grade, SourceKind
from civharm.services import mapping
from civharm.services.errors import NotFound
from civharm.store import models

UNGRADED = "ungraded"


@dataclass(frozen=True, slots=True)
class Visibility:
    """What the asker may see beyond the published record."""

    unpublished: bool = False   # sources not public, and the claims resting on them
    confidential: bool = False  # the text of confidential sources (interviews)
    internal: bool = False      # working fields: who assessed, grade history, linked persons


@dataclass(frozen=True, slots=True)
class IncidentFilters:
    date_from: date | None = None
    date_to: date | None = None
    grades: Sequence[str] = ()
    belligerent: str = ""
    strike_statuses: Sequence[str] = ()
    neighbourhood: str = ""
    q: str = ""


@dataclass(frozen=True, slots=True)
class Slice:
    """One page of a listing: the rows shown and how many there are in all."""

    count: int
    rows: list[dict[str, Any]] = field(default_factory=list)


def _sources(visibility: Visibility) -> QuerySet[models.Source]:
    query = models.Source.objects.all()
    return query if visibility.unpublished else query.filter(public=True)


def _claims(visibility: Visibility) -> QuerySet[models.Claim]:
    query = models.Claim.objects.all()
    return query if visibility.unpublished else query.filter(source__public=True)


def _range(found: Range | None) -> dict[str, int] | None:
    return None if found is None else {"min": found.low, "max": found.high}


def _deaths(incident_ids: Sequence[int]) -> dict[int, Range]:
    """Civilian deaths per incident as the headline figures count them (every claim)."""
    ranges: dict[int, list[Range]] = {}
    for incident_id, low, high in models.Claim.objects.filter(
            incident_id__in=list(incident_ids)).values_list(
            "incident_id", "killed_civilians_min", "killed_civilians_max"):
        found = Range.of(low, high)
        if found is not None:
            ranges.setdefault(incident_id, []).append(found)
    return {k: r for k, v in ranges.items() if (r := incident_range(v)) is not None}


# -- incidents ---------------------------------------------------------------------------------

def _with_current_grade(query: QuerySet[models.Incident]) -> QuerySet[models.Incident]:
    latest = models.Assessment.objects.filter(incident=OuterRef("pk")).order_by(
        "-assessed_at", "-id")
    return query.annotate(current_grade=Subquery(latest.values("grade")[:1]),
                          current_status=Subquery(latest.values("strike_status")[:1]))


def incident_query(filters: IncidentFilters, visibility: Visibility) -> QuerySet[models.Incident]:
    query = _with_current_grade(models.Incident.objects.all())
    if filters.date_from is not None:  # a window overlapping the period counts
        query = query.filter(date_end__gte=filters.date_from)
    if filters.date_to is not None:
        query = query.filter(date_start__lte=filters.date_to)
    if filters.grades:
        chosen = Q(current_grade__in=[g for g in filters.grades if g != UNGRADED])
        if UNGRADED in filters.grades:
            chosen |= Q(current_grade__isnull=True)
        query = query.filter(chosen)
    if filters.strike_statuses:
        query = query.filter(current_status__in=list(filters.strike_statuses))
    if filters.belligerent.strip():
        name = filters.belligerent.strip()
        involved = models.BelligerentInvolvement.objects.filter(
            incident=OuterRef("pk"), belligerent__iexact=name)
        blamed = _claims(visibility).filter(incident=OuterRef("pk"),
                                            belligerent_blamed__iexact=name)
        query = query.filter(Exists(involved) | Exists(blamed))
    if filters.neighbourhood.strip():
        query = query.filter(neighbourhood__iexact=filters.neighbourhood.strip())
    if filters.q.strip():
        text = filters.q.strip()
        query = query.filter(Q(code__icontains=text) | Q(place__icontains=text)
                             | Q(place_ar__icontains=text) | Q(neighbourhood__icontains=text)
                             | Q(summary__icontains=text) | Q(summary_ar__icontains=text))
    return query.order_by("date_start", "code")


def _incident_summary(incident: Any, deaths: dict[int, Range]) -> dict[str, Any]:
    return {
        "code": incident.code,
        "date": str(mapping.window_of(incident)),
        "date_start": incident.date_start,
        "date_end": incident.date_end,
        "date_precision": incident.date_precision,
        "local_time": incident.local_time.strftime("%H:%M") if incident.local_time else None,
        "place": incident.place,
        "place_ar": incident.place_ar,
        "neighbourhood": incident.neighbourhood,
        "latitude": incident.latitude,
        "longitude": incident.longitude,
        "geo_precision": incident.geo_precision,
        "strike_type": incident.strike_type,
        "grade": incident.current_grade or None,
        "strike_status": incident.current_status or None,
        "civilians_killed": _range(deaths.get(incident.pk)),
    }


def incidents(filters: IncidentFilters, visibility: Visibility, offset: int, limit: int) -> Slice:
    query = incident_query(filters, visibility)
    page = list(query[offset:offset + limit])
    deaths = _deaths([i.pk for i in page])
    return Slice(query.count(), [_incident_summary(i, deaths) for i in page])


def _source_row(source: models.Source, visibility: Visibility) -> dict[str, Any]:
    confidential = source.kind == SourceKind.WITNESS_INTERVIEW.value
    shows_text = not confidential or visibility.confidential
    return {
        "key": source.key, "kind": source.kind, "title": source.title,
        "publisher": source.publisher, "author": source.author,
        "published_on": source.published_on, "language": source.language, "url": source.url,
        "public": source.public,
        "original_text": source.original_text if shows_text else None,
        "translated_text": source.translated_text if shows_text else None,
    }


def _claim_row(claim: models.Claim) -> dict[str, Any]:
    counts: dict[str, dict[str, int | None]] = {}
    for outcome, category, bound in casualty_columns():
        value = getattr(claim, column_name(outcome, category, bound))
        if value is not None:
            counts.setdefault(f"{outcome}_{category}", {"min": None, "max": None})[bound] = value
    return {"source": claim.source.key, "belligerent_blamed": claim.belligerent_blamed,
            "counts": counts}


def _victim_row(victim: models.Victim, visible_sources: set[int],
                visibility: Visibility) -> dict[str, Any]:
    row: dict[str, Any] = {
        "key": victim.key, "incident": victim.incident.code, "name": victim.name,
        "name_ar": victim.name_ar, "sex": victim.sex, "age": victim.age,
        "age_min": victim.age_min, "age_max": victim.age_max, "relation": victim.relation,
        "fate": victim.fate, "date_of_death": victim.date_of_death,
        "sources": sorted(s.key for s in victim.sources.all() if s.pk in visible_sources),
    }
    if visibility.internal:
        row["person"] = victim.person.key if victim.person is not None else None
    return row


def _range_of(low: int | None, high: int | None) -> dict[str, int] | None:
    try:
        return _range(Range.of(low, high))
    except ValueError:  # a hand-edited row with max below min: show it as it is
        return {"min": low or 0, "max": high or 0}


def _verdict_row(verdict: models.BelligerentInvolvement) -> dict[str, Any]:
    return {
        "belligerent": verdict.belligerent, "involvement": verdict.involvement,
        "assessment": verdict.assessment,
        "deaths_conceded": _range_of(verdict.deaths_conceded_min, verdict.deaths_conceded_max),
        "injuries_conceded": _range_of(verdict.injuries_conceded_min,
                                       verdict.injuries_conceded_max),
        "mgrs": verdict.mgrs, "mgrs_accuracy_m": verdict.mgrs_accuracy_m,
        "statement": verdict.statement, "assessed_on": verdict.assessed_on,
    }


def _grade_row(assessment: models.Assessment, visibility: Visibility) -> dict[str, Any]:
    return {
        "grade": assessment.grade, "definition": Grade(assessment.grade).definition,
        "strike_status": assessment.strike_status or None, "reason": assessment.reason,
        "assessed_at": assessment.assessed_at,
        "assessed_by": assessment.assessed_by if visibility.internal else None,
    }


def incident(code: str, visibility: Visibility) -> dict[str, Any]:
    """One incident with its sources, claims, victims, grade, verdicts and matched strikes."""
    found = _with_current_grade(models.Incident.objects.filter(code=code)).first()
    if found is None:
        raise NotFound(f"no incident with code {code!r}")
    assessments = list(found.assessments.order_by("-assessed_at", "-id"))
    claims = list(_claims(visibility).filter(incident=found).select_related("source")
                  .order_by("source__key"))
    victims = list(found.victims.select_related("incident", "person").prefetch_related("sources"))
    visible = set(_sources(visibility).values_list("pk", flat=True))
    cited = {c.source_id for c in claims} | {s.pk for v in victims for s in v.sources.all()}
    sources = _sources(visibility).filter(pk__in=cited & visible).order_by("key")
    row = _incident_summary(found, _deaths([found.pk]))
    row.update({
        "previous_codes": list(found.previous_codes),
        "infrastructure": list(found.infrastructure),
        "summary": found.summary,
        "summary_ar": found.summary_ar,
        "assessment": _grade_row(assessments[0], visibility) if assessments else None,
        "grade_history": ([_grade_row(a, visibility) for a in assessments]
                          if visibility.internal else None),
        "sources": [_source_row(s, visibility) for s in sources],
        "claims": [_claim_row(c) for c in claims],
        "victims": [_victim_row(v, visible, visibility) for v in victims],
        "verdicts": [_verdict_row(v) for v in found.involvements.all()],
        "declared_strikes": [
            {"key": m.declared_strike.key, "date": m.declared_strike.date,
             "place": m.declared_strike.place, "belligerent": m.declared_strike.belligerent,
             "strikes": m.declared_strike.strikes, "distance_m": round(m.distance_m),
             "day_offset": m.day_offset, "fifty_metre_rule": m.fifty_metre_rule}
            for m in found.strike_matches.select_related("declared_strike")
            .order_by("distance_m", "id")
        ],
    })
    return row


# -- victims, declared strikes, estimates ------------------------------------------------------

def victims(visibility: Visibility, offset: int, limit: int, incident_code: str = "",
            q: str = "", fate: str = "", named: bool | None = None) -> Slice:
    query = models.Victim.objects.select_related("incident", "person").prefetch_related("sources")
    if incident_code.strip():
        query = query.filter(incident__code=incident_code.strip())
    if fate:
        query = query.filter(fate=fate)
    if named is not None:
        has_name = ~Q(name="") | ~Q(name_ar="")
        query = query.filter(has_name) if named else query.exclude(has_name)
    if q.strip():
        text = q.strip()
        query = query.filter(Q(name__icontains=text) | Q(name_ar__icontains=text)
                             | Q(key__icontains=text))
    query = query.order_by("incident__date_start", "incident__code", "key")
    visible = set(_sources(visibility).values_list("pk", flat=True))
    return Slice(query.count(), [_victim_row(v, visible, visibility)
                                 for v in query[offset:offset + limit]])


def declared_strikes(offset: int, limit: int, date_from: date | None = None,
                     date_to: date | None = None, belligerent: str = "") -> Slice:
    query = models.DeclaredStrike.objects.all()
    if date_from is not None:
        query = query.filter(date__gte=date_from)
    if date_to is not None:
        query = query.filter(date__lte=date_to)
    if belligerent.strip():
        query = query.filter(belligerent__iexact=belligerent.strip())
    query = query.order_by("date", "place", "key")
    rows = []
    for strike in query[offset:offset + limit].prefetch_related("matches__incident"):
        destroyed = strike.destroyed if isinstance(strike.destroyed, dict) else {}
        rows.append({
            "key": strike.key, "date": strike.date, "country": strike.country,
            "place": strike.place, "place_id": strike.place_id, "strikes": strike.strikes,
            "engagements": strike.engagements, "tactical_units": strike.tactical_units,
            "destroyed": {str(k): v for k, v in destroyed.items() if isinstance(v, int)},
            "belligerent": strike.belligerent, "text": strike.text,
            "incidents": sorted({m.incident.code for m in strike.matches.all()}),
        })
    return Slice(query.count(), rows)


def estimates(visibility: Visibility, offset: int, limit: int) -> Slice:
    query = models.MseEstimate.objects.order_by("-created_at", "-id")
    rows = []
    for stored in query[offset:offset + limit]:
        details = stored.details if isinstance(stored.details, dict) else {}
        rows.append({
            "id": stored.pk, "created_at": stored.created_at, "method": stored.method,
            "stratum": stored.stratum, "stratified_by": str(details.get("stratified_by", "none")),
            "level": float(details.get("level", 0.95)), "observed": stored.observed,
            "estimate": stored.estimate, "lower": stored.lower, "upper": stored.upper,
            "lists": [str(name) for name in stored.lists],
            "warnings": [str(text) for text in stored.warnings],
            "capture_table": stored.capture_table if isinstance(stored.capture_table, list) else [],
            "seed": stored.seed,
            "made_by": stored.made_by if visibility.internal else None,
        })
    return Slice(query.count(), rows)


# -- the review queue and the audit log (internal) --------------------------------------------

def _review_side(victim: models.Victim) -> dict[str, Any]:
    return {"key": victim.key, "incident": victim.incident.code, "name": victim.name,
            "name_ar": victim.name_ar, "sex": victim.sex, "age": victim.age,
            "age_min": victim.age_min, "age_max": victim.age_max,
            "date_of_death": victim.date_of_death,
            "person": victim.person.key if victim.person is not None else None}


def review_pairs(offset: int, limit: int) -> Slice:
    query = (models.ReviewPair.objects
             .select_related("first__incident", "second__incident", "first__person",
                             "second__person")
             .order_by("-probability", "id"))
    return Slice(query.count(), [
        {"id": pair.pk, "probability": pair.probability,
         "first": _review_side(pair.first), "second": _review_side(pair.second),
         "explanation": pair.explanation if isinstance(pair.explanation, list) else []}
        for pair in query[offset:offset + limit]])


def audit_entries(offset: int, limit: int, target: str = "", action: str = "") -> Slice:
    query = models.AuditEntry.objects.all()
    if target.strip():
        query = query.filter(target=target.strip())
    if action.strip():
        query = query.filter(action=action.strip())
    query = query.order_by("-id")
    rows = []
    for entry in query[offset:offset + limit]:
        try:
            details = json.loads(entry.details or "{}")
        except ValueError:
            details = {}
        rows.append({"id": entry.pk, "at": entry.at, "actor": entry.actor,
                     "action": entry.action, "target": entry.target,
                     "details": details if isinstance(details, dict) else {},
                     "entry_hash": entry.entry_hash})
    return Slice(query.count(), rows)
