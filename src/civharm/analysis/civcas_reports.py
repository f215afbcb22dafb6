"""Read a belligerent's monthly civilian-casualty report: the summary and each allegation.

Reports look like::

    During this reporting period, the Coalition carried over 64 open reports from
    previous months and received 31 new reports. ... Seventeen of these reports were
    assessed to be credible ...

    Credible reports:
    1. June 14, 2017, near Raqqah, Syria, via self-report. After a review of available
       information, it was assessed that ... three civilians were unintentionally killed.

    Non-credible reports:
    1. May 7, 2017, near Raqqa, Syria, via Airwars report CS1234 (MGRS 37SEV1533573744).
       ... it was assessed that this report is a duplicate of a previously assessed report.

Like the strike-release parser, it never raises on its input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from civharm.analysis.numbers import COUNT, read_count
from civharm.analysis.strike_releases import DATE_PHRASE, month_day

STATUSES = ("credible", "non-credible", "duplicate", "closed", "reopened")
REASONS = (
    "no strikes in the area",
    "insufficient evidence",
    "insufficient information",
    "not a coalition strike",
)

_N = rf"(?P<n>{COUNT})"
_PERIOD_PATTERNS = {
    "reports_carried_over": rf"carried\s+over\s+{_N}\s+(?:open\s+)?reports?",
    "reports_received": rf"received\s+{_N}\s+(?:new\s+)?reports?",
    "reports_assessed": rf"completed\s+{_N}\s+(?:civilian\s+casualty\s+)?(?:allegation\s+)?"
                        rf"(?:assessments?|reports?)",
    "credible": rf"{_N}\s+(?:of\s+these\s+)?(?:reports?\s+)?(?:was|were)\s+assessed\s+to\s+be\s+"
                rf"credible",
    "non_credible": rf"{_N}\s+(?:of\s+these\s+)?(?:reports?\s+)?(?:was|were)\s+assessed\s+to\s+be\s+"
                    rf"non-?credible",
    "duplicate": rf"{_N}\s+(?:of\s+these\s+)?(?:reports?\s+)?(?:was|were)\s+assessed\s+to\s+be\s+"
                 rf"(?:a\s+)?duplicates?",
    "reports_open": rf"{_N}\s+(?:reports?\s+)?(?:remain|remains|are\s+still|is\s+still)\s+open",
}
_TOTAL_PATTERNS = {
    "strikes_total": rf"total\s+of\s+{_N}\s+strikes",
    "engagements_total": rf"{_N}\s+(?:separate\s+)?engagements",
    "reports_total": rf"{_N}\s+reports\s+of\s+possible\s+civilian\s+casualties",
    "credible_total": rf"{_N}\s+(?:reports\s+)?(?:were\s+|have\s+been\s+)?(?:assessed|determined)"
                      rf"\s+to\s+be\s+credible",
    "civilians_killed_total": rf"{_N}\s+civilians\s+(?:have\s+been|were)\s+unintentionally\s+killed",
}
_CUMULATIVE = re.compile(r"\b(?:since|to\s+date|total|cumulative|overall)\b", re.IGNORECASE)
_CAMPAIGN = re.compile(r"\b(?:since\s+the\s+(?:beginning|start)|to\s+date)\b", re.IGNORECASE)
_SECTION = re.compile(
    r"^(?P<status>credible|non-?credible|duplicate|closed|re-?opened)\s+(?:reports?|allegations?)"
    r"\s*:?\s*$",
    re.IGNORECASE,
)
_ENTRY = re.compile(r"^(?P<number>\d{1,4})\.\s+(?P<body>.+)$")
_HEAD = re.compile(
    rf"^{DATE_PHRASE},\s+(?:near|in)\s+(?P<place>[^,]+?),\s+(?P<country>[A-Z][A-Za-z ]+?),"
    r"\s+via\s+(?P<via>[^.]+?)\.(?:\s+|$)(?P<text>.*)$",
    re.IGNORECASE,
)
_MGRS = re.compile(r"\b(\d{1,2}[C-HJ-NP-X][A-HJ-NP-Z]{2}(?:\s?\d{2,10}){1,2})\b")
_CODE = re.compile(r"\b([A-Z]{1,4}-?\d{2,6})\b")
_KILLED = (
    re.compile(rf"killed\s+{_N}\s+civilians?", re.IGNORECASE),
    re.compile(rf"{_N}\s+civilians?\s+(?:was|were)\s+(?:unintentionally\s+)?killed", re.IGNORECASE),
)
_INJURED = (
    re.compile(rf"injured\s+{_N}(?:\s+(?:civilians?|others?))?", re.IGNORECASE),
    re.compile(rf"{_N}\s+(?:civilians?\s+|others?\s+)?(?:was|were)\s+(?:unintentionally\s+)?injured",
               re.IGNORECASE),
)
_CHANNEL_NOISE = re.compile(r"\(.*?\)|\bMGRS\b.*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Allegation:
    line: int
    number: int
    date: date | None
    place: str
    country: str
    via: str
    status: str
    reason: str | None
    killed: int | None
    injured: int | None
    mgrs: str | None
    airwars_code: str | None
    text: str

    def as_json(self) -> dict[str, object]:
        return {
            "kind": "allegation",
            "number": self.number,
            "date": self.date.isoformat() if self.date else None,
            "place": self.place,
            "country": self.country,
            "via": self.via,
            "status": self.status,
            "reason": self.reason,
            "killed": self.killed,
            "injured": self.injured,
            "mgrs": self.mgrs,
            "airwars_code": self.airwars_code,
            "text": self.text,
        }


@dataclass(slots=True)
class ParsedReport:
    summary: dict[str, int | None] = field(default_factory=dict)
    allegations: list[Allegation] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)

    def summary_json(self) -> dict[str, object]:
        return {"kind": "summary", **self.summary}


def _first(patterns: list[re.Pattern[str]] | tuple[re.Pattern[str], ...], text: str) -> int | None:
    for pattern in patterns:
        found = pattern.search(text)
        if found:
            return read_count(found.group("n"))
    return None


def reason_of(text: str) -> str | None:
    lowered = text.lower()
    if re.search(r"not\s+(?:the\s+result\s+of\s+)?a\s+coalition\s+strike", lowered):
        return "not a coalition strike"
    if re.search(r"no\s+(?:coalition\s+)?strikes?\s+(?:were\s+conducted\s+)?in\s+the\s+(?:area|vicinity)"
                 r"|there\s+were\s+no\s+coalition\s+strikes", lowered):
        return "no strikes in the area"
    if "insufficient evidence" in lowered:
        return "insufficient evidence"
    if "insufficient information" in lowered or "not give enough detail" in lowered \
            or "not enough information" in lowered:
        return "insufficient information"
    return None


def status_of(section: str | None, text: str) -> str | None:
    """The section decides, unless the entry itself says otherwise."""
    lowered = text.lower()
    if re.search(r"assessed\s+to\s+be\s+a\s+duplicate|is\s+a\s+duplicate", lowered):
        return "duplicate"
    if "reopened" in lowered or "re-opened" in lowered:
        return "reopened"
    if re.search(r"assessed\s+to\s+be\s+non-?credible", lowered):
        return "non-credible"
    if re.search(r"assessed\s+to\s+be\s+credible", lowered):
        return "credible"
    return section


def _section_status(word: str) -> str:
    key = word.lower().replace("-", "")
    return {"noncredible": "non-credible", "reopened": "reopened"}.get(key, key)


def parse_civcas_report(text: str, *, default_year: int | None = None) -> ParsedReport:
    parsed = ParsedReport()
    paragraphs: list[tuple[int, str]] = []
    section: str | None = None
    current: list[str] = []
    start = 0
    entries: list[tuple[int, str, str | None]] = []

    def flush() -> None:
        if current:
            body = " ".join(current)
            if _ENTRY.match(body):
                entries.append((start, body, section))
            else:
                paragraphs.append((start, body))
            current.clear()

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            continue
        heading = _SECTION.match(line)
        if heading:
            flush()
            section = _section_status(heading.group("status"))
            continue
        if _ENTRY.match(line):
            flush()
        if not current:
            start = number
        current.append(line)
    flush()

    summary: dict[str, int | None] = {k: None for k in (*_PERIOD_PATTERNS, *_TOTAL_PATTERNS)}
    for _, paragraph in paragraphs:
        # A paragraph that opens with the campaign's totals keeps to them throughout.
        whole = bool(_CAMPAIGN.search(paragraph))
        for sentence in re.split(r"(?<=[.;])\s+", paragraph):
            cumulative = whole or _CUMULATIVE.search(sentence)
            patterns = _TOTAL_PATTERNS if cumulative else _PERIOD_PATTERNS
            for key, pattern in patterns.items():
                if summary[key] is None:
                    found = re.search(pattern, sentence, re.IGNORECASE)
                    if found:
                        summary[key] = read_count(found.group("n"))
    parsed.summary = summary
    for first_line, body, in_section in entries:
        _read_entry(parsed, first_line, body, in_section, default_year)
    return parsed


def _read_entry(
    parsed: ParsedReport, line: int, body: str, section: str | None, default_year: int | None
) -> None:
    entry = _ENTRY.match(body)
    assert entry is not None
    head = _HEAD.match(entry.group("body"))
    if head is None:
        parsed.problems.append((line, "cannot read the date, place and channel of this entry", body))
        return
    when = month_day(head.group("month"), head.group("day"), head.group("year"), default_year)
    via_text = head.group("via")
    whole = entry.group("body")
    grid = _MGRS.search(whole)
    code_text = _CHANNEL_NOISE.sub("", via_text)
    code = _CODE.search(code_text)
    via = _CODE.sub("", code_text).strip(" ,;:") if code else code_text.strip(" ,;:")
    status = status_of(section, head.group("text"))
    if status is None:
        parsed.problems.append((line, "entry outside any credible or non-credible section", body))
        return
    text = head.group("text").strip()
    parsed.allegations.append(Allegation(
        line=line,
        number=int(entry.group("number")),
        date=when,
        place=head.group("place").strip(),
        country=head.group("country").strip(),
        via=via,
        status=status,
        reason=None if status == "credible" else reason_of(text),
        killed=_first(_KILLED, text),
        injured=_first(_INJURED, text),
        mgrs=grid.group(1).replace(" ", "") if grid else None,
        airwars_code=code.group(1) if code else None,
        text=text,
    ))
