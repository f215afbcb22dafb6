"""The columns each kind of import file may have, and how a row becomes a record."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from civharm.domain.casualties import (
    CATEGORIES,
    OUTCOMES,
    Casualties,
    Range,
    casualty_columns,
    column_name,
)
from civharm.domain.records import (
    ClaimRecord,
    DeclaredStrikeRecord,
    IncidentRecord,
    SourceRecord,
    VerdictRecord,
    VictimRecord,
)
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
from civharm.ingest import cells
from civharm.ingest.problems import Problem
from civharm.ingest.tabular import Row

Record = (
    IncidentRecord
    | SourceRecord
    | ClaimRecord
    | VictimRecord
    | VerdictRecord
    | DeclaredStrikeRecord
)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    parse: cells.CellParser
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""


def _columns(*columns: Column) -> dict[str, Column]:
    return {c.name: c for c in columns}


INCIDENT_COLUMNS = _columns(
    Column("code", cells.text, True, ("incident", "incident_code", "unique_reference_code"),
           "Incident code, e.g. RQ0042"),
    Column("date", cells.window, True, (), "YYYY-MM-DD, YYYY-MM-DD/YYYY-MM-DD, YYYY-MM or YYYY"),
    Column("local_time", cells.clock, False, ("time",), "HH:MM, 24-hour local time"),
    Column("place", cells.text, True, ("location", "place_name"), "Place name, Latin script"),
    Column("place_ar", cells.text, False, ("place_name_ar", "location_ar"), "Place name, Arabic"),
    Column("neighbourhood", cells.text, False, ("neighborhood",), "Neighbourhood"),
    Column("latitude", cells.latitude, False, ("lat",), "Decimal degrees, WGS84"),
    Column("longitude", cells.longitude, False, ("lon", "lng"), "Decimal degrees, WGS84"),
    Column("geo_precision", cells.vocabulary(GeoPrecision), False,
           ("geolocation_precision", "precision"), "Geolocation precision ladder"),
    Column("strike_type", cells.vocabulary(StrikeType), False, (), "air, artillery, drone, unknown"),
    Column("infrastructure", cells.listing, False, ("affected_infrastructure",),
           "Affected infrastructure, ';' between items"),
    Column("summary", cells.text, False, (), "Summary, English"),
    Column("summary_ar", cells.text, False, (), "Summary, Arabic"),
    Column("previous_codes", cells.listing, False, (), "Codes before a merge or split"),
    Column("grade", cells.vocabulary(Grade), False, (), "confirmed, fair, weak, contested, discounted"),
    Column("strike_status", cells.vocabulary(StrikeStatus), False, (), "Strike status"),
    Column("grade_reason", cells.text, False, (), "Why this grade; required with a grade"),
    Column("assessed_by", cells.text, False, (), "Who graded"),
)

SOURCE_COLUMNS = _columns(
    Column("source_id", cells.text, True, ("source", "key", "id"), "Your key for the source"),
    Column("kind", cells.vocabulary(SourceKind), True, ("type",), "Source kind"),
    Column("title", cells.text),
    Column("publisher", cells.text),
    Column("author", cells.text),
    Column("published", cells.day, False, ("published_on", "date"), "YYYY-MM-DD"),
    Column("language", cells.text, False, ("lang",), "ISO 639-1 code: ar, en, …"),
    Column("url", cells.text),
    Column("original_text", cells.text, False, ("text",)),
    Column("translated_text", cells.text, False, ("translation",)),
    Column("evidence_sha256", cells.digests, False, ("evidence",),
           "SHA-256 of evidence files, ';' between them"),
    Column("public", cells.flag, False, (), "yes/no; interviews default to no"),
)

_CASUALTY_ALIASES = {
    "killed_civilians_min": ("killed_min", "civilians_killed_min", "civilian_deaths_min"),
    "killed_civilians_max": ("killed_max", "civilians_killed_max", "civilian_deaths_max"),
    "injured_civilians_min": ("injured_min", "civilians_injured_min", "civilian_injuries_min"),
    "injured_civilians_max": ("injured_max", "civilians_injured_max", "civilian_injuries_max"),
}

CASUALTY_COLUMNS = _columns(
    *(
        Column(
            column_name(o, c, b),
            cells.count,
            False,
            _CASUALTY_ALIASES.get(column_name(o, c, b), ()),
            f"{c.capitalize()} {o}, {'minimum' if b == 'min' else 'maximum'}",
        )
        for o, c, b in casualty_columns()
    )
)

CLAIM_COLUMNS = _columns(
    Column("incident", cells.text, True, ("incident_code", "code"), "Incident code"),
    Column("source", cells.text, True, ("source_id", "source_key"), "Source key"),
    Column("belligerent_blamed", cells.text, False, ("belligerent",), "Who the source blames"),
    *CASUALTY_COLUMNS.values(),
)

VICTIM_COLUMNS = _columns(
    Column("victim_id", cells.text, True, ("id", "key"), "Your key for this victim record"),
    Column("incident", cells.text, True, ("incident_code", "code"), "Incident code"),
    Column("name", cells.text, False, ("name_latin", "name_en"), "Name, Latin script"),
    Column("name_ar", cells.text, False, ("name_arabic",), "Name, Arabic script"),
    Column("sex", cells.vocabulary(Sex), False, ("gender",), "female, male, unknown"),
    Column("age", cells.count, False, (), "Age in years"),
    Column("age_min", cells.count, False, (), "Age band, lowest"),
    Column("age_max", cells.count, False, (), "Age band, highest"),
    Column("relation", cells.text, False, (), "e.g. 'nephew of V0012'"),
    Column("fate", cells.vocabulary(Fate), False, (), "killed, injured, missing"),
    Column("date_of_death", cells.day, False, ("died_on",), "YYYY-MM-DD"),
    Column("sources", cells.listing, False, ("source", "source_ids"), "Source keys, ';' between"),
)

VERDICT_COLUMNS = _columns(
    Column("incident", cells.text, True, ("incident_code", "code"), "Incident code"),
    Column("belligerent", cells.text, True, ("belligerent_name",), "e.g. US-led Coalition"),
    Column("involvement", cells.vocabulary(Involvement), False, (), "known or suspected"),
    Column("assessment", cells.vocabulary(BelligerentAssessment), False, ("verdict",),
           "The belligerent's own assessment"),
    Column("deaths_conceded_min", cells.count),
    Column("deaths_conceded_max", cells.count),
    Column("injuries_conceded_min", cells.count),
    Column("injuries_conceded_max", cells.count),
    Column("mgrs", cells.text, False, ("mgrs_grid",), "MGRS grid reference"),
    Column("mgrs_accuracy_m", cells.count, False, ("mgrs_accuracy",), "Grid accuracy in metres"),
    Column("statement", cells.text, False, ("reason",), "The belligerent's words"),
    Column("assessed_on", cells.day, False, (), "YYYY-MM-DD"),
)

DECLARED_STRIKE_COLUMNS = _columns(
    Column("date", cells.day, True, (), "YYYY-MM-DD"),
    Column("country", cells.text),
    Column("place", cells.text, True, (), "As written in the release"),
    Column("place_id", cells.text, False, (), "Gazetteer id"),
    Column("strikes", cells.count),
    Column("engagements", cells.count),
    Column("tactical_units", cells.count),
    Column("destroyed", cells.targets, False, (), "JSON object or target:count;…"),
    Column("belligerent", cells.text),
    Column("text", cells.text, False, ("line",), "The release line itself"),
)


class RowReader:
    """Parse the cells of one row against a schema, collecting every problem.

    ``columns`` may map the row's column names to the schema's (``None`` for a column
    the schema lacks), so that a table resolves its header once rather than on every row;
    a column it does not name is resolved here.
    """

    def __init__(
        self,
        row: Row,
        schema: Mapping[str, Column],
        problems: list[Problem],
        columns: Mapping[str, str | None] | None = None,
    ):
        self.origin = row.origin
        self.problems = problems
        self._schema = schema
        raw: dict[str, str] = {}
        known = columns or {}
        for column, value in row.cells.items():
            canonical = known[column] if column in known else resolve_column(column, schema)
            if canonical is not None and value.strip():
                raw[canonical] = value
        self._raw = raw
        parsed: dict[str, Any] = {}
        self._parsed = parsed
        self.failed = False
        for name, spec in schema.items():
            cell = raw.get(name)
            if cell is None:
                if spec.required:
                    self.problem(name, "is required but empty")
                continue
            try:
                parsed[name] = spec.parse(cell)
            except ValueError as err:
                self.problem(name, str(err))

    def problem(self, column: str | None, reason: str) -> None:
        self.failed = True
        self.problems.append(Problem.at(self.origin, column, reason))

    def get(self, name: str, default: Any = None) -> Any:
        return self._parsed.get(name, default)

    def range(self, low: str, high: str) -> Range | None:
        try:
            return Range.of(self.get(low), self.get(high))
        except ValueError as err:
            self.problem(high, str(err))
            return None

    def casualties(self) -> Casualties:
        ranges: dict[tuple[str, str], Range] = {}
        for outcome in OUTCOMES:
            for category in CATEGORIES:
                found = self.range(column_name(outcome, category, "min"),
                                   column_name(outcome, category, "max"))
                if found is not None:
                    ranges[(outcome, category)] = found
        casualties = Casualties(ranges)
        for reason in casualties.problems():
            self.problem(None, reason)
        return casualties


def resolve_column(column: str, schema: Mapping[str, Column]) -> str | None:
    if column in schema:
        return column
    for name, spec in schema.items():
        if column in spec.aliases:
            return name
    return None


def incident_from(r: RowReader) -> IncidentRecord | None:
    lat, lon = r.get("latitude"), r.get("longitude")
    if (lat is None) != (lon is None):
        r.problem("longitude" if lon is None else "latitude", "latitude and longitude go together")
    if r.get("grade") is not None and not r.get("grade_reason"):
        r.problem("grade_reason", "a grade needs a written reason")
    if r.failed:
        return None
    precision = r.get("geo_precision")
    if precision is None and lat is not None:
        precision = GeoPrecision.NEIGHBOURHOOD if r.get("neighbourhood") else GeoPrecision.CITY
    return IncidentRecord(
        code=r.get("code"),
        window=r.get("date"),
        place=r.get("place"),
        place_ar=r.get("place_ar", ""),
        local_time=r.get("local_time"),
        neighbourhood=r.get("neighbourhood", ""),
        latitude=lat,
        longitude=lon,
        geo_precision=precision,
        strike_type=r.get("strike_type", StrikeType.UNKNOWN),
        infrastructure=r.get("infrastructure", ()),
        summary=r.get("summary", ""),
        summary_ar=r.get("summary_ar", ""),
        previous_codes=r.get("previous_codes", ()),
        grade=r.get("grade"),
        strike_status=r.get("strike_status"),
        grade_reason=r.get("grade_reason", ""),
        assessed_by=r.get("assessed_by", ""),
    )


def source_from(r: RowReader) -> SourceRecord | None:
    if r.failed:
        return None
    kind: SourceKind = r.get("kind")
    return SourceRecord(
        key=r.get("source_id"),
        kind=kind,
        title=r.get("title", ""),
        publisher=r.get("publisher", ""),
        author=r.get("author", ""),
        published_on=r.get("published"),
        language=r.get("language", ""),
        url=r.get("url", ""),
        original_text=r.get("original_text", ""),
        translated_text=r.get("translated_text", ""),
        evidence_sha256=r.get("evidence_sha256", ()),
        public=r.get("public", kind.public_by_default),
    )


def claim_from(r: RowReader) -> ClaimRecord | None:
    casualties = r.casualties()
    if r.failed:
        return None
    return ClaimRecord(
        incident_code=r.get("incident"),
        source_key=r.get("source"),
        casualties=casualties,
        belligerent_blamed=r.get("belligerent_blamed", ""),
    )


def victim_from(r: RowReader) -> VictimRecord | None:
    age_band = r.range("age_min", "age_max")
    age = r.get("age")
    if age is not None and age > 130:
        r.problem("age", f"{age} is not a human age")
    if age is not None and age_band is not None and not age_band.low <= age <= age_band.high:
        r.problem("age", f"age {age} lies outside the age band {age_band}")
    if r.failed:
        return None
    return VictimRecord(
        key=r.get("victim_id"),
        incident_code=r.get("incident"),
        name=r.get("name", ""),
        name_ar=r.get("name_ar", ""),
        sex=r.get("sex", Sex.UNKNOWN),
        age=age,
        age_min=None if age_band is None else age_band.low,
        age_max=None if age_band is None else age_band.high,
        relation=r.get("relation", ""),
        fate=r.get("fate", Fate.KILLED),
        date_of_death=r.get("date_of_death"),
        source_keys=r.get("sources", ()),
    )


def verdict_from(r: RowReader) -> VerdictRecord | None:
    deaths = r.range("deaths_conceded_min", "deaths_conceded_max")
    injuries = r.range("injuries_conceded_min", "injuries_conceded_max")
    if r.failed:
        return None
    return VerdictRecord(
        incident_code=r.get("incident"),
        belligerent=r.get("belligerent"),
        involvement=r.get("involvement", Involvement.SUSPECTED),
        assessment=r.get("assessment", BelligerentAssessment.NOT_YET_ASSESSED),
        deaths_conceded=deaths,
        injuries_conceded=injuries,
        mgrs=r.get("mgrs", ""),
        mgrs_accuracy_m=r.get("mgrs_accuracy_m"),
        statement=r.get("statement", ""),
        assessed_on=r.get("assessed_on"),
    )


def declared_strike_from(r: RowReader) -> DeclaredStrikeRecord | None:
    if r.failed:
        return None
    return DeclaredStrikeRecord(
        date=r.get("date"),
        place=r.get("place"),
        country=r.get("country", ""),
        place_id=r.get("place_id", ""),
        strikes=r.get("strikes"),
        engagements=r.get("engagements"),
        tactical_units=r.get("tactical_units"),
        destroyed=r.get("destroyed", ()),
        belligerent=r.get("belligerent", ""),
        text=r.get("text", ""),
    )


Builder = Callable[[RowReader], Any]

SCHEMAS: dict[str, tuple[dict[str, Column], Builder]] = {
    "incidents": (INCIDENT_COLUMNS, incident_from),
    "sources": (SOURCE_COLUMNS, source_from),
    "claims": (CLAIM_COLUMNS, claim_from),
    "victims": (VICTIM_COLUMNS, victim_from),
    "verdicts": (VERDICT_COLUMNS, verdict_from),
    "declared_strikes": (DECLARED_STRIKE_COLUMNS, declared_strike_from),
}

# Airwars-style sheets repeat a block of columns for each belligerent: belligerent_1_name, …
BELLIGERENT_BLOCK = re.compile(r"^belligerent_(\d+)_(.+)$")
