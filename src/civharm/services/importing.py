"""Bring import files into the store: validate everything first, then write all or nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from civharm.domain.records import IncidentRecord
from civharm.ingest import Problem, parse_file
from civharm.ingest.reader import Located, ParsedFile
from civharm.services import audit, mapping
from civharm.services.errors import ImportRejected
from civharm.services.flags import mark_simulated
from civharm.services.progress import Progress, silent
from civharm.services.upsert import insert_rows, upsert
from civharm.simulation import MARKER as SIMULATION_MARKER
from civharm.store import models

ORDER = ("incidents", "sources", "claims", "victims", "verdicts", "declared_strikes")
# Sources that a sheet implies (the Airwars-style sheet's own figures): created when
# missing, never allowed to overwrite a source of the same key.
IMPLIED = "sheet_sources"


@dataclass(slots=True)
class ImportReport:
    files: list[str] = field(default_factory=list)
    rows: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    assessments_added: int = 0

    @property
    def changed(self) -> int:
        return sum(c["created"] + c["updated"] for c in self.counts.values()) + (
            self.assessments_added
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_files(
    paths: Sequence[Path], kind: str | None = None, progress: Progress = silent,
    actor: str | None = None,
) -> ImportReport:
    """Validate every row of every file, then write them in one transaction.

    Files may refer to each other (claims to incidents in another file). If any
    file has any problem, nothing is written and ImportRejected lists them all.
    Each file that wrote something gets one audit entry naming its SHA-256: the hash
    says exactly what was written, so rows get no entries of their own.
    """
    parsed: list[ParsedFile] = []
    problems: list[Problem] = []
    for number, path in enumerate(paths, start=1):
        progress("reading", number - 1, len(paths))
        found = parse_file(path, kind)
        parsed.append(found)
        problems.extend(found.problems)
    progress("reading", len(paths), len(paths))
    merged = _merge(parsed, problems)
    # References are checked even when rows failed, so one pass reports every problem.
    problems.extend(_check_references(merged))
    if problems:
        raise ImportRejected(problems)
    report = ImportReport(files=[p.display for p in parsed], rows=sum(p.rows for p in parsed))
    digests = {p.display: file_sha256(p.path) for p in parsed}
    with transaction.atomic():
        known = set(models.ImportBatch.objects.filter(sha256__in=digests.values())
                    .values_list("sha256", flat=True))
        store_records(merged, report, progress, digests)
        # Files from the simulator's folders carry its label into the database.
        simulated = any((path.parent / SIMULATION_MARKER).is_file() for path in paths)
        if simulated:
            mark_simulated()
        _audit_files(parsed, digests, known, report, audit.acting(actor), simulated)
    return report


def _audit_files(parsed: list[ParsedFile], digests: dict[str, str], known: set[str],
                 report: ImportReport, actor: str, simulated: bool) -> None:
    """One entry per file that wrote something (the same files the batch log keeps).

    Counts are kept per kind by the writer, not per file: when one import brings several
    files holding the same kind, each of them carries that kind's counts for the import,
    and the files of one import share its ``import`` hash (of their sorted SHA-256s)."""
    batch = hashlib.sha256("".join(sorted(digests.values())).encode("ascii")).hexdigest()
    for found in parsed:
        digest = digests[found.display]
        if not report.changed and digest in known:
            continue
        rows = {k: len(found.of(k)) for k in (*ORDER, IMPLIED) if found.of(k)}
        counted = {"sources" if k == IMPLIED else k for k in rows}
        details: dict[str, Any] = {
            "file": Path(found.display).name,
            "sha256": digest,
            "kind": "+".join(rows) or "empty",
            "rows": rows,
            "counts": {k: v for k, v in report.counts.items() if k in counted},
        }
        if report.assessments_added and "incidents" in rows:
            details["assessments_added"] = report.assessments_added
        if len(digests) > 1:
            details["files_in_import"] = len(digests)
            details["import"] = batch
        if simulated:
            details["simulated"] = True
        audit.record("import.file", actor=actor, target=f"import:{digest}", details=details)


def store_records(
    merged: dict[str, list[Located]],
    report: ImportReport | None = None,
    progress: Progress = silent,
    digests: dict[str, str] | None = None,
) -> ImportReport:
    """Check references against the store, then write. Raises ImportRejected."""
    for kind in (*ORDER, IMPLIED):
        merged.setdefault(kind, [])
    problems = _check_references(merged)
    if problems:
        raise ImportRejected(problems)
    report = report or ImportReport()
    _write(merged, report, progress, digests or {})
    return report


def _merge(parsed: list[ParsedFile], problems: list[Problem]) -> dict[str, list[Located]]:
    """All files' records by kind; the same key in two files is a conflict unless identical."""
    merged: dict[str, list[Located]] = {k: [] for k in (*ORDER, IMPLIED)}
    for kind in (*ORDER, IMPLIED):
        seen: dict[object, Located] = {}
        for found in parsed:
            for item in found.of(kind):
                key = item.record.key
                earlier = seen.get(key)
                if earlier is None:
                    seen[key] = item
                    merged[kind].append(item)
                elif earlier.record != item.record and kind != IMPLIED:
                    problems.append(
                        Problem.at(item.origin, None,
                                   f"conflicts with {earlier.origin} for the same {kind[:-1]}")
                    )
    return merged


def _check_references(merged: dict[str, list[Located]]) -> list[Problem]:
    problems: list[Problem] = []
    incidents = {i.record.code for i in merged["incidents"]}
    sources = {s.record.key for s in merged["sources"]} | {
        s.record.key for s in merged[IMPLIED]}
    wanted_incidents = {
        i.record.incident_code for kind in ("claims", "victims", "verdicts") for i in merged[kind]
    } - incidents
    wanted_sources = {c.record.source_key for c in merged["claims"]} | {
        k for v in merged["victims"] for k in v.record.source_keys
    }
    wanted_sources -= sources
    incidents |= set(
        models.Incident.objects.filter(code__in=wanted_incidents).values_list("code", flat=True)
    )
    sources |= set(
        models.Source.objects.filter(key__in=wanted_sources).values_list("key", flat=True)
    )
    for kind, column in (("claims", "incident"), ("victims", "incident"), ("verdicts", "incident")):
        for item in merged[kind]:
            if item.record.incident_code not in incidents:
                problems.append(Problem.at(item.origin, column,
                                f"no incident {item.record.incident_code!r} in the database or these files"))
    for item in merged["claims"]:
        if item.record.source_key not in sources:
            problems.append(Problem.at(item.origin, "source",
                            f"no source {item.record.source_key!r} in the database or these files"))
    for item in merged["victims"]:
        missing = [k for k in item.record.source_keys if k not in sources]
        if missing:
            problems.append(Problem.at(item.origin, "sources",
                            f"no source {', '.join(map(repr, missing))} in the database or these files"))
    return problems


def _write(
    merged: dict[str, list[Located]],
    report: ImportReport,
    progress: Progress,
    digests: dict[str, str],
) -> None:
    total = sum(len(v) for v in merged.values())
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress("writing", done, total)

    with transaction.atomic():
        incidents = [item.record for item in merged["incidents"]]
        result = upsert(models.Incident, ("code",), [mapping.incident_fields(r) for r in incidents], tick)
        report.counts["incidents"] = result.counts()
        incident_ids = {k[0]: v for k, v in result.ids.items()}
        missing = {
            i.record.incident_code for k in ("claims", "victims", "verdicts") for i in merged[k]
        } - incident_ids.keys()
        incident_ids.update(
            models.Incident.objects.filter(code__in=missing).values_list("code", "id")
        )
        report.assessments_added = _record_assessments(incidents, incident_ids)

        given = {i.record.key for i in merged["sources"]}
        implied = [i for i in merged[IMPLIED] if i.record.key not in given]
        taken = set(models.Source.objects.filter(key__in=[i.record.key for i in implied])
                    .values_list("key", flat=True))
        sources = merged["sources"] + [i for i in implied if i.record.key not in taken]
        result = upsert(models.Source, ("key",),
                        [mapping.source_fields(i.record) for i in sources], tick)
        report.counts["sources"] = result.counts()
        source_ids = {k[0]: v for k, v in result.ids.items()}
        needed = {i.record.source_key for i in merged["claims"]} | {
            k for i in merged["victims"] for k in i.record.source_keys
        }
        source_ids.update(
            models.Source.objects.filter(key__in=needed - source_ids.keys()).values_list("key", "id")
        )
        _link_evidence([i.record for i in sources], source_ids)

        claims = [
            {"incident_id": incident_ids[r.incident_code], "source_id": source_ids[r.source_key],
             **mapping.claim_fields(r)}
            for r in (i.record for i in merged["claims"])
        ]
        report.counts["claims"] = upsert(
            models.Claim, ("incident_id", "source_id"), claims, tick).counts()

        victims = [i.record for i in merged["victims"]]
        result = upsert(
            models.Victim, ("key",),
            [{"incident_id": incident_ids[r.incident_code], **mapping.victim_fields(r)} for r in victims],
            tick,
        )
        report.counts["victims"] = result.counts()
        _link_victim_sources(victims, {k[0]: v for k, v in result.ids.items()}, source_ids)

        verdicts = [
            {"incident_id": incident_ids[r.incident_code], **mapping.verdict_fields(r)}
            for r in (i.record for i in merged["verdicts"])
        ]
        report.counts["verdicts"] = upsert(
            models.BelligerentInvolvement, ("incident_id", "belligerent"), verdicts, tick).counts()

        strikes = [mapping.declared_strike_fields(i.record) for i in merged["declared_strikes"]]
        report.counts["declared_strikes"] = upsert(
            models.DeclaredStrike, ("key",), strikes, tick).counts()
        report.counts = {k: v for k, v in report.counts.items() if any(v.values())}
        # The batch log lives in the same transaction: a logged file is a written file.
        known = set(models.ImportBatch.objects.filter(sha256__in=digests.values())
                    .values_list("sha256", flat=True))
        for name, digest in digests.items():
            if report.changed or digest not in known:
                models.ImportBatch.objects.create(
                    sha256=digest, file_name=name, counts=report.counts)


def _record_assessments(incidents: list[IncidentRecord], ids: dict[str, int]) -> int:
    """Add an assessment where a file's grade differs from the current one; keep history."""
    graded = [r for r in incidents if r.grade is not None]
    if not graded:
        return 0
    current: dict[int, tuple[str, str, str]] = {}
    for row in models.Assessment.objects.filter(incident_id__in=[ids[r.code] for r in graded]) \
            .order_by("incident_id", "assessed_at", "id") \
            .values("incident_id", "grade", "strike_status", "reason"):
        current[row["incident_id"]] = (row["grade"], row["strike_status"], row["reason"])
    new = []
    for record in graded:
        assert record.grade is not None
        wanted = (
            record.grade.value,
            record.strike_status.value if record.strike_status else "",
            record.grade_reason,
        )
        if current.get(ids[record.code]) != wanted:
            new.append(models.Assessment(
                incident_id=ids[record.code], grade=wanted[0], strike_status=wanted[1],
                reason=wanted[2], assessed_by=record.assessed_by or "import",
            ))
    models.Assessment.objects.bulk_create(new, batch_size=500)
    return len(new)


def _link_evidence(sources: list[Any], source_ids: dict[str, int]) -> None:
    digests = {d for s in sources for d in s.evidence_sha256}
    if not digests:
        return
    known = dict(models.EvidenceFile.objects.filter(sha256__in=digests).values_list("sha256", "id"))
    models.EvidenceFile.objects.bulk_create(
        [models.EvidenceFile(sha256=d) for d in sorted(digests - known.keys())])
    known = dict(models.EvidenceFile.objects.filter(sha256__in=digests).values_list("sha256", "id"))
    through = models.Source.evidence.through
    wanted = {(source_ids[s.key], known[d]) for s in sources for d in s.evidence_sha256}
    have = set(through.objects.filter(source_id__in={w[0] for w in wanted})
               .values_list("source_id", "evidencefile_id"))
    through.objects.bulk_create(
        [through(source_id=s, evidencefile_id=e) for s, e in sorted(wanted - have)])


def _link_victim_sources(
    victims: list[Any], victim_ids: dict[str, int], source_ids: dict[str, int]
) -> None:
    """Make each victim's sources exactly those the file names."""
    through = models.Victim.sources.through
    wanted = {(victim_ids[v.key], source_ids[k]) for v in victims for k in v.source_keys}
    ids = sorted({victim_ids[v.key] for v in victims})
    members = set(ids)
    have: set[tuple[int, int]] = set()
    # Ask for ranges of ids rather than lists of them: a list of thousands of ids costs
    # more to build into SQL than reading the few other victims' links in the range.
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        in_range = through.objects.filter(victim_id__gte=chunk[0], victim_id__lte=chunk[-1])
        have.update(
            pair for pair in in_range.values_list("victim_id", "source_id") if pair[0] in members
        )
    stale = have - wanted
    for victim_id, source_id in stale:
        through.objects.filter(victim_id=victim_id, source_id=source_id).delete()
    insert_rows(through, [{"victim_id": v, "source_id": s} for v, s in sorted(wanted - have)])
