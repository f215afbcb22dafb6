"""Validated records, one dataclass per kind of row a user can bring in.

The ingest layer turns file rows into these; the services write them. Each
record knows its natural key, which makes imports idempotent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, time

from civharm.domain.casualties import Casualties, Range
from civharm.domain.dates import DateWindow
from civharm.domain.vocabulary import (
    BelligerentAssessment,
    Fate,
    GeoPrecision,
    Grade,
    Involvement,
    Sex,
    SourceKind,
    StrikeStatus,
    StrikeType,
)


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    code: str
    window: DateWindow
    place: str
    place_ar: str = ""
    local_time: time | None = None
    neighbourhood: str = ""
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: GeoPrecision | None = None
    strike_type: StrikeType = StrikeType.UNKNOWN
    infrastructure: tuple[str, ...] = ()
    summary: str = ""
    summary_ar: str = ""
    previous_codes: tuple[str, ...] = ()
    grade: Grade | None = None
    strike_status: StrikeStatus | None = None
    grade_reason: str = ""
    assessed_by: str = ""

    @property
    def key(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class SourceRecord:
    key: str
    kind: SourceKind
    title: str = ""
    publisher: str = ""
    author: str = ""
    published_on: date | None = None
    language: str = ""
    url: str = ""
    original_text: str = ""
    translated_text: str = ""
    evidence_sha256: tuple[str, ...] = ()
    public: bool = True


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    incident_code: str
    source_key: str
    casualties: Casualties = field(default_factory=Casualties)
    belligerent_blamed: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.incident_code, self.source_key)


@dataclass(frozen=True, slots=True)
class VictimRecord:
    key: str
    incident_code: str
    name: str = ""
    name_ar: str = ""
    sex: Sex = Sex.UNKNOWN
    age: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    relation: str = ""
    fate: Fate = Fate.KILLED
    date_of_death: date | None = None
    source_keys: tuple[str, ...] = ()

    @property
    def is_named(self) -> bool:
        return bool(self.name.strip() or self.name_ar.strip())


@dataclass(frozen=True, slots=True)
class VerdictRecord:
    """One belligerent's involvement in, and own assessment of, one incident."""

    incident_code: str
    belligerent: str
    involvement: Involvement = Involvement.SUSPECTED
    assessment: BelligerentAssessment = BelligerentAssessment.NOT_YET_ASSESSED
    deaths_conceded: Range | None = None
    injuries_conceded: Range | None = None
    mgrs: str = ""
    mgrs_accuracy_m: int | None = None
    statement: str = ""
    assessed_on: date | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.incident_code, self.belligerent)


@dataclass(frozen=True, slots=True)
class DeclaredStrikeRecord:
    """One place line of a belligerent's strike release."""

    date: date
    place: str
    country: str = ""
    place_id: str = ""
    strikes: int | None = None
    engagements: int | None = None
    tactical_units: int | None = None
    destroyed: tuple[tuple[str, int], ...] = ()
    belligerent: str = ""
    text: str = ""

    @property
    def key(self) -> str:
        """A content hash: the same line of the same release is the same strike report."""
        canonical = json.dumps(
            [
                self.date.isoformat(),
                self.country,
                self.place,
                self.strikes,
                self.engagements,
                self.tactical_units,
                sorted(self.destroyed),
                self.belligerent,
                self.text,
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
