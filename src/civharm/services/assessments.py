"""Grading: an analyst's decision with a written reason, never overwriting the past."""

from __future__ import annotations

from django.db import transaction

from civharm.domain.vocabulary import Grade, StrikeStatus
from civharm.services import audit
from civharm.services.errors import NotFound, UserError
from civharm.store import models


def grade_incident(
    code: str, grade: str, reason: str, strike_status: str, assessed_by: str
) -> models.Assessment:
    try:
        chosen = Grade.parse(grade)
        status = StrikeStatus.parse(strike_status).value if strike_status.strip() else ""
    except ValueError as err:
        raise UserError(str(err)) from None
    if not reason.strip():
        raise UserError("a grade needs a written reason (--reason)")
    with transaction.atomic():
        incident = models.Incident.objects.select_for_update().filter(code=code).first()
        if incident is None:
            raise NotFound(f"no incident with code {code!r}")
        assessment = models.Assessment.objects.create(
            incident=incident,
            grade=chosen.value,
            strike_status=status,
            reason=reason.strip(),
            assessed_by=assessed_by,
        )
        # The reason stays in the assessment's history; the entry names the assessment.
        audit.record("incident.grade", actor=audit.acting(assessed_by),
                     target=f"incident:{incident.code}",
                     details={"assessment": assessment.pk, "grade": chosen.value,
                              "strike_status": status})
        return assessment
