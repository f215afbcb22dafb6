"""Bring a belligerent's civilian-casualty reports into the store and link their verdicts.

Every numbered entry is stored as a ReportedVerdict, linked or not. Linking is a separate
step over everything stored, so it can be run again after incidents are added or merged.
A linked entry sets the incident's BelligerentInvolvement: its assessment, the deaths and
injuries conceded, the MGRS reference and the statement. Linking never clears a verdict
that an earlier link set, and a "duplicate" never overwrites a credible or non-credible
verdict on the same incident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from civharm.analysis.civcas_reports import ParsedReport
from civharm.analysis.gazetteer import Gazetteer
from civharm.analysis.mgrs_grid import parse_mgrs
from civharm.analysis.strike_matching import precision_radius_m
from civharm.analysis.verdict_linking import ReportedVerdict, VerdictLink, link_verdicts
from civharm.domain.vocabulary import BelligerentAssessment, Involvement
from civharm.services import audit
from civharm.services.importing import file_sha256
from civharm.services.matching import incident_allegations
from civharm.store import models

_DECIDED = {BelligerentAssessment.CREDIBLE.value, BelligerentAssessment.NON_CREDIBLE.value}


@dataclass(slots=True)
class VerdictReport:
    entries: int = 0
    new_entries: int = 0
    linked: int = 0
    by_basis: dict[str, int] = field(default_factory=dict)
    unlinked: list[models.ReportedVerdict] = field(default_factory=list)
    verdicts_set: int = 0


def _status(text: str | None) -> str:
    if not text:
        return BelligerentAssessment.NOT_YET_ASSESSED.value
    return str(BelligerentAssessment.parse(text).value)


def store_reports(parsed: Sequence[tuple[Path, ParsedReport]], belligerent: str,
                  actor: str | None = None) -> int:
    """Store every entry of every report, and return how many were new; re-storing a
    report changes nothing. Each report file gets an audit entry naming its SHA-256."""
    new = 0
    with transaction.atomic():
        for path, report in parsed:
            before = new
            for entry in report.allegations:
                _, created = models.ReportedVerdict.objects.update_or_create(
                    belligerent=belligerent, report=path.name, line=entry.line,
                    defaults={
                        "number": entry.number, "date": entry.date, "place": entry.place,
                        "country": entry.country, "via": entry.via,
                        "status": _status(entry.status), "reason": entry.reason or "",
                        "killed": entry.killed, "injured": entry.injured,
                        "mgrs": entry.mgrs or "", "cited_code": entry.airwars_code or "",
                        "text": entry.text,
                    },
                )
                new += created
            digest = file_sha256(path)
            audit.record("import.civcas_report", actor=audit.acting(actor),
                         target=f"import:{digest}",
                         details={"file": path.name, "sha256": digest, "kind": "civcas_report",
                                  "belligerent": belligerent,
                                  "entries": len(report.allegations), "new": new - before})
    return new


def _placed(entry: models.ReportedVerdict, gazetteer: Gazetteer) -> ReportedVerdict:
    latitude = longitude = radius = None
    by_mgrs = False
    if entry.mgrs:
        try:
            point = parse_mgrs(entry.mgrs)
        except ValueError:
            point = None
        if point is not None:
            latitude, longitude, radius = point.latitude, point.longitude, float(point.precision_m)
            by_mgrs = True
    if latitude is None and entry.place:
        place = gazetteer.lookup(entry.place)
        if place is not None:
            latitude, longitude = place.latitude, place.longitude
            radius = precision_radius_m(place.precision)
    return ReportedVerdict(key=str(entry.pk), date=entry.date, cited_code=entry.cited_code or None,
                           latitude=latitude, longitude=longitude, radius_m=radius, by_mgrs=by_mgrs)


def _set_verdict(entry: models.ReportedVerdict, incident_id: int) -> bool:
    involvement, _ = models.BelligerentInvolvement.objects.get_or_create(
        incident_id=incident_id, belligerent=entry.belligerent)
    if entry.status == BelligerentAssessment.NOT_YET_ASSESSED.value:
        return False
    if entry.status == BelligerentAssessment.DUPLICATE.value and involvement.assessment in _DECIDED:
        return False
    involvement.assessment = entry.status
    if entry.status == BelligerentAssessment.CREDIBLE.value:
        involvement.involvement = Involvement.KNOWN.value
        involvement.deaths_conceded_min = involvement.deaths_conceded_max = entry.killed
        involvement.injuries_conceded_min = involvement.injuries_conceded_max = entry.injured
    if entry.mgrs:
        involvement.mgrs = entry.mgrs
        try:
            involvement.mgrs_accuracy_m = parse_mgrs(entry.mgrs).precision_m
        except ValueError:
            involvement.mgrs_accuracy_m = None
    involvement.statement = entry.text
    involvement.save()
    return True


def link_stored_verdicts(gazetteer: Gazetteer, days_tolerance: int = 1,
                         actor: str | None = None) -> VerdictReport:
    """Link every stored entry to an incident, and set the verdicts of the linked ones."""
    incidents, allegations = incident_allegations()
    ids = {incident.code: incident.pk for incident in incidents}
    previous = {old: incident.code for incident in incidents for old in incident.previous_codes}
    report = VerdictReport()
    entries = list(models.ReportedVerdict.objects.order_by("belligerent", "report", "line"))
    by_belligerent: dict[str, list[models.ReportedVerdict]] = {}
    for entry in entries:
        by_belligerent.setdefault(entry.belligerent, []).append(entry)
    with transaction.atomic():
        for group in by_belligerent.values():
            links = link_verdicts([_placed(e, gazetteer) for e in group], allegations,
                                  previous_codes=previous, days_tolerance=days_tolerance)
            for entry, link in zip(group, links, strict=True):
                _record_link(entry, link, ids, report)
        report.entries = len(entries)
        if entries:
            audit.record("verdicts.link", actor=audit.acting(actor), target="verdicts",
                         details={"entries": report.entries, "linked": report.linked,
                                  "by_basis": report.by_basis,
                                  "unlinked": len(report.unlinked),
                                  "verdicts_set": report.verdicts_set,
                                  "days_tolerance": days_tolerance})
    return report


def _record_link(entry: models.ReportedVerdict, link: VerdictLink, ids: dict[str, int],
                 report: VerdictReport) -> None:
    entry.incident_id = ids[link.incident_code] if link.incident_code else None
    entry.link_basis = link.basis
    entry.candidates = list(link.candidates)
    entry.save(update_fields=["incident", "link_basis", "candidates"])
    if link.incident_code is None:
        report.unlinked.append(entry)
        return
    report.linked += 1
    report.by_basis[link.basis] = report.by_basis.get(link.basis, 0) + 1
    report.verdicts_set += _set_verdict(entry, ids[link.incident_code])


def import_civcas_reports(parsed: Sequence[tuple[Path, ParsedReport]], belligerent: str,
                          gazetteer: Gazetteer, actor: str | None = None) -> VerdictReport:
    new = store_reports(parsed, belligerent, actor)
    report = link_stored_verdicts(gazetteer, actor=actor)
    report.new_entries = new
    return report
