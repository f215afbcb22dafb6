"""What the API answers, field by field: the OpenAPI schema is made from these."""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from ninja import Schema
from pydantic import Field, field_validator

from civharm.domain.vocabulary import Grade, StrikeStatus

Item = TypeVar("Item")


class Error(Schema):
    detail: str
    error_id: str | None = None
    errors: list[dict[str, Any]] | None = None


class Page(Schema, Generic[Item]):
    count: int = Field(description="rows matching the filters, on every page")
    limit: int
    offset: int
    next: str | None = Field(description="the next page, or null on the last")
    previous: str | None = Field(description="the previous page, or null on the first")
    results: list[Item]


class Counted(Schema):
    min: int
    max: int


class Bounds(Schema):
    min: int | None = None
    max: int | None = None


class Figures(Schema):
    figures: dict[str, Any] = Field(description="the headline figures, as `civharm stats --json`")
    links: dict[str, str] = Field(description="for each figure, the records it counts")


class IncidentSummary(Schema):
    code: str
    url: str
    date: str = Field(description="the date or window as recorded: 2017-06-10, 2017-07, "
                                  "2017-08-14/2017-08-16")
    date_start: dt.date
    date_end: dt.date
    date_precision: str
    local_time: str | None
    place: str
    place_ar: str
    neighbourhood: str
    latitude: float | None
    longitude: float | None
    geo_precision: str
    strike_type: str
    grade: str | None = Field(description="the current grade, null while ungraded")
    strike_status: str | None
    civilians_killed: Counted | None = Field(
        description="the lowest minimum to the highest maximum the sources report")


class Assessment(Schema):
    grade: str
    definition: str = Field(description="what the grade means (the Airwars scale)")
    strike_status: str | None
    reason: str
    assessed_at: dt.datetime
    assessed_by: str | None = Field(None, description="internal readers only")


class SourceOut(Schema):
    key: str
    kind: str
    title: str
    publisher: str
    author: str
    published_on: dt.date | None
    language: str
    url: str
    public: bool
    original_text: str | None = Field(description="null for a confidential source (an "
                                                  "interview) unless the reader may see it")
    translated_text: str | None


class ClaimOut(Schema):
    source: str
    belligerent_blamed: str
    counts: dict[str, Bounds] = Field(description="e.g. killed_civilians: {min, max}")


class VictimOut(Schema):
    key: str
    incident: str
    name: str
    name_ar: str
    sex: str
    age: int | None
    age_min: int | None
    age_max: int | None
    relation: str
    fate: str
    date_of_death: dt.date | None
    sources: list[str] = Field(description="the keys of the sources naming them that the "
                                           "reader may see")
    person: str | None = Field(None, description="internal readers only: the person the "
                                                 "victim linkage found")


class VerdictOut(Schema):
    belligerent: str
    involvement: str
    assessment: str
    deaths_conceded: Counted | None
    injuries_conceded: Counted | None
    mgrs: str
    mgrs_accuracy_m: int | None
    statement: str
    assessed_on: dt.date | None


class StrikeMatchOut(Schema):
    key: str
    date: dt.date
    place: str
    belligerent: str
    strikes: int | None
    distance_m: int
    day_offset: int
    fifty_metre_rule: bool


class IncidentDetail(IncidentSummary):
    previous_codes: list[str]
    infrastructure: list[str]
    summary: str
    summary_ar: str
    assessment: Assessment | None = Field(description="the current grade with its definition "
                                                      "and written reason")
    grade_history: list[Assessment] | None = Field(description="internal readers only")
    sources: list[SourceOut]
    claims: list[ClaimOut]
    victims: list[VictimOut]
    verdicts: list[VerdictOut] = Field(description="each belligerent's own assessment")
    declared_strikes: list[StrikeMatchOut] = Field(description="declared strikes found near "
                                                               "it in place and time")


class DeclaredStrikeOut(Schema):
    key: str
    date: dt.date
    country: str
    place: str
    place_id: str
    strikes: int | None
    engagements: int | None
    tactical_units: int | None
    destroyed: dict[str, int]
    belligerent: str
    text: str
    incidents: list[str] = Field(description="codes of incidents matched to this line")


class EstimateOut(Schema):
    id: int
    created_at: dt.datetime
    method: str
    stratum: str
    stratified_by: str
    level: float = Field(description="the interval's level, e.g. 0.95")
    observed: int = Field(description="distinct people on the lists")
    estimate: float
    lower: float
    upper: float | None = Field(description="null when the interval has no upper bound")
    lists: list[str]
    warnings: list[str]
    capture_table: list[dict[str, Any]]
    seed: int | None
    made_by: str | None = Field(None, description="internal readers only")


class ReviewSide(Schema):
    key: str
    incident: str
    name: str
    name_ar: str
    sex: str
    age: int | None
    age_min: int | None
    age_max: int | None
    date_of_death: dt.date | None
    person: str | None


class ReviewPairOut(Schema):
    id: int
    probability: float
    first: ReviewSide
    second: ReviewSide
    explanation: list[Any]


class AuditEntryOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    entry_hash: str


class GradeIn(Schema):
    grade: Grade
    reason: str = Field(min_length=1, max_length=10_000,
                        description="why: required, kept in the incident's history")
    strike_status: StrikeStatus | None = None

    @field_validator("reason")
    @classmethod
    def _written(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a grade needs a written reason")
        return value.strip()
