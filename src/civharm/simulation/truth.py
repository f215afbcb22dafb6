"""The grade each reported incident truly deserves, by the written rules of the Airwars scale.

Known only because the simulator knows what happened: who struck, how many
sources reported it, and whether the belligerent conceded it.
"""

from __future__ import annotations

from dataclasses import dataclass

from civharm.simulation.civcas import CREDIBLE, Verdict
from civharm.simulation.monitoring import Allegation
from civharm.simulation.world import COALITION


@dataclass(frozen=True, slots=True)
class TrueGrade:
    code: str
    state: str  # "incident" or "duplicate"
    duplicate_of: str
    grade: str
    strike_status: str
    reason: str
    sources: int


def true_grades(allegations: list[Allegation], by_incident: dict[int, list[Allegation]],
                verdicts: list[Verdict]) -> list[TrueGrade]:
    credible = {v.allegation.code: v.conceded or 0 for v in verdicts
                if v.belligerent == COALITION and v.assessment == CREDIBLE}
    grades: list[TrueGrade] = []
    for allegation in allegations:
        primary = allegation.duplicate_of or allegation
        group = by_incident[allegation.incident.index]
        sources = sorted({key for a in group for key in a.blame})
        blamed = {b for a in group for b in a.blame.values() if b}
        conceded = sum(credible.get(a.code, 0) for a in group)
        incident = allegation.incident
        if incident.belligerent == COALITION and any(a.code in credible for a in group):
            grade, status = "confirmed", "declared_strike"
            reason = f"The coalition assessed the report credible and conceded {conceded} " \
                     "civilian deaths."
        elif incident.belligerent != COALITION:
            if COALITION in blamed and len(blamed) > 1:
                grade, status = "contested", "contested_strike"
                reason = f"Sources blame the coalition and others; {incident.belligerent} " \
                         "struck."
            else:
                grade, status = "discounted", "contested_strike"
                reason = f"{incident.belligerent} struck, not the coalition."
        elif blamed - {COALITION}:
            grade, status = "contested", "declared_strike"
            reason = "Sources blame other belligerents as well as the coalition, which " \
                     "declared strikes near Raqqa that day."
        elif len(sources) >= 2:
            grade, status = "fair", "declared_strike"
            reason = f"{len(sources)} sources, and the coalition declared strikes near Raqqa " \
                     "that day or the day before."
        else:
            grade, status = "weak", "declared_strike"
            reason = "A single source; the coalition declared strikes near Raqqa that day or " \
                     "the day before."
        grades.append(TrueGrade(
            code=allegation.code,
            state="duplicate" if allegation.duplicate_of is not None else "incident",
            duplicate_of=primary.code if allegation.duplicate_of is not None else "",
            grade=grade, strike_status=status, reason=reason, sources=len(sources),
        ))
    return grades
