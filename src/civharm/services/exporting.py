"""Public exports. Built from an allow-list: only what is meant to be published leaves.

Witnesses are never exported, and neither are sources marked not public (such
as interviews) nor the claims that rest on them. CSV and JSON exports import
back into civharm unchanged.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from civharm import __version__
from civharm.ingest.schemas import SCHEMAS
from civharm.services import audit, mapping
from civharm.services.errors import UserError
from civharm.services.figures import civilian_deaths_by_incident, current_grades
from civharm.services.flags import is_simulated
from civharm.store import models

FORMATS = ("csv", "json", "geojson")
SIMULATED_LABEL = "SIMULATED DATA"
CSV_PREFIX = "SIMULATED-DATA_"


def public_tables() -> dict[str, list[dict[str, Any]]]:
    """Every public record in import format, kind by kind."""
    latest: dict[int, models.Assessment] = {}
    for assessment in models.Assessment.objects.order_by("incident_id", "assessed_at", "id"):
        latest[assessment.incident_id] = assessment
    incidents = {i.pk: i for i in models.Incident.objects.all()}
    codes = {pk: i.code for pk, i in incidents.items()}
    public_sources = list(models.Source.objects.filter(public=True).prefetch_related("evidence"))
    public_keys = {s.pk: s.key for s in public_sources}
    return {
        "incidents": [mapping.incident_row(i, latest.get(pk)) for pk, i in incidents.items()],
        "sources": [
            mapping.source_row(s, sorted(e.sha256 for e in s.evidence.all()))
            for s in public_sources
        ],
        "claims": [
            mapping.claim_row(c, codes[c.incident_id], public_keys[c.source_id])
            for c in models.Claim.objects.filter(source__public=True)
        ],
        "victims": [
            mapping.victim_row(
                v, codes[v.incident_id],
                sorted(public_keys[s.pk] for s in v.sources.all() if s.pk in public_keys),
            )
            for v in models.Victim.objects.prefetch_related("sources")
        ],
        "verdicts": [
            mapping.verdict_row(v, codes[v.incident_id])
            for v in models.BelligerentInvolvement.objects.all()
        ],
        "declared_strikes": [
            mapping.declared_strike_row(s) for s in models.DeclaredStrike.objects.all()
        ],
    }


@contextmanager
def _atomic_file(path: Path) -> Iterator[IO[str]]:
    """Write beside the target and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, then renamed)
        "w", encoding="utf-8", newline="", dir=path.parent, prefix=f".{path.name}.",
        delete=False,
    )
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def export(fmt: str, out: Path, actor: str | None = None) -> list[Path]:
    """Write the public data as ``fmt`` to ``out``; returns the files written.

    Once written, an audit entry records the format, the file names (never the folders
    they went to) and how many rows of each kind left."""
    if fmt not in FORMATS:
        raise UserError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    simulated = is_simulated()
    rows: dict[str, int] = {}
    if fmt == "csv":
        written = _export_csv(out, simulated, rows)
    elif fmt == "json":
        document: dict[str, Any] = {"civharm": {"format": 1, "version": __version__}}
        if simulated:
            document["simulated"] = SIMULATED_LABEL
        tables = public_tables()
        rows.update({kind: len(found) for kind, found in tables.items()})
        document.update(tables)
        with _atomic_file(out) as handle:
            json.dump(document, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
        written = [out]
    else:
        collection = _geojson(simulated)
        rows["incidents"] = len(collection["features"])
        with _atomic_file(out) as handle:
            json.dump(collection, handle, ensure_ascii=False)
            handle.write("\n")
        written = [out]
    audit.record("export.write", actor=audit.acting(actor), target=f"export:{out.name}",
                 details={"format": fmt, "path": out.name,
                          "files": [path.name for path in written], "rows": rows,
                          "simulated": simulated})
    return written


def _export_csv(out: Path, simulated: bool, counted: dict[str, int]) -> list[Path]:
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file; CSV export writes a folder of files")
    written = []
    prefix = CSV_PREFIX if simulated else ""
    for kind, rows in public_tables().items():
        counted[kind] = len(rows)
        schema, _ = SCHEMAS[kind]
        columns = list(rows[0]) if rows else list(schema)
        path = out / f"{prefix}{kind}.csv"
        with _atomic_file(path) as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    if simulated:
        notice = out / "SIMULATED-DATA.txt"
        with _atomic_file(notice) as handle:
            handle.write(
                f"{SIMULATED_LABEL}: every file in this folder was generated by civharm's "
                "simulator. None of it describes real people or events.\n"
            )
        written.append(notice)
    return written


def _geojson(simulated: bool) -> dict[str, Any]:
    grades = current_grades()
    deaths = civilian_deaths_by_incident()
    features = []
    for incident in models.Incident.objects.exclude(latitude__isnull=True):
        killed = deaths.get(incident.pk)
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [incident.longitude, incident.latitude]},
            "properties": {
                "code": incident.code,
                "date": str(mapping.window_of(incident)),
                "place": incident.place,
                "place_ar": incident.place_ar,
                "neighbourhood": incident.neighbourhood,
                "geo_precision": incident.geo_precision,
                "strike_type": incident.strike_type,
                "grade": grades.get(incident.pk, ""),
                "civilians_killed_min": killed.low if killed else None,
                "civilians_killed_max": killed.high if killed else None,
                **({"simulated": SIMULATED_LABEL} if simulated else {}),
            },
        })
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if simulated:
        collection["simulated"] = SIMULATED_LABEL
        collection["name"] = f"civharm incidents ({SIMULATED_LABEL})"
    return collection
