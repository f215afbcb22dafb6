"""Set every incident against the belligerent's declared strikes, and suggest grades.

Loads incidents and declared strikes, places each strike at its gazetteer place, runs
the pure matcher, and stores the matches and the suggested grade and strike status in
one transaction. Analysts' assessments are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from civharm.analysis.gazetteer import Gazetteer
from civharm.analysis.source_independence import CitedSource, independent_sources
from civharm.analysis.strike_matching import (
    Allegation,
    StrikeReport,
    grade_suggestion,
    match_strikes,
    precision_radius_m,
    strike_status,
)
from civharm.domain.vocabulary import BelligerentAssessment, GeoPrecision, SourceKind
from civharm.services import audit
from civharm.store import models


@dataclass(frozen=True, slots=True)
class MatchReport:
    incidents: int
    placed_incidents: int
    strikes: int
    placed_strikes: int
    matched_incidents: int
    matches: int
    suggestions: dict[str, int]


def _strike_reports(gazetteer: Gazetteer) -> tuple[list[StrikeReport], int]:
    reports = []
    total = 0
    for strike in models.DeclaredStrike.objects.all():
        total += 1
        place = gazetteer.places.get(strike.place_id) if strike.place_id else None
        place = place or gazetteer.lookup(strike.place)
        if place is None:
            continue
        reports.append(StrikeReport(
            key=str(strike.pk), date=strike.date, belligerent=strike.belligerent,
            latitude=place.latitude, longitude=place.longitude,
            radius_m=precision_radius_m(place.precision),
        ))
    return reports, total


def _blamed() -> dict[int, set[str]]:
    blamed: dict[int, set[str]] = {}
    for incident_id, name in models.Claim.objects.exclude(belligerent_blamed="").values_list(
        "incident_id", "belligerent_blamed"
    ):
        blamed.setdefault(incident_id, set()).add(name)
    for incident_id, name in models.BelligerentInvolvement.objects.values_list(
        "incident_id", "belligerent"
    ):
        blamed.setdefault(incident_id, set()).add(name)
    return blamed


def _independent_sources(blamed: dict[int, set[str]]) -> dict[int, int]:
    cited: dict[int, list[CitedSource]] = {}
    for incident_id, key, kind, publisher in models.Claim.objects.values_list(
            "incident_id", "source__key", "source__kind", "source__publisher"):
        cited.setdefault(incident_id, []).append(CitedSource(key, SourceKind(kind), publisher))
    return {incident_id: independent_sources(found, blamed.get(incident_id, ()))
            for incident_id, found in cited.items()}


def incident_allegations() -> tuple[list[models.Incident], list[Allegation]]:
    """Every incident, and beside each what the pure matchers need of it."""
    incidents = list(models.Incident.objects.all())
    blamed = _blamed()
    allegations = [
        Allegation(
            code=i.code, date_start=i.date_start, date_end=i.date_end,
            latitude=i.latitude, longitude=i.longitude,
            precision=GeoPrecision(i.geo_precision) if i.geo_precision else None,
            belligerents=tuple(sorted(blamed.get(i.pk, ()))),
        )
        for i in incidents
    ]
    return incidents, allegations


def match_and_suggest(gazetteer: Gazetteer, days_before: int = 1, days_after: int = 0,
                      actor: str | None = None) -> MatchReport:
    incidents, allegations = incident_allegations()
    strikes, strike_total = _strike_reports(gazetteer)
    found = match_strikes(allegations, strikes, days_before=days_before, days_after=days_after)
    sources = _independent_sources({i.pk: set(a.belligerents)
                                    for i, a in zip(incidents, allegations, strict=True)})
    verdicts: dict[int, models.BelligerentInvolvement] = {}
    for verdict in models.BelligerentInvolvement.objects.filter(
        assessment=BelligerentAssessment.CREDIBLE.value
    ):
        verdicts.setdefault(verdict.incident_id, verdict)
    counts: dict[str, int] = {}
    matches = []
    suggestions = []
    for incident, allegation in zip(incidents, allegations, strict=True):
        found_here = found.get(incident.code, [])
        matches += [
            models.StrikeMatch(incident=incident, declared_strike_id=int(m.strike_key),
                               distance_m=m.distance_m, day_offset=m.day_offset,
                               fifty_metre_rule=m.fifty_metre_rule)
            for m in found_here
        ]
        verdict = verdicts.get(incident.pk)
        grade, reason = grade_suggestion(
            matches=found_here,
            independent_sources=sources.get(incident.pk, 0),
            belligerents_blamed=allegation.belligerents,
            assessment=verdict.assessment if verdict else None,
            deaths_conceded=verdict.deaths_conceded_max if verdict else None,
            assessing_belligerent=verdict.belligerent if verdict else None,
        )
        status = strike_status(found_here, allegation,
                               independent_sources=sources.get(incident.pk, 0))
        suggestions.append(models.GradeSuggestion(
            incident=incident, grade=grade.value,
            strike_status=status.value if status else "", reason=reason,
        ))
        counts[grade.value] = counts.get(grade.value, 0) + 1
    report = MatchReport(
        incidents=len(incidents),
        placed_incidents=sum(1 for a in allegations if a.latitude is not None),
        strikes=strike_total,
        placed_strikes=len(strikes),
        matched_incidents=sum(1 for v in found.values() if v),
        matches=len(matches),
        suggestions=counts,
    )
    with transaction.atomic():
        models.StrikeMatch.objects.all().delete()
        models.GradeSuggestion.objects.all().delete()
        models.StrikeMatch.objects.bulk_create(matches, batch_size=500)
        models.GradeSuggestion.objects.bulk_create(suggestions, batch_size=500)
        audit.record("strikes.match", actor=audit.acting(actor), target="strike_matches",
                     details={"days_before": days_before, "days_after": days_after,
                              "incidents": report.incidents, "strikes": report.strikes,
                              "matched_incidents": report.matched_incidents,
                              "matches": report.matches, "suggestions": counts})
    return report
