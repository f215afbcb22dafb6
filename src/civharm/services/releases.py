"""Bring the belligerent's strike releases into the store as declared strikes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django.db import transaction

from civharm.analysis.strike_releases import ParsedRelease, StrikeLine
from civharm.domain.records import DeclaredStrikeRecord
from civharm.ingest.problems import Origin
from civharm.ingest.reader import Located
from civharm.services import audit
from civharm.services.errors import UserError
from civharm.services.importing import ImportReport, file_sha256, store_records


def declared_strike(line: StrikeLine, belligerent: str) -> DeclaredStrikeRecord:
    assert line.date is not None
    return DeclaredStrikeRecord(
        date=line.date,
        place=line.place,
        country=line.country,
        place_id=line.place_id or "",
        strikes=line.strikes,
        engagements=line.engagements,
        tactical_units=line.tactical_units,
        destroyed=tuple(sorted(line.destroyed.items())),
        belligerent=belligerent,
        text=line.text,
    )


def import_strike_lines(
    parsed: Sequence[tuple[Path, ParsedRelease]], belligerent: str, actor: str | None = None
) -> ImportReport:
    """Store every dated place line; refuse when any line has no date. Each release file
    gets an audit entry naming its SHA-256 when the lines wrote something."""
    undated = [f"{path.name}, line {line.line}" for path, release in parsed
               for line in release.lines if line.date is None]
    if undated:
        raise UserError(
            f"{len(undated)} strike line(s) have no date ({', '.join(undated[:3])}…); "
            "give --date or name the files YYYY-MM-DD.txt"
        )
    located = [
        Located(declared_strike(line, belligerent), Origin(path.name, line.line))
        for path, release in parsed for line in release.lines
    ]
    unique = list({item.record.key: item for item in located}.values())
    with transaction.atomic():
        report = store_records({"declared_strikes": unique})
        if report.changed:
            counts = report.counts.get("declared_strikes", {})
            who = audit.acting(actor)
            for path, release in parsed:
                digest = file_sha256(path)
                audit.record("import.strike_release", actor=who, target=f"import:{digest}",
                             details={"file": path.name, "sha256": digest,
                                      "kind": "strike_release", "belligerent": belligerent,
                                      "lines": len(release.lines), "counts": counts,
                                      "files_in_import": len(parsed)})
    return report
