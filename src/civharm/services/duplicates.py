"""Suggest incidents that are probably one event, and merge or dismiss them.

A merge moves everything of the merged incident (claims, victims, witnesses, verdicts,
grade history, report entries) to the kept one, adds the merged code and its own previous
codes to the kept incident's ``previous_codes``, and deletes the merged incident, in one
transaction. The kept incident's date, place and summary stand. A merge that would lose
something — the same source's claim on both, or two different verdicts by one
belligerent — is refused with what to resolve first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from civharm.analysis.duplicate_incidents import IncidentProfile, NamedVictim, suggest_duplicates
from civharm.analysis.names import name_similarity
from civharm.domain.vocabulary import BelligerentAssessment
from civharm.services import audit
from civharm.services.errors import NotFound, UserError
from civharm.services.matching import incident_allegations
from civharm.store import models

_UNDECIDED = BelligerentAssessment.NOT_YET_ASSESSED.value

SAME_NAME_SIMILARITY = 0.85
"""Two spellings (any scripts) name one person from this chain similarity up: on the
simulated lists 98.6% of one person's spellings score above it, 0.1% of relatives'."""


def same_name(a: str, b: str) -> bool:
    return name_similarity(a, b) >= SAME_NAME_SIMILARITY


@dataclass(frozen=True, slots=True)
class DuplicateReport:
    incidents: int
    suggested: int
    dismissed: int


def _profiles() -> list[IncidentProfile]:
    incidents, allegations = incident_allegations()
    victims: dict[int, list[NamedVictim]] = {}
    for incident_id, name, name_ar, sex, age in models.Victim.objects.values_list(
            "incident_id", "name", "name_ar", "sex", "age"):
        victims.setdefault(incident_id, []).append(
            NamedVictim(tuple(n for n in (name, name_ar) if n), "" if sex == "unknown" else sex, age))
    sources: dict[int, set[str]] = {}
    for incident_id, key in models.Claim.objects.values_list("incident_id", "source__key"):
        sources.setdefault(incident_id, set()).add(key)
    return [IncidentProfile(allegation, tuple(victims.get(i.pk, ())), frozenset(sources.get(i.pk, ())))
            for i, allegation in zip(incidents, allegations, strict=True)]


def suggest_duplicate_incidents(days: int = 1,
                                names_match: Callable[[str, str], bool] = same_name,
                                actor: str | None = None) -> DuplicateReport:
    """Replace the open suggestions with fresh ones; pairs a reviewer dismissed stay dismissed."""
    if days < 0:
        raise UserError("--days must be zero or more")
    profiles = _profiles()
    pairs = suggest_duplicates(profiles, days=days, same_name=names_match)
    ids = dict(models.Incident.objects.values_list("code", "pk"))
    dismissed = set(models.DuplicateSuggestion.objects.filter(
        state=models.DuplicateSuggestion.DISMISSED).values_list("first_id", "second_id"))
    fresh = [
        models.DuplicateSuggestion(first_id=ids[p.first], second_id=ids[p.second], score=p.score,
                                   reasons=list(p.reasons))
        for p in pairs if (ids[p.first], ids[p.second]) not in dismissed
    ]
    with transaction.atomic():
        models.DuplicateSuggestion.objects.filter(state=models.DuplicateSuggestion.OPEN).delete()
        models.DuplicateSuggestion.objects.bulk_create(fresh, batch_size=500)
        audit.record("duplicates.suggest", actor=audit.acting(actor), target="duplicates",
                     details={"days": days, "incidents": len(profiles), "suggested": len(fresh),
                              "dismissed": len(dismissed)})
    return DuplicateReport(len(profiles), len(fresh), len(dismissed))


def open_suggestions() -> list[dict[str, object]]:
    return [
        {"first": s.first.code, "second": s.second.code, "score": s.score, "reasons": s.reasons}
        for s in models.DuplicateSuggestion.objects.filter(state=models.DuplicateSuggestion.OPEN)
        .select_related("first", "second")
    ]


def _incident(code: str) -> models.Incident:
    found = models.Incident.objects.select_for_update().filter(code=code).first()
    if found is None:
        raise NotFound(f"no incident with code {code!r}")
    return found


def dismiss_duplicate(a: str, b: str, actor: str | None = None) -> None:
    """Record that two incidents are not one event, so that they are not suggested again."""
    with transaction.atomic():
        first, second = sorted((_incident(a), _incident(b)), key=lambda i: i.code)
        if first.pk == second.pk:
            raise UserError("an incident cannot be a duplicate of itself")
        models.DuplicateSuggestion.objects.update_or_create(
            first=first, second=second,
            defaults={"state": models.DuplicateSuggestion.DISMISSED, "score": 0.0,
                      "reasons": ["dismissed by a reviewer"]})
        # One entry for each incident, so that either one's history shows the decision.
        for this, other in ((first, second), (second, first)):
            audit.record("incident.not_duplicate", actor=audit.acting(actor),
                         target=f"incident:{this.code}", details={"other": other.code})


def _merge_verdicts(keep: models.Incident, merged: models.Incident) -> None:
    kept = {v.belligerent: v for v in keep.involvements.all()}
    for verdict in merged.involvements.all():
        mine = kept.get(verdict.belligerent)
        if mine is None:
            verdict.incident = keep
            verdict.save(update_fields=["incident"])
        elif mine.assessment == _UNDECIDED and verdict.assessment != _UNDECIDED:
            mine.delete()
            verdict.incident = keep
            verdict.save(update_fields=["incident"])
        elif verdict.assessment in (_UNDECIDED, mine.assessment):
            verdict.delete()
        else:
            raise UserError(
                f"{verdict.belligerent} assessed {keep.code} {mine.assessment} and {merged.code} "
                f"{verdict.assessment}; settle the verdict before merging")


def merge_incidents(keep_code: str, merged_code: str, actor: str | None = None) -> models.Incident:
    with transaction.atomic():
        keep, merged = _incident(keep_code), _incident(merged_code)
        if keep.pk == merged.pk:
            raise UserError("an incident cannot be merged into itself")
        both = sorted(set(keep.claims.values_list("source__key", flat=True))
                      & set(merged.claims.values_list("source__key", flat=True)))
        if both:
            raise UserError(
                f"source(s) {', '.join(both)} make claims on both {keep.code} and {merged.code}; "
                "keep one claim per source (edit or remove the other) before merging")
        _merge_verdicts(keep, merged)
        moved: dict[str, int] = {}
        for name, model in (("claims", models.Claim), ("victims", models.Victim),
                            ("witnesses", models.Witness), ("assessments", models.Assessment),
                            ("report_entries", models.ReportedVerdict)):
            moved[name] = model.objects.filter(incident=merged).update(incident=keep)
        codes = [*keep.previous_codes, merged.code, *merged.previous_codes]
        keep.previous_codes = list(dict.fromkeys(codes))
        keep.save(update_fields=["previous_codes", "updated_at"])
        merged.delete()
        who = audit.acting(actor)
        audit.record("incident.merge", actor=who, target=f"incident:{keep.code}",
                     details={"merged": merged.code, "moved": moved,
                              "previous_codes": keep.previous_codes})
        # The merged code no longer names a row: its own entry says where it went.
        audit.record("incident.merged_into", actor=who, target=f"incident:{merged.code}",
                     details={"kept": keep.code})
    return keep
