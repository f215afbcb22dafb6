"""The headline figures of the record, computed from the store by the pure domain code."""

from __future__ import annotations

from django.db.models import Q

from civharm.domain.casualties import Range, incident_range
from civharm.domain.figures import (
    Concession,
    HeadlineFigures,
    IncidentTally,
    headline_figures,
    location_key,
)
from civharm.domain.vocabulary import Fate, Grade, SourceKind
from civharm.services.flags import is_simulated
from civharm.store import models


def current_grades() -> dict[int, str]:
    """Each incident's latest grade."""
    grades: dict[int, str] = {}
    for incident_id, grade in models.Assessment.objects.order_by(
        "incident_id", "assessed_at", "id"
    ).values_list("incident_id", "grade"):
        grades[incident_id] = grade
    return grades


def civilian_deaths_by_incident() -> dict[int, Range]:
    ranges: dict[int, list[Range]] = {}
    for incident_id, low, high in models.Claim.objects.values_list(
        "incident_id", "killed_civilians_min", "killed_civilians_max"
    ):
        found = Range.of(low, high)
        if found is not None:
            ranges.setdefault(incident_id, []).append(found)
    return {k: r for k, v in ranges.items() if (r := incident_range(v)) is not None}


def witness_count() -> int:
    """Witness records, plus interviews not tied to one (each counted as one person)."""
    interviews_without = models.Source.objects.filter(
        kind=SourceKind.WITNESS_INTERVIEW.value, witnesses__isnull=True
    ).count()
    return models.Witness.objects.count() + interviews_without


def headline() -> HeadlineFigures:
    grades = current_grades()
    deaths = civilian_deaths_by_incident()
    tallies = [
        IncidentTally(
            code=code,
            grade=Grade(grades[pk]) if pk in grades else None,
            civilians_killed=deaths.get(pk),
            location=location_key(lat, lon, place),
        )
        for pk, code, lat, lon, place in models.Incident.objects.values_list(
            "id", "code", "latitude", "longitude", "place"
        )
    ]
    concessions = [
        Concession(name, Range.of(low, high))
        for name, low, high in models.BelligerentInvolvement.objects.values_list(
            "belligerent", "deaths_conceded_min", "deaths_conceded_max"
        )
    ]
    named = models.Victim.objects.filter(fate=Fate.KILLED.value).filter(
        ~Q(name="") | ~Q(name_ar="")
    ).count()
    return headline_figures(
        tallies,
        concessions,
        sources=models.Source.objects.count(),
        witnesses=witness_count(),
        named_victims=named,
    )


def _people_and_estimate() -> dict[str, object]:
    """Figures that exist once victims are linked and an estimate is made."""
    extra: dict[str, object] = {}
    people = (models.Victim.objects.filter(fate=Fate.KILLED.value, person__isnull=False)
              .filter(~Q(name="") | ~Q(name_ar="")).values("person").distinct().count())
    if people:
        extra["named_people"] = people
    latest = models.MseEstimate.objects.order_by("-created_at", "-id").first()
    if latest is not None:
        extra["estimate"] = {
            "id": latest.pk, "method": latest.method, "observed": latest.observed,
            "estimate": round(latest.estimate), "lower": round(latest.lower),
            "upper": None if latest.upper is None else round(latest.upper),
            "level": latest.details.get("level", 0.95), "stratified_by": latest.details.get(
                "stratified_by", "none"), "warnings": len(latest.warnings),
            "made_at": latest.created_at.isoformat(timespec="seconds"),
        }
    return extra


def _damage() -> dict[str, object]:
    """The city's damage figures at the latest imagery date, once any site is assessed."""
    from civharm.services.damage import latest_city_figure

    figure = latest_city_figure()
    if figure is None:
        return {}
    found = figure.as_json()
    for key in ("area", "neighbourhood"):
        found.pop(key)
    found["definition"] = "destroyed_or_severe_share = (destroyed + severe) / assessed"
    return {"damage": found}


def stats_json() -> dict[str, object]:
    figures = {**headline().as_json(), **_people_and_estimate(), **_damage()}
    if is_simulated():
        return {"simulated": True, "label": "SIMULATED DATA", **figures}
    return figures
