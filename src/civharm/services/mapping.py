"""Between domain records and store rows, in both directions.

``*_fields`` give the model field values a record stands for; ``*_row`` give the
import-format columns a stored row exports to, so that an export imports back
unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from civharm.domain.casualties import casualty_columns, column_name
from civharm.domain.dates import DateWindow
from civharm.domain.records import (
    ClaimRecord,
    DeclaredStrikeRecord,
    IncidentRecord,
    SourceRecord,
    VerdictRecord,
    VictimRecord,
)
from civharm.domain.vocabulary import DatePrecision
from civharm.store import models


def incident_fields(record: IncidentRecord) -> dict[str, Any]:
    return {
        "code": record.code,
        "previous_codes": list(record.previous_codes),
        "date_start": record.window.start,
        "date_end": record.window.end,
        "date_precision": record.window.precision.value,
        "local_time": record.local_time,
        "place": record.place,
        "place_ar": record.place_ar,
        "neighbourhood": record.neighbourhood,
        "latitude": record.latitude,
        "longitude": record.longitude,
        "geo_precision": record.geo_precision.value if record.geo_precision else "",
        "strike_type": record.strike_type.value,
        "infrastructure": list(record.infrastructure),
        "summary": record.summary,
        "summary_ar": record.summary_ar,
    }


def source_fields(record: SourceRecord) -> dict[str, Any]:
    return {
        "key": record.key,
        "kind": record.kind.value,
        "title": record.title,
        "publisher": record.publisher,
        "author": record.author,
        "published_on": record.published_on,
        "language": record.language,
        "url": record.url,
        "original_text": record.original_text,
        "translated_text": record.translated_text,
        "public": record.public,
    }


def claim_fields(record: ClaimRecord) -> dict[str, Any]:
    return {"belligerent_blamed": record.belligerent_blamed, **record.casualties.to_columns()}


def victim_fields(record: VictimRecord) -> dict[str, Any]:
    return {
        "key": record.key,
        "name": record.name,
        "name_ar": record.name_ar,
        "sex": record.sex.value,
        "age": record.age,
        "age_min": record.age_min,
        "age_max": record.age_max,
        "relation": record.relation,
        "fate": record.fate.value,
        "date_of_death": record.date_of_death,
    }


def verdict_fields(record: VerdictRecord) -> dict[str, Any]:
    deaths, injuries = record.deaths_conceded, record.injuries_conceded
    return {
        "belligerent": record.belligerent,
        "involvement": record.involvement.value,
        "assessment": record.assessment.value,
        "deaths_conceded_min": deaths.low if deaths else None,
        "deaths_conceded_max": deaths.high if deaths else None,
        "injuries_conceded_min": injuries.low if injuries else None,
        "injuries_conceded_max": injuries.high if injuries else None,
        "mgrs": record.mgrs,
        "mgrs_accuracy_m": record.mgrs_accuracy_m,
        "statement": record.statement,
        "assessed_on": record.assessed_on,
    }


def declared_strike_fields(record: DeclaredStrikeRecord) -> dict[str, Any]:
    return {
        "key": record.key,
        "date": record.date,
        "country": record.country,
        "place": record.place,
        "place_id": record.place_id,
        "strikes": record.strikes,
        "engagements": record.engagements,
        "tactical_units": record.tactical_units,
        "destroyed": dict(record.destroyed),
        "belligerent": record.belligerent,
        "text": record.text,
    }


def _text(value: Any) -> Any:
    return "" if value is None else value


def window_of(incident: models.Incident) -> DateWindow:
    return DateWindow(
        incident.date_start, incident.date_end, DatePrecision(incident.date_precision)
    )


def incident_row(incident: models.Incident, assessment: models.Assessment | None) -> dict[str, Any]:
    return {
        "code": incident.code,
        "date": str(window_of(incident)),
        "local_time": incident.local_time.strftime("%H:%M") if incident.local_time else "",
        "place": incident.place,
        "place_ar": incident.place_ar,
        "neighbourhood": incident.neighbourhood,
        "latitude": _text(incident.latitude),
        "longitude": _text(incident.longitude),
        "geo_precision": incident.geo_precision,
        "strike_type": incident.strike_type,
        "infrastructure": ";".join(incident.infrastructure),
        "summary": incident.summary,
        "summary_ar": incident.summary_ar,
        "previous_codes": ";".join(incident.previous_codes),
        "grade": assessment.grade if assessment else "",
        "strike_status": assessment.strike_status if assessment else "",
        "grade_reason": assessment.reason if assessment else "",
        "assessed_by": assessment.assessed_by if assessment else "",
    }


def source_row(source: models.Source, evidence: list[str]) -> dict[str, Any]:
    return {
        "source_id": source.key,
        "kind": source.kind,
        "title": source.title,
        "publisher": source.publisher,
        "author": source.author,
        "published": source.published_on.isoformat() if source.published_on else "",
        "language": source.language,
        "url": source.url,
        "original_text": source.original_text,
        "translated_text": source.translated_text,
        "evidence_sha256": ";".join(evidence),
        "public": "yes" if source.public else "no",
    }


def claim_row(claim: models.Claim, incident_code: str, source_key: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "incident": incident_code,
        "source": source_key,
        "belligerent_blamed": claim.belligerent_blamed,
    }
    for outcome, category, bound in casualty_columns():
        name = column_name(outcome, category, bound)
        row[name] = _text(getattr(claim, name))
    return row


def victim_row(victim: models.Victim, incident_code: str, sources: list[str]) -> dict[str, Any]:
    return {
        "victim_id": victim.key,
        "incident": incident_code,
        "name": victim.name,
        "name_ar": victim.name_ar,
        "sex": victim.sex,
        "age": _text(victim.age),
        "age_min": _text(victim.age_min),
        "age_max": _text(victim.age_max),
        "relation": victim.relation,
        "fate": victim.fate,
        "date_of_death": victim.date_of_death.isoformat() if victim.date_of_death else "",
        "sources": ";".join(sources),
    }


def verdict_row(verdict: models.BelligerentInvolvement, incident_code: str) -> dict[str, Any]:
    return {
        "incident": incident_code,
        "belligerent": verdict.belligerent,
        "involvement": verdict.involvement,
        "assessment": verdict.assessment,
        "deaths_conceded_min": _text(verdict.deaths_conceded_min),
        "deaths_conceded_max": _text(verdict.deaths_conceded_max),
        "injuries_conceded_min": _text(verdict.injuries_conceded_min),
        "injuries_conceded_max": _text(verdict.injuries_conceded_max),
        "mgrs": verdict.mgrs,
        "mgrs_accuracy_m": _text(verdict.mgrs_accuracy_m),
        "statement": verdict.statement,
        "assessed_on": verdict.assessed_on.isoformat() if verdict.assessed_on else "",
    }


def declared_strike_row(strike: models.DeclaredStrike) -> dict[str, Any]:
    return {
        "date": strike.date.isoformat(),
        "country": strike.country,
        "place": strike.place,
        "place_id": strike.place_id,
        "strikes": _text(strike.strikes),
        "engagements": _text(strike.engagements),
        "tactical_units": _text(strike.tactical_units),
        "destroyed": json.dumps(strike.destroyed, sort_keys=True) if strike.destroyed else "",
        "belligerent": strike.belligerent,
        "text": strike.text,
    }
