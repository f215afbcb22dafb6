"""Dates as sources give them: a day, a window of days, a month or a year."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from civharm.domain.vocabulary import DatePrecision

_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, slots=True)
class DateWindow:
    """The first and last day on which something may have happened, and how it was stated."""

    start: date
    end: date
    precision: DatePrecision

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the window ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def parse(cls, text: str) -> DateWindow:
        """Read ``2017-06-30``, ``2017-06-28/2017-06-30``, ``2017-06`` or ``2017``.

        Raises ValueError with a sentence a user can act on.
        """
        cleaned = text.strip()
        if not cleaned:
            raise ValueError("the date is empty")
        if "/" in cleaned:
            first, _, last = cleaned.partition("/")
            start = _parse_day(first)
            end = _parse_day(last)
            if end < start:
                raise ValueError(f"the window {cleaned!r} ends before it starts")
            precision = DatePrecision.DAY if start == end else DatePrecision.WINDOW
            return cls(start, end, precision)
        if _DAY.match(cleaned):
            day = _parse_day(cleaned)
            return cls(day, day, DatePrecision.DAY)
        month = _MONTH.match(cleaned)
        if month:
            year, number = int(month.group(1)), int(month.group(2))
            if not 1 <= number <= 12:
                raise ValueError(f"{cleaned!r} has no month {number}")
            last_day = calendar.monthrange(year, number)[1]
            return cls(date(year, number, 1), date(year, number, last_day), DatePrecision.MONTH)
        if _YEAR.match(cleaned):
            year = int(cleaned)
            return cls(date(year, 1, 1), date(year, 12, 31), DatePrecision.YEAR)
        raise ValueError(
            f"{cleaned!r} is not a date; write YYYY-MM-DD, a window YYYY-MM-DD/YYYY-MM-DD, "
            "YYYY-MM or YYYY"
        )

    def __str__(self) -> str:
        if self.precision is DatePrecision.DAY:
            return self.start.isoformat()
        if self.precision is DatePrecision.MONTH:
            return self.start.strftime("%Y-%m")
        if self.precision is DatePrecision.YEAR:
            return str(self.start.year)
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


def _parse_day(text: str) -> date:
    match = _DAY.match(text.strip())
    if not match:
        raise ValueError(f"{text.strip()!r} is not a date in the form YYYY-MM-DD")
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a real calendar day") from None


def parse_day(text: str) -> date:
    """One calendar day in ISO form, with a plain-language error."""
    return _parse_day(text)
