"""The belligerent's own assessments of the allegations, and its monthly reports.

The coalition assesses each allegation referred to it as credible or
non-credible, with stock reasons, and concedes in all about a tenth of the
civilians its strikes truly killed. Each month it publishes the assessments it
completed, in the style of its civilian casualty releases.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from civharm.simulation.mgrs import mgrs
from civharm.simulation.monitoring import Allegation, Monitoring
from civharm.simulation.releases import SIMULATED_LINE
from civharm.simulation.rng import pick_weighted, stream
from civharm.simulation.world import COALITION, World

CONCEDED_SHARE = 0.1

CREDIBLE = "credible"
NON_CREDIBLE = "non_credible"
DUPLICATE = "duplicate"
NOT_YET_ASSESSED = "not_yet_assessed"

REASON_NO_STRIKES = (
    "After a review of available information and strike records, it was assessed that there "
    "were no Coalition strikes in the area at the time of the alleged incident. The report is "
    "assessed to be non-credible.")
REASON_INSUFFICIENT = (
    "After a review of available information, it was assessed that there was insufficient "
    "information to determine whether a Coalition strike resulted in civilian casualties. "
    "The report is assessed to be non-credible.")
REASON_NOT_COALITION = (
    "After a review of available information and strike records, it was assessed that the "
    "alleged civilian casualties were not the result of a Coalition strike. The report is "
    "assessed to be non-credible.")
REASON_LOCATION = (
    "The report did not give enough detail on the time or place of the alleged incident to "
    "allow an assessment. The report is assessed to be non-credible.")
REASON_DUPLICATE = (
    "After a review of available information, it was assessed that this report is a "
    "duplicate of a previously assessed report.")

CHANNELS = ("self-report", "media report", "monitor report", "social media report",
            "NGO report")


@dataclass(slots=True)
class Verdict:
    allegation: Allegation
    belligerent: str
    involvement: str = "suspected"
    assessment: str = NOT_YET_ASSESSED
    conceded: int | None = None
    mgrs: str = ""
    mgrs_accuracy: int | None = None
    statement: str = ""
    referred_on: date | None = None
    assessed_on: date | None = None
    channel: str = ""


_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def number_words(n: int) -> str:
    """English words for 0 to 999 999; larger numbers as digits."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " and " + number_words(rest))
    if n < 1_000_000:
        rest = n % 1000
        return number_words(n // 1000) + " thousand" + (
            "" if rest == 0 else (" and " if rest < 100 else " ") + number_words(rest))
    return f"{n:,}"


def credible_statement(killed: int) -> str:
    people = f"{number_words(killed)} civilian{'s' if killed != 1 else ''}"
    verb = "was" if killed == 1 else "were"
    return ("After a review of available information, it was assessed that although all "
            "feasible precautions were taken and the decision to strike complied with the law "
            f"of armed conflict, {people} {verb} unintentionally killed by a Coalition strike.")


def assess(world: World, monitoring: Monitoring, seed: int) -> list[Verdict]:
    """Every belligerent's involvement in every allegation, and the coalition's verdicts."""
    rng = stream(seed, "verdicts")
    total_deaths = sum(i.killed for i in world.incidents)
    target = round(CONCEDED_SHARE * total_deaths)
    referred = [a for a in monitoring.allegations if COALITION in a.blame.values()]
    candidates = sorted(
        (a for a in referred if a.duplicate_of is None and a.incident.belligerent == COALITION),
        key=lambda a: -(math.log(1 + a.incident.killed) + 0.3 * len(a.blame)
                        + 0.8 * a.incident.visibility + rng.gauss(0, 1.2)),
    )
    conceded: dict[str, int] = {}
    running = 0
    for allegation in candidates:
        if running >= target:
            break
        share = rng.uniform(0.3, 1.0)
        deaths = max(1, min(allegation.incident.killed, round(allegation.incident.killed * share)))
        deaths = min(deaths, max(1, target - running))
        conceded[allegation.code] = deaths
        running += deaths

    verdicts: list[Verdict] = []
    for allegation in monitoring.allegations:
        blamed = set(allegation.blame.values())
        incident = allegation.incident
        if COALITION in blamed:
            verdict = Verdict(allegation, COALITION)
            verdict.referred_on = incident.day + timedelta(days=2 + int(rng.expovariate(1 / 10)))
            verdict.channel = pick_weighted(rng, CHANNELS, (0.1, 0.25, 0.35, 0.15, 0.15))
            delay = 20 + int(rng.expovariate(1 / 45))
            verdict.assessed_on = verdict.referred_on + timedelta(days=delay)
            if allegation.code in conceded:
                verdict.assessment = CREDIBLE
                verdict.involvement = "known"
                verdict.conceded = conceded[allegation.code]
                verdict.statement = credible_statement(verdict.conceded)
                verdict.channel = "self-report" if rng.random() < 0.3 else verdict.channel
                verdict.mgrs = mgrs(incident.latitude, incident.longitude, 4)
                verdict.mgrs_accuracy = 10
            elif rng.random() < 0.12:
                verdict.assessment = NOT_YET_ASSESSED
                verdict.assessed_on = None
                if verdict.channel == "self-report":
                    verdict.channel = "monitor report"
            else:
                if verdict.channel == "self-report":
                    verdict.channel = "monitor report"
                if allegation.duplicate_of is not None and rng.random() < 0.6:
                    verdict.assessment, verdict.statement = DUPLICATE, REASON_DUPLICATE
                else:
                    verdict.assessment = NON_CREDIBLE
                    verdict.statement = _reason(rng, allegation)
                if rng.random() < 0.6:
                    verdict.mgrs = mgrs(allegation.latitude, allegation.longitude, 3)
                    verdict.mgrs_accuracy = 100 if allegation.precision not in (
                        "neighbourhood", "city") else 1000
            verdicts.append(verdict)
        for other in sorted(blamed - {COALITION, ""}):
            verdicts.append(Verdict(allegation, other))
    return verdicts


def _reason(rng: random.Random, allegation: Allegation) -> str:
    if allegation.incident.belligerent != COALITION:
        return pick_weighted(rng, (REASON_NOT_COALITION, REASON_NO_STRIKES, REASON_INSUFFICIENT),
                             (0.5, 0.3, 0.2))
    if allegation.precision in ("city",) or "/" in allegation.date_text or \
            len(allegation.date_text) == 7:
        return REASON_LOCATION
    return pick_weighted(rng, (REASON_INSUFFICIENT, REASON_NO_STRIKES, REASON_LOCATION),
                         (0.6, 0.25, 0.15))


# --- monthly reports ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    month: str  # YYYY-MM
    text: str
    credible: tuple[str, ...]  # allegation codes
    # (number, date of the allegation, allegation code) of every entry, in order: the key
    # a linker's result is scored by, since entries are numbered afresh in each section.
    entries: tuple[tuple[int, date, str], ...] = ()

    @property
    def path(self) -> str:
        return f"civcas-reports/{self.month}.txt"

    @property
    def source_key(self) -> str:
        return f"civcas-{self.month}"

    @property
    def published(self) -> date:
        year, month = (int(x) for x in self.month.split("-"))
        following = date(year + (month == 12), month % 12 + 1, 1)
        return following + timedelta(days=27)


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _long_date(day: date) -> str:
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def _entry(number: int, verdict: Verdict, rng: random.Random) -> str:
    allegation = verdict.allegation
    place = ("Raqqa", "Raqqah", "Ar Raqqah")[int(rng.random() * 3)]
    citation = f"via {verdict.channel}"
    if verdict.channel in ("monitor report", "NGO report") and rng.random() < 0.7:
        citation += f" {allegation.code}"
        if verdict.mgrs:
            citation += f" (MGRS {verdict.mgrs})"
    return (f"{number}. {_long_date(allegation.start)}, near {place}, Syria, {citation}. "
            f"{verdict.statement}")


def monthly_reports(verdicts: list[Verdict], seed: int) -> list[MonthlyReport]:
    coalition = [v for v in verdicts if v.belligerent == COALITION and v.referred_on]
    if not coalition:
        return []
    received_in: dict[str, int] = {}
    assessed_in: dict[str, list[Verdict]] = {}
    for v in coalition:
        assert v.referred_on is not None
        month = _month(v.referred_on)
        received_in[month] = received_in.get(month, 0) + 1
        if v.assessed_on:
            assessed_in.setdefault(_month(v.assessed_on), []).append(v)
    reports = []
    carried = 0
    for month in sorted(received_in.keys() | assessed_in.keys()):
        rng = stream(seed, "civcas-report", month)
        received = received_in.get(month, 0)
        done = sorted(assessed_in.get(month, []),
                      key=lambda v: (v.allegation.start, v.allegation.code))
        credible = [v for v in done if v.assessment == CREDIBLE]
        other = [v for v in done if v.assessment != CREDIBLE]
        duplicates = sum(1 for v in other if v.assessment == DUPLICATE)
        remaining = carried + received - len(done)
        year, number = (int(x) for x in month.split("-"))
        title = date(year, number, 1).strftime("%B %Y")
        summary = (
            f"During this reporting period, the Coalition carried over {carried} open "
            f"report{'s' if carried != 1 else ''} from previous months and received "
            f"{received} new report{'s' if received != 1 else ''}. The Coalition completed "
            f"{len(done)} assessment{'s' if len(done) != 1 else ''}. "
            f"{number_words(len(credible)).capitalize()} of these reports "
            f"{'was' if len(credible) == 1 else 'were'} assessed to be credible, "
            f"{number_words(len(other) - duplicates)} "
            f"{'was' if len(other) - duplicates == 1 else 'were'} assessed to be non-credible "
            f"and {number_words(duplicates)} {'was' if duplicates == 1 else 'were'} assessed "
            f"to be {'a duplicate' if duplicates == 1 else 'duplicates'} of previously "
            f"assessed reports. {remaining} "
            f"report{'s' if remaining != 1 else ''} remain{'s' if remaining == 1 else ''} open "
            "and under assessment.")
        lines = [SIMULATED_LINE, "",
                 f"Civilian casualty report, {title} (simulated)", "", summary, ""]
        if credible:
            lines += ["Credible reports:", ""]
            conceded = sum(v.conceded or 0 for v in credible)
            lines += [_entry(i, v, rng) for i, v in enumerate(credible, start=1)]
            lines += ["", f"In all, {conceded} civilian death{'s' if conceded != 1 else ''} "
                      f"{'was' if conceded == 1 else 'were'} assessed this period to have "
                      "resulted from Coalition strikes.", ""]
        if other:
            lines += ["Non-credible reports:", ""]
            lines += [_entry(i, v, rng) for i, v in enumerate(other, start=1)]
            lines.append("")
        lines.append("The Coalition takes all reports of civilian casualties seriously. "
                     "(Simulated report: no real events are described.)")
        entries = tuple(
            (i, v.allegation.start, v.allegation.code)
            for group in (credible, other) for i, v in enumerate(group, start=1))
        reports.append(MonthlyReport(month, "\n".join(lines) + "\n",
                                     tuple(v.allegation.code for v in credible), entries))
        carried = remaining
    return reports
