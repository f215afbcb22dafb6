"""Link the database's victim records into people, and keep analysts' decisions.

Each victim record is one line of one list: its list is its first source (by key). The
linkage (``civharm.analysis.linkage``) finds the people; every record then points to its
Person. Person keys are kept from run to run: a person found again keeps the key that most
of their records already had. An analyst's decisions on pairs of records (same person or
different people) are kept forever, the latest on a pair in force, and every run obeys
them. Pairs whose probability falls in the review band wait in the review queue, with the
comparison that put them there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Max, Q

from civharm.analysis.linkage import (
    ConflictingDecisions,
    LinkageResult,
    LinkageSettings,
    RecordKey,
    TrainedModel,
    VictimRecord,
    link,
)
from civharm.services import audit
from civharm.services.errors import NotFound, UserError
from civharm.store import models

UNSOURCED = "no source"


@dataclass(frozen=True, slots=True)
class LinkReport:
    records: int
    people: int
    kept_keys: int
    new_keys: int
    in_review: int
    decisions_obeyed: int


def _list_of(victim: models.Victim) -> str:
    keys = sorted(s.key for s in victim.sources.all())
    return keys[0] if keys else UNSOURCED


def victim_record(victim: models.Victim) -> VictimRecord:
    name = victim.name or victim.name_ar
    return VictimRecord(
        source=_list_of(victim), record_id=victim.key, name=name,
        name_alt=victim.name_ar if victim.name and victim.name_ar else "",
        sex=victim.sex if victim.sex in ("male", "female") else None,
        age=victim.age, age_min=victim.age_min, age_max=victim.age_max,
        date_of_death=victim.date_of_death,
        place=victim.incident.neighbourhood or victim.incident.place,
    )


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def decisions_in_force() -> dict[tuple[int, int], str]:
    """The latest decision on each pair of victim records (by id, smaller first)."""
    latest: dict[tuple[int, int], str] = {}
    for first, second, decision in models.LinkDecision.objects.order_by(
            "decided_at", "id").values_list("first_id", "second_id", "decision"):
        latest[_pair(first, second)] = decision
    return latest


def _next_key_number() -> int:
    largest = models.Person.objects.aggregate(Max("key"))["key__max"]
    return int(largest[1:]) + 1 if largest and largest[1:].isdigit() else 1


def link_victims(settings: LinkageSettings | None = None, model: TrainedModel | None = None,
                 progress: Callable[[str, int, int], None] | None = None,
                 keep_model: Path | None = None, actor: str | None = None) -> LinkReport:
    """Link every named victim record into people; ``keep_model`` saves the trained model."""
    victims = list(models.Victim.objects.select_related("incident").prefetch_related("sources")
                   .exclude(name="", name_ar=""))
    if not victims:
        raise UserError("no named victim records to link")
    records = [victim_record(v) for v in victims]
    by_key: dict[RecordKey, models.Victim] = {r.key: v for r, v in zip(records, victims, strict=True)}
    key_of = {v.pk: r.key for r, v in zip(records, victims, strict=True)}
    decided = decisions_in_force()
    must = [(key_of[a], key_of[b]) for (a, b), d in decided.items()
            if d == models.LinkDecision.SAME and a in key_of and b in key_of]
    cannot = [(key_of[a], key_of[b]) for (a, b), d in decided.items()
              if d == models.LinkDecision.DIFFERENT and a in key_of and b in key_of]
    try:
        result = link(records, settings, model=model, must_link=must, cannot_link=cannot,
                      progress=progress)
    except ConflictingDecisions as error:
        raise UserError(f"analysts' decisions contradict each other: {error}") from None
    if keep_model is not None:
        result.model.save(keep_model)
    return _store(result, by_key, decided, len(must) + len(cannot), audit.acting(actor))


def _store(result: LinkageResult, by_key: dict[RecordKey, models.Victim],
           decided: dict[tuple[int, int], str], obeyed: int, actor: str) -> LinkReport:
    members: dict[str, list[models.Victim]] = {}
    for key, person in result.clusters.items():
        members.setdefault(person, []).append(by_key[key])
    # The largest cluster claims first, so that a split leaves the old key with the bigger part.
    claimed: set[int] = set()
    assignment: dict[str, int | None] = {}
    for person, found in sorted(members.items(), key=lambda item: (-len(item[1]), item[0])):
        votes = Counter(v.person_id for v in found if v.person_id is not None)
        keep = next((pid for pid, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
                     if pid not in claimed), None)
        if keep is not None:
            claimed.add(keep)
        assignment[person] = keep
    with transaction.atomic():
        number = _next_key_number()
        unclaimed = sorted(p for p, kept in assignment.items() if kept is None)
        new_people = [models.Person(key=f"P{number + i:07d}") for i in range(len(unclaimed))]
        models.Person.objects.bulk_create(new_people, batch_size=1000)
        fresh = dict(models.Person.objects.filter(key__in=[p.key for p in new_people])
                     .values_list("key", "pk"))
        for person, created in zip(unclaimed, new_people, strict=True):
            assignment[person] = fresh[created.key]
        changed = []
        for person, found in members.items():
            for victim in found:
                if victim.person_id != assignment[person]:
                    victim.person_id = assignment[person]
                    changed.append(victim)
        models.Victim.objects.bulk_update(changed, ["person"], batch_size=1000)
        models.Person.objects.filter(records__isnull=True).delete()
        models.ReviewPair.objects.all().delete()
        reviews = []
        for pair in result.uncertain:
            first, second = by_key[pair.left], by_key[pair.right]
            if _pair(first.pk, second.pk) in decided:
                continue
            a, b = sorted((first, second), key=lambda v: v.pk)
            reviews.append(models.ReviewPair(
                first=a, second=b, probability=pair.probability,
                explanation=[{"comparison": o.comparison, "level": o.level,
                              "bayes_factor": o.bayes_factor} for o in pair.explanation]))
        models.ReviewPair.objects.bulk_create(reviews, batch_size=1000)
        report = LinkReport(records=len(by_key), people=len(members),
                            kept_keys=len(claimed), new_keys=len(new_people),
                            in_review=len(reviews), decisions_obeyed=obeyed)
        # One entry per run: which record names which person is the run's result, kept in
        # the victims table; the entry says how much moved.
        audit.record("victims.link", actor=actor, target="linkage",
                     details={"records": report.records, "people": report.people,
                              "kept_keys": report.kept_keys, "new_keys": report.new_keys,
                              "records_moved": len(changed), "in_review": report.in_review,
                              "decisions_obeyed": obeyed})
    return report


def _victim(key: str) -> models.Victim:
    found = models.Victim.objects.filter(key=key).select_related("incident", "person").first()
    if found is None:
        raise NotFound(f"no victim record {key!r}")
    return found


def _describe(victim: models.Victim) -> dict[str, object]:
    return {
        "victim_id": victim.key, "name": victim.name, "name_ar": victim.name_ar,
        "sex": victim.sex, "age": victim.age if victim.age is not None else (
            f"{victim.age_min}–{victim.age_max}" if victim.age_min is not None else None),
        "date_of_death": victim.date_of_death.isoformat() if victim.date_of_death else None,
        "incident": victim.incident.code, "list": _list_of(victim),
        "person": victim.person.key if victim.person else None,
    }


def next_review() -> dict[str, object] | None:
    """The strongest open pair in the review queue, with both records and the comparison."""
    pair = (models.ReviewPair.objects.select_related("first__incident", "second__incident",
                                                     "first__person", "second__person")
            .prefetch_related("first__sources", "second__sources")
            .order_by("-probability", "id").first())
    if pair is None:
        return None
    return {"first": _describe(pair.first), "second": _describe(pair.second),
            "probability": pair.probability, "explanation": pair.explanation,
            "waiting": models.ReviewPair.objects.count()}


def decide(first_key: str, second_key: str, same: bool, decided_by: str, reason: str = "") -> str:
    """Record an analyst's decision on two records and apply it to the people at once:
    the same person joins their two people; different people move the second record to a
    person of its own when they were one. The next ``link victims`` run obeys it too."""
    if not decided_by.strip():
        raise UserError("a decision needs who made it")
    with transaction.atomic():
        first, second = _victim(first_key), _victim(second_key)
        if first.pk == second.pk:
            raise UserError("a record cannot be compared with itself")
        decision = models.LinkDecision.objects.create(
            first=first, second=second, reason=reason.strip(), decided_by=decided_by,
            decision=models.LinkDecision.SAME if same else models.LinkDecision.DIFFERENT)
        models.ReviewPair.objects.filter(Q(first=first, second=second) | Q(first=second, second=first)
                                         ).delete()
        outcome = _join(first, second) if same else _separate(first, second)
        # One entry for each record, so that either one's history shows the decision.
        for this, other in ((first, second), (second, first)):
            audit.record("victims.same_person" if same else "victims.different_people",
                         actor=audit.acting(decided_by), target=f"victim:{this.key}",
                         details={"other": other.key, "decision": decision.pk})
        return outcome


def _join(first: models.Victim, second: models.Victim) -> str:
    if first.person_id is None and second.person_id is None:
        person = models.Person.objects.create(key=f"P{_next_key_number():07d}")
        models.Victim.objects.filter(pk__in=[first.pk, second.pk]).update(person=person)
        return f"{first.key} and {second.key} are now person {person.key}"
    keep = first.person or second.person
    assert keep is not None
    other = second.person if keep == first.person else first.person
    if other is not None and other.pk != keep.pk:
        models.Victim.objects.filter(person=other).update(person=keep)
        other.delete()
    models.Victim.objects.filter(pk__in=[first.pk, second.pk]).update(person=keep)
    return f"{first.key} and {second.key} are person {keep.key}"


def _separate(first: models.Victim, second: models.Victim) -> str:
    if first.person_id is None or first.person_id != second.person_id:
        return f"{first.key} and {second.key} are recorded as different people"
    person = models.Person.objects.create(key=f"P{_next_key_number():07d}")
    second.person = person
    second.save(update_fields=["person"])
    return (f"{second.key} moved to a new person {person.key}; run `civharm link victims` to "
            "re-cluster the other records around them")
