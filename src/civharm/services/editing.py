"""Create or change one incident together with its sources, claims and victims.

Everything a person types in the workspace's incident editor is checked with the same rules
as an import (the import schemas read the same cells), every problem is reported against
the part and field it concerns, and nothing is written unless everything is right. The
writing happens in one transaction, with one audit entry per record added, changed or
removed; an entry names the fields that changed, never their values (a name typed by
mistake must stay correctable, and the log cannot be corrected).

Also here: the incidents that look like one being typed (the editor's duplicate warning)
and the history of an incident and its parts, from the audit log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from civharm.analysis.duplicate_incidents import NamedVictim, same_person
from civharm.analysis.strike_matching import PRECISE_RADIUS_M, haversine_m, precision_radius_m
from civharm.domain.dates import DateWindow
from civharm.domain.vocabulary import GeoPrecision, SourceKind
from civharm.ingest.problems import Origin, Problem
from civharm.ingest.schemas import SCHEMAS, RowReader
from civharm.ingest.tabular import Row
from civharm.services import audit, mapping
from civharm.services.errors import NotFound, UserError
from civharm.store import models

KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
KEY_RULE = ("use letters (a-z, A-Z), digits, dots, hyphens or underscores, starting with a "
            "letter or digit, at most 64 characters")

INCIDENT_CELLS = ("code", "date", "local_time", "place", "place_ar", "neighbourhood",
                  "latitude", "longitude", "geo_precision", "strike_type", "infrastructure",
                  "summary", "summary_ar")
SOURCE_CELLS = ("source_id", "kind", "title", "publisher", "author", "published", "language",
                "url", "original_text", "translated_text", "public")
SOURCE_TEXTS = ("original_text", "translated_text")
VICTIM_CELLS = ("victim_id", "name", "name_ar", "sex", "age", "age_min", "age_max",
                "relation", "fate", "date_of_death", "sources")

_PAIRED = "latitude and longitude go together"

NON_FIELD = ""
"""The field name under which a problem of a whole part (not of one field) is reported."""


@dataclass(slots=True)
class Part:
    """One source, claim or victim as the editor sends it: import-format ``cells``, and for
    a record that already exists the key it had (``existing``): a source's or victim's key,
    or a claim's source key. A cell left out of ``cells`` keeps its stored value."""

    cells: dict[str, str]
    existing: str = ""
    remove: bool = False


@dataclass(slots=True)
class Draft:
    incident: dict[str, str]
    sources: list[Part] = field(default_factory=list)
    claims: list[Part] = field(default_factory=list)
    victims: list[Part] = field(default_factory=list)


Errors = dict[tuple[str, int], dict[str, list[str]]]
"""Problems by (part, index) — ("incident", 0), ("sources", 2), … — then by field."""


class EditRejected(UserError):
    """The draft has problems; nothing was written. ``errors`` says where."""

    def __init__(self, errors: Errors):
        self.errors = errors
        count = sum(len(m) for fields in errors.values() for m in fields.values())
        super().__init__(f"{count} problem{'s' if count != 1 else ''}; nothing was saved")


@dataclass(frozen=True, slots=True)
class Saved:
    code: str
    created: bool
    changes: tuple[str, ...]  # "victim.add victim:RQ0100-V01", one per audit entry written


# -- reading an incident back into cells ----------------------------------------------------

def incident_sources(incident: models.Incident) -> list[models.Source]:
    """The sources an incident rests on: those its claims come from and its victims name."""
    return list(models.Source.objects.filter(
        Q(claims__incident=incident) | Q(victims__incident=incident)).distinct().order_by("key"))


def draft_of(code: str, hide_texts: Iterable[str] = ()) -> Draft:
    """The incident ``code`` and its parts as the editor shows them. The texts of the
    sources named in ``hide_texts`` are left out (confidential interviews)."""
    incident = models.Incident.objects.filter(code=code).first()
    if incident is None:
        raise NotFound(f"no incident with code {code!r}")
    hidden = set(hide_texts)
    row = mapping.incident_row(incident, None)
    sources = []
    for source in incident_sources(incident):
        cells = {k: str(v) for k, v in mapping.source_row(source, []).items() if k in SOURCE_CELLS}
        if source.key in hidden:
            for name in SOURCE_TEXTS:
                cells.pop(name, None)
        sources.append(Part(cells, existing=source.key))
    claims = [Part({k: str(v) for k, v in mapping.claim_row(c, code, c.source.key).items()
                    if k != "incident"}, existing=c.source.key)
              for c in incident.claims.select_related("source").order_by("source__key")]
    victims = [Part({k: str(v) for k, v in mapping.victim_row(
                        v, code, sorted(s.key for s in v.sources.all())).items()
                     if k in VICTIM_CELLS}, existing=v.key)
               for v in incident.victims.prefetch_related("sources").order_by("key")]
    return Draft({k: str(v) for k, v in row.items() if k in INCIDENT_CELLS},
                 sources, claims, victims)


def next_code(prefix: str = "RQ") -> str:
    """A free incident code following the highest ``<prefix><number>`` in use."""
    numbers = [int(c[len(prefix):]) for c in models.Incident.objects.filter(
        code__startswith=prefix).values_list("code", flat=True) if c[len(prefix):].isdigit()]
    number = max(numbers, default=0) + 1
    while models.Incident.objects.filter(code=f"{prefix}{number:04d}").exists():
        number += 1
    return f"{prefix}{number:04d}"


# -- checking -------------------------------------------------------------------------------

class _Check:
    """Collects problems by part and field."""

    def __init__(self) -> None:
        self.errors: Errors = {}

    def add(self, part: str, index: int, column: str | None, reason: str) -> None:
        fields = self.errors.setdefault((part, index), {})
        fields.setdefault(column or NON_FIELD, []).append(reason)

    def read(self, part: str, index: int, kind: str, cells: Mapping[str, str],
             columns: Mapping[str, str] | None = None) -> Any:
        """Build a record from import-format cells with the import's own rules."""
        schema, build = SCHEMAS[kind]
        problems: list[Problem] = []
        reader = RowReader(Row(Origin(part, index + 1, unit="row"),
                               {k: v for k, v in cells.items() if v and v.strip()}),
                           schema, problems)
        record = build(reader)
        unreadable = {p.column for p in problems if p.reason != _PAIRED}
        for problem in problems:
            if problem.reason == _PAIRED and unreadable & {"latitude", "longitude"}:
                continue  # the coordinate that could not be read is the problem to fix
            column = (columns or {}).get(problem.column or "", problem.column)
            self.add(part, index, column, problem.reason)
        return None if problems else record


def _key_problem(key: str) -> str | None:
    return None if KEY.fullmatch(key) else f"{key!r} cannot be a key: {KEY_RULE}"


def _free_key(stem: str, taken: set[str], model: type[models.Source] | type[models.Victim]) -> str:
    number = 1
    while True:
        key = f"{stem}{number:02d}"
        if key not in taken and not model.objects.filter(key=key).exists():
            taken.add(key)
            return key
        number += 1


@dataclass(slots=True)
class _Plan:
    """What a checked draft will write."""

    code: str
    incident: models.Incident | None
    incident_fields: dict[str, Any]
    incident_cells: list[str]
    sources: list[tuple[Any, models.Source | None, list[str]]] = field(default_factory=list)
    claims: list[tuple[Any, models.Claim | None, list[str]]] = field(default_factory=list)
    victims: list[tuple[Any, models.Victim | None, list[str]]] = field(default_factory=list)
    remove_claims: list[models.Claim] = field(default_factory=list)
    remove_victims: list[models.Victim] = field(default_factory=list)


def _check(draft: Draft, code: str | None) -> _Plan:
    check = _Check()
    cells = {k: (draft.incident.get(k) or "").strip() for k in INCIDENT_CELLS}
    incident: models.Incident | None = None
    if code is not None:
        incident = models.Incident.objects.filter(code=code).first()
        if incident is None:
            raise NotFound(f"no incident with code {code!r}")
        cells["code"] = code
    else:
        code = cells["code"]
        problem = _key_problem(code) if code else None
        if problem:
            check.add("incident", 0, "code", problem)
        elif code and models.Incident.objects.filter(code=code).exists():
            check.add("incident", 0, "code", f"there is already an incident {code}; open it to "
                                             "edit it, or choose another code")
    record = check.read("incident", 0, "incidents", cells)
    fields: dict[str, Any] = mapping.incident_fields(record) if record is not None else {}
    if record is not None:
        fields["previous_codes"] = list(incident.previous_codes) if incident else []
    plan = _Plan(code, incident, fields, sorted(k for k, v in cells.items() if v))

    # Sources: those on the page, then the store, answer the references of claims and victims.
    page_sources: set[str] = set()
    taken_sources: set[str] = {p.existing or p.cells.get("source_id", "").strip()
                               for p in draft.sources}
    for index, part in enumerate(draft.sources):
        given = {k: v for k, v in part.cells.items() if k in SOURCE_CELLS}
        stored: models.Source | None = None
        if part.existing:
            stored = models.Source.objects.filter(key=part.existing).first()
            if stored is None:
                check.add("sources", index, NON_FIELD, f"source {part.existing!r} no longer exists")
                continue
            base = {k: str(v) for k, v in mapping.source_row(stored, []).items()
                    if k in SOURCE_CELLS}
            source_cells = {**base, **given, "source_id": stored.key}
        else:
            source_cells = dict(given)
            key = source_cells.get("source_id", "").strip()
            if not key:
                key = _free_key(f"{code or 'NEW'}-S", taken_sources, models.Source)
            elif (problem := _key_problem(key)) is not None:
                check.add("sources", index, "source_id", problem)
            elif key in page_sources or models.Source.objects.filter(key=key).exists():
                check.add("sources", index, "source_id",
                          f"there is already a source {key}; cite it by its key in a claim or "
                          "a victim's sources instead of adding it again")
            source_cells["source_id"] = key
            if not source_cells.get("public", "").strip() and source_cells.get("kind"):
                # An interview is confidential unless published deliberately.
                try:
                    kind = SourceKind(SourceKind.parse(source_cells["kind"]))
                    source_cells["public"] = "yes" if kind.public_by_default else "no"
                except ValueError:
                    pass
        page_sources.add(source_cells["source_id"])
        built = check.read("sources", index, "sources", source_cells)
        if built is not None:
            plan.sources.append((built, stored, sorted(k for k, v in given.items() if v)))

    def known_source(key: str) -> bool:
        return key in page_sources or models.Source.objects.filter(key=key).exists()

    existing_claims = ({c.source.key: c for c in incident.claims.select_related("source")}
                       if incident else {})
    claimed: set[str] = set()
    for index, part in enumerate(draft.claims):
        claim_cells = dict(part.cells)
        stored_claim: models.Claim | None = None
        if part.existing:
            stored_claim = existing_claims.get(part.existing)
            if stored_claim is None:
                check.add("claims", index, NON_FIELD,
                          f"{code} has no claim from source {part.existing!r}")
                continue
            claim_cells["source"] = part.existing
            if part.remove:
                plan.remove_claims.append(stored_claim)
                continue
        elif part.remove:
            continue
        source = claim_cells.get("source", "").strip()
        if source and not known_source(source):
            check.add("claims", index, "source", f"no source {source!r}: add it under Sources "
                                                 "or give the key of a source in the record")
        elif source in claimed or (not part.existing and source in existing_claims):
            check.add("claims", index, "source",
                      f"{code} already has a claim from {source}; one claim per source")
        claimed.add(source)
        claim_cells["incident"] = code
        built = check.read("claims", index, "claims", claim_cells)
        if built is not None:
            plan.claims.append((built, stored_claim, sorted(k for k, v in part.cells.items() if v)))

    existing_victims = {v.key: v for v in incident.victims.all()} if incident else {}
    taken_victims: set[str] = {p.existing or p.cells.get("victim_id", "").strip()
                               for p in draft.victims}
    for index, part in enumerate(draft.victims):
        victim_cells = {k: v for k, v in part.cells.items() if k in VICTIM_CELLS}
        stored_victim: models.Victim | None = None
        if part.existing:
            stored_victim = existing_victims.get(part.existing)
            if stored_victim is None:
                check.add("victims", index, NON_FIELD,
                          f"{code} has no victim record {part.existing!r}")
                continue
            if part.remove:
                plan.remove_victims.append(stored_victim)
                continue
            victim_cells["victim_id"] = stored_victim.key
        elif part.remove:
            continue
        else:
            key = victim_cells.get("victim_id", "").strip()
            if not key:
                key = _free_key(f"{code or 'NEW'}-V", taken_victims, models.Victim)
            elif (problem := _key_problem(key)) is not None:
                check.add("victims", index, "victim_id", problem)
            elif models.Victim.objects.filter(key=key).exists() or sum(
                    1 for p in draft.victims if not p.existing
                    and p.cells.get("victim_id", "").strip() == key) > 1:
                check.add("victims", index, "victim_id", f"there is already a victim record {key}")
            victim_cells["victim_id"] = key
        described = any(victim_cells.get(k, "").strip() for k in ("name", "name_ar", "relation"))
        if not part.existing and not described:
            check.add("victims", index, "name", "give a name (in either script) or describe "
                                                "the person under relation")
        for key in (k.strip() for k in victim_cells.get("sources", "").split(";")):
            if key and not known_source(key):
                check.add("victims", index, "sources", f"no source {key!r}")
        victim_cells["incident"] = code
        built = check.read("victims", index, "victims", victim_cells)
        if built is not None:
            plan.victims.append((built, stored_victim, sorted(k for k, v in part.cells.items() if v)))

    if check.errors:
        raise EditRejected(check.errors)
    return plan


# -- writing --------------------------------------------------------------------------------

def _assign(row: Any, values: Mapping[str, Any]) -> list[str]:
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    return changed


def save_incident(draft: Draft, *, code: str | None = None, actor: str) -> Saved:
    """Create an incident (``code`` None: the draft gives it) or change incident ``code``,
    with the draft's sources, claims and victims, in one transaction. Raises
    :class:`EditRejected` with every problem, and writes nothing, when anything is wrong.
    The caller checks the permission (``edit_records``) first."""
    plan = _check(draft, code)
    changes: list[str] = []

    def note(action: str, target: str, details: dict[str, Any]) -> None:
        audit.record(action, actor=actor, target=target,
                     details={"incident": plan.code, **details})
        changes.append(f"{action} {target}")

    try:
        with transaction.atomic():
            created = plan.incident is None
            if plan.incident is None:
                incident = models.Incident.objects.create(**plan.incident_fields)
                note("incident.add", f"incident:{plan.code}", {"fields": plan.incident_cells})
            else:
                incident = models.Incident.objects.select_for_update().get(pk=plan.incident.pk)
                changed = _assign(incident, plan.incident_fields)
                if changed:
                    incident.save()
                    note("incident.edit", f"incident:{plan.code}", {"fields": sorted(changed)})

            source_ids: dict[str, int] = {}
            for record, stored_source, given in plan.sources:
                values = mapping.source_fields(record)
                if stored_source is None:
                    source = models.Source.objects.create(**values)
                    note("source.add", f"source:{record.key}", {"fields": given})
                else:
                    source = models.Source.objects.select_for_update().get(pk=stored_source.pk)
                    changed = _assign(source, values)
                    if changed:
                        source.save()
                        note("source.edit", f"source:{record.key}", {"fields": sorted(changed)})
                source_ids[record.key] = source.pk

            def source_id(key: str) -> int:
                if key not in source_ids:
                    source_ids[key] = models.Source.objects.get(key=key).pk
                return source_ids[key]

            for claim in plan.remove_claims:
                claim.delete()
                note("claim.remove", f"claim:{plan.code}/{claim.source.key}", {})
            for record, stored_claim, given in plan.claims:
                values = mapping.claim_fields(record)
                target = f"claim:{plan.code}/{record.source_key}"
                if stored_claim is None:
                    models.Claim.objects.create(incident=incident,
                                                source_id=source_id(record.source_key), **values)
                    note("claim.add", target, {"fields": given})
                else:
                    changed = _assign(stored_claim, values)
                    if changed:
                        stored_claim.save()
                        note("claim.edit", target, {"fields": sorted(changed)})

            for victim in plan.remove_victims:
                victim.delete()
                note("victim.remove", f"victim:{victim.key}", {})
            for record, stored_victim, given in plan.victims:
                values = mapping.victim_fields(record)
                wanted = sorted(set(record.source_keys))
                target = f"victim:{record.key}"
                if stored_victim is None:
                    victim = models.Victim.objects.create(incident=incident, **values)
                    victim.sources.set([source_id(k) for k in wanted])
                    note("victim.add", target, {"fields": given})
                else:
                    victim = stored_victim
                    changed = _assign(victim, values)
                    if changed:
                        victim.save()
                    if sorted(s.key for s in victim.sources.all()) != wanted:
                        victim.sources.set([source_id(k) for k in wanted])
                        changed.append("sources")
                    if changed:
                        note("victim.edit", target, {"fields": sorted(changed)})
    except IntegrityError:
        # Someone else took a code or key between the check and the write.
        raise EditRejected({("incident", 0): {NON_FIELD: [
            "another change took one of these codes or keys just now; nothing was saved, "
            "check the keys and save again"]}}) from None
    return Saved(plan.code, created, tuple(changes))


# -- incidents like one being typed ----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Similar:
    code: str
    date: str
    place: str
    place_ar: str
    days_apart: int
    distance_m: float | None
    same_place_name: bool
    shared_victims: int
    score: float


def _folded(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def similar_incidents(date: str, place: str = "", latitude: float | None = None,
                      longitude: float | None = None, precision: str = "",
                      names: Iterable[str] = (), exclude: str = "", days: int = 1,
                      limit: int = 8) -> list[Similar]:
    """Incidents that may be the one being typed: within ``days`` of its date, and placed
    within the larger of the two uncertainty radii of it, or named alike, or naming one of
    the same victims. Best first. A date that cannot be read finds nothing."""
    try:
        window = DateWindow.parse(date)
    except ValueError:
        return []
    try:
        rung = GeoPrecision(GeoPrecision.parse(precision)) if precision.strip() else None
    except ValueError:
        rung = None
    if latitude is not None and rung is None:
        rung = GeoPrecision.CITY
    radius = precision_radius_m(rung)
    wanted_place = _folded(place)
    drafted = [NamedVictim((n.strip(),)) for n in names if n and n.strip()]
    found: list[Similar] = []
    candidates = models.Incident.objects.filter(
        date_start__lte=window.end + timedelta(days=days),
        date_end__gte=window.start - timedelta(days=days)).exclude(code=exclude)
    for incident in candidates.prefetch_related("victims")[:2000]:
        apart = max(0, (incident.date_start - window.end).days,
                    (window.start - incident.date_end).days)
        distance = None
        near = False
        if latitude is not None and longitude is not None and incident.latitude is not None \
                and incident.longitude is not None:
            distance = haversine_m(latitude, longitude, incident.latitude, incident.longitude)
            theirs = precision_radius_m(
                GeoPrecision(incident.geo_precision) if incident.geo_precision else None)
            near = distance <= max(radius, theirs)
        same_name = bool(wanted_place) and wanted_place in {
            _folded(incident.place), _folded(incident.place_ar), _folded(incident.neighbourhood)}
        shared = 0
        if drafted:
            theirs_named = [NamedVictim(tuple(n for n in (v.name, v.name_ar) if n))
                            for v in incident.victims.all()]
            shared = sum(1 for d in drafted if any(same_person(d, t) for t in theirs_named))
        if not (near or same_name or shared):
            continue
        score = 0.3 if apart == 0 else 0.15
        if distance is not None and near:
            score += 0.3 if distance <= PRECISE_RADIUS_M else 0.3 * max(0.0, 1 - distance / max(
                radius, 1.0)) + 0.05
        if same_name:
            score += 0.2
        if shared:
            score += min(0.4, 0.25 + 0.05 * shared)
        found.append(Similar(incident.code, str(mapping.window_of(incident)), incident.place,
                             incident.place_ar, apart, distance, same_name, shared,
                             round(min(score, 1.0), 2)))
    found.sort(key=lambda s: (-s.score, s.code))
    return found[:limit]


# -- history --------------------------------------------------------------------------------

def incident_history(code: str, limit: int = 500) -> list[audit.AuditLine]:
    """Every audit entry about incident ``code`` and its parts, newest first: the incident's
    own, its claims', its victims' and its sources' (and their evidence files'), and those
    of parts since removed. Witness entries are left out (their pages keep them)."""
    incident = models.Incident.objects.filter(code=code).first()
    targets = {f"incident:{code}"}
    if incident is not None:
        targets |= {f"incident:{c}" for c in incident.previous_codes}
        targets |= {f"victim:{k}" for k in incident.victims.values_list("key", flat=True)}
        sources = incident_sources(incident)
        targets |= {f"source:{s.key}" for s in sources}
        targets |= {f"evidence:{sha}" for sha in models.EvidenceFile.objects.filter(
            sources__in=sources).values_list("sha256", flat=True)}
    query = models.AuditEntry.objects.filter(
        Q(target__in=targets) | Q(target__startswith=f"claim:{code}/")
        | Q(details__contains=f'"incident":"{code}"')).exclude(
        target__startswith="witness:").order_by("-id")[:limit]
    lines = []
    for row in query:
        line = _as_line(row)
        if line.target in targets or line.target.startswith(f"claim:{code}/") \
                or line.details.get("incident") == code:
            lines.append(line)
    return lines


RECORD_TARGETS = ("incident:", "source:", "claim:", "victim:", "evidence:")


def recent_changes(limit: int = 15) -> list[audit.AuditLine]:
    """The newest entries about records (incidents and their parts, evidence), newest first:
    not sign-ins, accounts or witnesses."""
    matches = Q()
    for prefix in RECORD_TARGETS:
        matches |= Q(target__startswith=prefix)
    return [_as_line(row) for row in
            models.AuditEntry.objects.filter(matches).order_by("-id")[:limit]]


def _as_line(row: models.AuditEntry) -> audit.AuditLine:
    return audit.AuditLine(id=row.id, at=row.at, actor=row.actor, action=row.action,
                           target=row.target, details=json.loads(row.details or "{}"),
                           entry_hash=row.entry_hash)
