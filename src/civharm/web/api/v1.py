"""Version 1 of the API: the published record for everyone, the internal record for those
who may read it, the review queue and the audit log for their roles, and grading.

Every endpoint asks :mod:`civharm.web.api.auth` (and through it the one permission function)
before it reads or changes anything.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from django.http import HttpRequest
from django.urls import reverse
from ninja import Path, Query, Router, Status
from pydantic import BeforeValidator

from civharm.domain.permissions import Action
from civharm.domain.vocabulary import Grade
from civharm.services import api_queries, assessments
from civharm.services.api_queries import IncidentFilters, Slice
from civharm.services.figures import stats_json
from civharm.web.api import schemas
from civharm.web.api.auth import allow, allow_reading

router = Router(tags=["v1"])

LIMIT = 20
LIMIT_MAX = 100
OFFSET_MAX = 1_000_000_000
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL: refuse it as a bad parameter
CODE = r"^[^\x00/]{1,32}$"

GradeName = Literal["confirmed", "fair", "weak", "contested", "discounted", "ungraded"]
StrikeStatusName = Literal["declared_strike", "likely_strike", "contested_strike",
                           "single_source_claim"]
FateName = Literal["killed", "injured", "missing"]

_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _full_date(value: Any) -> Any:
    """Only a calendar date written YYYY-MM-DD (RFC 3339), not a number or a timestamp."""
    if isinstance(value, str) and not _FULL_DATE.fullmatch(value):
        raise ValueError("write the date as YYYY-MM-DD")
    if not isinstance(value, str | date):
        raise ValueError("write the date as YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_full_date)]

READ_ERRORS: dict[int, Any] = {401: schemas.Error, 403: schemas.Error, 422: schemas.Error}
ONE_ERRORS: dict[int, Any] = {**READ_ERRORS, 404: schemas.Error}

Limit = Query(LIMIT, ge=1, le=LIMIT_MAX, description=f"rows per page (1 to {LIMIT_MAX})")
Offset = Query(0, ge=0, le=OFFSET_MAX, description="rows to skip")

# Parameters, declared once (each a default that the endpoints' signatures read).
DATE_FROM_PARAM = Query(None, description="on or after this day (a window overlapping it "
                                          "counts)")
DATE_TO_PARAM = Query(None, description="on or before this day")
GRADE_PARAM = Query(None, description="current grade; repeat for several; `ungraded` for none")
BELLIGERENT_PARAM = Query("", max_length=200, pattern=NO_NUL,
                          description="involved or blamed (any case)")
STRIKE_STATUS_PARAM = Query(None, description="current strike status; repeat for several")
NEIGHBOURHOOD_PARAM = Query("", max_length=200, pattern=NO_NUL)
Q_PARAM = Query("", max_length=200, pattern=NO_NUL,
                description="words in the code, place or summary (English or Arabic)")
CODE_PARAM = Path(..., pattern=CODE, description="e.g. RQ0042")
CODE_PARAM_2 = Path(..., pattern=CODE, description="the incident to grade")
INCIDENT_PARAM = Query("", max_length=32, pattern=NO_NUL, description="an incident code")
Q_PARAM_2 = Query("", max_length=200, pattern=NO_NUL,
                  description="part of a name, in Latin or Arabic script")
FATE_PARAM = Query(None, description="killed, injured or missing")
NAMED_PARAM = Query(None, description="true: only victims with a name")
STRIKE_FROM_PARAM = Query(None, description="on or after this day")
STRIKE_TO_PARAM = Query(None, description="on or before this day")
STRIKE_BELLIGERENT_PARAM = Query("", max_length=200, pattern=NO_NUL, description="any case")
TARGET_PARAM = Query("", max_length=200, pattern=NO_NUL, description="e.g. incident:RQ0042")
ACTION_PARAM = Query("", max_length=64, pattern=NO_NUL, description="e.g. incident.grade")


def base() -> str:
    return reverse("api:api-root") + "v1/"


def incident_url(code: str) -> str:
    return f"{base()}incidents/{quote(code, safe='')}"


def page(request: HttpRequest, found: Slice, limit: int, offset: int) -> dict[str, Any]:
    """A page of rows with links to its neighbours, keeping every other parameter."""
    def link(at: int) -> str:
        query = request.GET.copy()
        query["offset"] = str(at)
        query["limit"] = str(limit)
        return f"{request.path}?{query.urlencode()}"

    return {
        "count": found.count, "limit": limit, "offset": offset,
        "next": link(offset + limit) if offset + limit < found.count else None,
        "previous": link(max(0, min(offset, found.count) - limit)) if offset > 0 else None,
        "results": found.rows,
    }


@router.get("/figures", response={200: schemas.Figures, **READ_ERRORS},
            summary="The headline figures")
def figures(request: HttpRequest) -> dict[str, Any]:
    """The headline figures of the record (as `civharm stats --json`), with a link to the
    records each one counts."""
    allow_reading(request, target="figures")
    found = stats_json()
    incidents = f"{base()}incidents"
    counted = [g for g in ("confirmed", "fair", "weak", "contested", "ungraded")]
    links = {
        "incidents": incidents,
        "strike_locations": incidents,
        "killed_min": f"{incidents}?{urlencode([('grade', g) for g in counted])}",
        "killed_max": f"{incidents}?{urlencode([('grade', g) for g in counted])}",
        "likely_deaths": f"{incidents}?grade=fair&grade=confirmed",
        "likely_deaths_max": f"{incidents}?grade=fair&grade=confirmed",
        "ungraded_incidents": f"{incidents}?grade=ungraded",
        "named_victims": f"{base()}victims?fate=killed&named=true",
    }
    conceded = found.get("conceded")
    if isinstance(conceded, dict):
        for name in conceded:
            links[f"conceded.{name}"] = f"{incidents}?{urlencode({'belligerent': name})}"
    if "estimate" in found:
        links["estimate"] = f"{base()}estimates"
    return {"figures": found, "links": links}


@router.get("/incidents", response={200: schemas.Page[schemas.IncidentSummary], **READ_ERRORS},
            summary="Incidents, filtered and paginated")
def incidents(
    request: HttpRequest,
    limit: int = Limit,
    offset: int = Offset,
    date_from: Day | None = DATE_FROM_PARAM,
    date_to: Day | None = DATE_TO_PARAM,
    grade: list[GradeName] | None = GRADE_PARAM,
    belligerent: str = BELLIGERENT_PARAM,
    strike_status: list[StrikeStatusName] | None = STRIKE_STATUS_PARAM,
    neighbourhood: str = NEIGHBOURHOOD_PARAM,
    q: str = Q_PARAM,
) -> dict[str, Any]:
    _, visibility = allow_reading(request, target="incidents")
    filters = IncidentFilters(date_from=date_from, date_to=date_to, grades=tuple(grade or ()),
                              belligerent=belligerent,
                              strike_statuses=tuple(strike_status or ()),
                              neighbourhood=neighbourhood, q=q)
    found = api_queries.incidents(filters, visibility, offset, limit)
    for row in found.rows:
        row["url"] = incident_url(row["code"])
    return page(request, found, limit, offset)


@router.get("/incidents/{code}", response={200: schemas.IncidentDetail, **ONE_ERRORS},
            summary="One incident with its sources, claims, victims, grade and verdicts")
def incident(request: HttpRequest,
             code: str = CODE_PARAM) -> dict[str, Any]:
    _, visibility = allow_reading(request, target=f"incident:{code}")
    found = api_queries.incident(code, visibility)
    found["url"] = incident_url(found["code"])
    return found


@router.post("/incidents/{code}/grade", response={201: schemas.Assessment, **ONE_ERRORS},
             summary="Grade an incident (needs the grade permission)")
def grade(request: HttpRequest, body: schemas.GradeIn,
          code: str = CODE_PARAM_2) -> Status[dict[str, Any]]:
    """Decide an incident's grade with a written reason. The grade is added to the incident's
    history (nothing is overwritten) and the audit log names who gave it."""
    asker = allow(request, Action.GRADE, target=f"incident:{code}")
    made = assessments.grade_incident(
        code, body.grade.value, body.reason,
        body.strike_status.value if body.strike_status is not None else "",
        assessed_by=asker.actor)
    return Status(201, {"grade": made.grade, "definition": Grade(made.grade).definition,
                 "strike_status": made.strike_status or None, "reason": made.reason,
                 "assessed_at": made.assessed_at, "assessed_by": made.assessed_by})


@router.get("/victims", response={200: schemas.Page[schemas.VictimOut], **READ_ERRORS},
            summary="Victims, filtered and paginated")
def victims(
    request: HttpRequest,
    limit: int = Limit,
    offset: int = Offset,
    incident: str = INCIDENT_PARAM,
    q: str = Q_PARAM_2,
    fate: FateName | None = FATE_PARAM,
    named: bool | None = NAMED_PARAM,
) -> dict[str, Any]:
    _, visibility = allow_reading(request, target="victims")
    found = api_queries.victims(visibility, offset, limit, incident_code=incident, q=q,
                                fate=fate or "", named=named)
    return page(request, found, limit, offset)


@router.get("/declared-strikes",
            response={200: schemas.Page[schemas.DeclaredStrikeOut], **READ_ERRORS},
            summary="Declared strikes (lines of strike releases), paginated")
def declared_strikes(
    request: HttpRequest,
    limit: int = Limit,
    offset: int = Offset,
    date_from: Day | None = STRIKE_FROM_PARAM,
    date_to: Day | None = STRIKE_TO_PARAM,
    belligerent: str = STRIKE_BELLIGERENT_PARAM,
) -> dict[str, Any]:
    allow_reading(request, target="declared_strikes")
    found = api_queries.declared_strikes(offset, limit, date_from, date_to, belligerent)
    return page(request, found, limit, offset)


@router.get("/estimates", response={200: schemas.Page[schemas.EstimateOut], **READ_ERRORS},
            summary="Stored multiple systems estimates, newest first")
def estimates(request: HttpRequest, limit: int = Limit, offset: int = Offset) -> dict[str, Any]:
    _, visibility = allow_reading(request, target="estimates")
    return page(request, api_queries.estimates(visibility, offset, limit), limit, offset)


@router.get("/review/victims", response={200: schemas.Page[schemas.ReviewPairOut], **READ_ERRORS},
            summary="The victim-linkage review queue (needs the review permission)")
def review_victims(request: HttpRequest, limit: int = Limit,
                   offset: int = Offset) -> dict[str, Any]:
    """Pairs of victim records that may name one person, strongest first."""
    allow(request, Action.REVIEW, target="review:victims")
    return page(request, api_queries.review_pairs(offset, limit), limit, offset)


@router.get("/audit", response={200: schemas.Page[schemas.AuditEntryOut], **READ_ERRORS},
            summary="The audit log, newest first (needs the view_audit permission)")
def audit_log(
    request: HttpRequest,
    limit: int = Limit,
    offset: int = Offset,
    target: str = TARGET_PARAM,
    action: str = ACTION_PARAM,
) -> dict[str, Any]:
    allow(request, Action.VIEW_AUDIT, target="audit")
    return page(request, api_queries.audit_entries(offset, limit, target, action), limit, offset)
