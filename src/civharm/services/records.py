"""Add, list and show records one at a time, through the same validation as imports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from civharm.domain.casualties import Range
from civharm.domain.vocabulary import Grade
from civharm.ingest.problems import Origin
from civharm.ingest.reader import Located
from civharm.ingest.schemas import SCHEMAS, RowReader
from civharm.ingest.tabular import Row
from civharm.services import audit, mapping
from civharm.services.errors import ImportRejected, NotFound, UserError
from civharm.services.figures import civilian_deaths_by_incident, current_grades
from civharm.services.importing import store_records
from civharm.store import models

_ORIGIN = Origin("command line", 1, unit="entry")

EXISTS = {
    "incidents": lambda r: models.Incident.objects.filter(code=r.code).exists(),
    "sources": lambda r: models.Source.objects.filter(key=r.key).exists(),
    "claims": lambda r: models.Claim.objects.filter(
        incident__code=r.incident_code, source__key=r.source_key).exists(),
    "victims": lambda r: models.Victim.objects.filter(key=r.key).exists(),
    "verdicts": lambda r: models.BelligerentInvolvement.objects.filter(
        incident__code=r.incident_code, belligerent=r.belligerent).exists(),
}


TARGETS = {
    "incidents": lambda r: f"incident:{r.code}",
    "sources": lambda r: f"source:{r.key}",
    "claims": lambda r: f"claim:{r.incident_code}/{r.source_key}",
    "victims": lambda r: f"victim:{r.key}",
    "verdicts": lambda r: f"verdict:{r.incident_code}/{r.belligerent}",
}


def add(kind: str, cells: dict[str, str], actor: str | None = None) -> Any:
    """Validate one record given as import-format cells and store it. Returns the record.

    The audit entry names the record and the columns given, never their values: a name
    typed by mistake must stay correctable, and the log cannot be corrected."""
    schema, build = SCHEMAS[kind]
    problems: list[Any] = []
    reader = RowReader(Row(_ORIGIN, {k: v for k, v in cells.items() if v}), schema, problems)
    record = build(reader)
    if problems or record is None:
        raise UserError("; ".join(
            f"--{p.column.replace('_', '-')}: {p.reason}" if p.column else p.reason
            for p in problems))
    if EXISTS[kind](record):
        raise UserError(f"that {kind[:-1]} already exists; nothing was changed")
    try:
        with transaction.atomic():
            store_records({kind: [Located(record, _ORIGIN)]})
            audit.record(f"{kind[:-1]}.add", actor=audit.acting(actor),
                         target=TARGETS[kind](record),
                         details={"fields": sorted(k for k, v in cells.items() if v)})
    except ImportRejected as err:
        raise UserError("; ".join(p.reason for p in err.problems)) from None
    return record


@dataclass(frozen=True, slots=True)
class IncidentLine:
    code: str
    date: str
    place: str
    place_ar: str
    grade: str
    civilians_killed: Range | None
    claims: int
    victims: int


def incident_lines(limit: int | None = None) -> list[IncidentLine]:
    from django.db.models import Count

    grades = current_grades()
    deaths = civilian_deaths_by_incident()
    query = models.Incident.objects.annotate(
        n_claims=Count("claims", distinct=True), n_victims=Count("victims", distinct=True)
    )
    if limit:
        query = query[:limit]
    return [
        IncidentLine(
            code=i.code,
            date=str(mapping.window_of(i)),
            place=i.place,
            place_ar=i.place_ar,
            grade=grades.get(i.pk, ""),
            civilians_killed=deaths.get(i.pk),
            claims=i.n_claims,
            victims=i.n_victims,
        )
        for i in query
    ]


def incident_detail(code: str) -> dict[str, Any]:
    """Everything the record holds on one incident, public and internal, but no witness identity."""
    incident = models.Incident.objects.filter(code=code).first()
    if incident is None:
        raise NotFound(f"no incident with code {code!r}")
    assessments = list(incident.assessments.order_by("-assessed_at", "-id"))
    current = assessments[0] if assessments else None
    claims = [
        mapping.claim_row(c, code, c.source.key)
        for c in incident.claims.select_related("source").order_by("source__key")
    ]
    victims = [
        mapping.victim_row(v, code, sorted(s.key for s in v.sources.all()))
        for v in incident.victims.prefetch_related("sources")
    ]
    verdicts = [mapping.verdict_row(v, code) for v in incident.involvements.all()]
    history = [
        {
            "grade": a.grade,
            "definition": Grade(a.grade).definition,
            "strike_status": a.strike_status,
            "reason": a.reason,
            "assessed_by": a.assessed_by,
            "assessed_at": a.assessed_at.isoformat(timespec="seconds"),
        }
        for a in assessments
    ]
    deaths = civilian_deaths_by_incident().get(incident.pk)
    suggestion = models.GradeSuggestion.objects.filter(incident=incident).first()
    matches = [
        {"date": m.declared_strike.date.isoformat(), "place": m.declared_strike.place,
         "belligerent": m.declared_strike.belligerent, "strikes": m.declared_strike.strikes,
         "distance_m": round(m.distance_m), "day_offset": m.day_offset,
         "fifty_metre_rule": m.fifty_metre_rule}
        for m in incident.strike_matches.select_related("declared_strike")
    ]
    reported = [
        {"report": r.report, "number": r.number, "status": r.status, "killed": r.killed,
         "basis": r.link_basis, "text": r.text}
        for r in incident.reported_verdicts.all()
    ]
    duplicates = [
        {"incident": (s.second if s.first_id == incident.pk else s.first).code, "score": s.score,
         "reasons": s.reasons}
        for s in models.DuplicateSuggestion.objects.filter(
            Q(first=incident) | Q(second=incident), state=models.DuplicateSuggestion.OPEN)
        .select_related("first", "second")
    ]
    return {
        "report_entries": reported,
        "duplicate_suggestions": duplicates,
        "suggestion": None if suggestion is None else {
            "grade": suggestion.grade, "strike_status": suggestion.strike_status,
            "reason": suggestion.reason},
        "strike_matches": matches,
        "incident": mapping.incident_row(incident, current),
        "civilians_killed": None if deaths is None else {"min": deaths.low, "max": deaths.high},
        "claims": claims,
        "victims": victims,
        "verdicts": verdicts,
        "assessments": history,
        "witnesses": incident.witnesses.count(),
    }


def claim_lines(incident: str | None = None) -> list[dict[str, Any]]:
    query = models.Claim.objects.select_related("incident", "source")
    if incident:
        query = query.filter(incident__code=incident)
    return [mapping.claim_row(c, c.incident.code, c.source.key) for c in query]


def source_lines() -> list[dict[str, Any]]:
    return [
        mapping.source_row(s, sorted(e.sha256 for e in s.evidence.all()))
        for s in models.Source.objects.prefetch_related("evidence")
    ]


def victim_lines(incident: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    query = models.Victim.objects.select_related("incident", "person").prefetch_related("sources")
    if incident:
        query = query.filter(incident__code=incident)
    if limit:
        query = query[:limit]
    # The person a record names is the linkage's finding, shown here but never exported as
    # a column of the victims file (it is not one of that file's import columns).
    return [{**mapping.victim_row(v, v.incident.code, sorted(s.key for s in v.sources.all())),
             "person": v.person.key if v.person else ""}
            for v in query]
