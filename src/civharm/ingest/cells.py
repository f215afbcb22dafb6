"""Turn one raw text cell into a typed value, or a reason a user can act on."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, time
from typing import TypeVar

from civharm.domain.dates import DateWindow, parse_day
from civharm.domain.vocabulary import Vocabulary

V = TypeVar("V", bound=Vocabulary)
CellParser = Callable[[str], object]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def text(raw: str) -> str:
    return raw.strip()


def count(raw: str) -> int:
    """A whole number of people or things, never negative."""
    cleaned = raw.strip().replace(",", "")
    try:
        number = float(cleaned)
    except ValueError:
        raise ValueError(f"{raw.strip()!r} is not a whole number") from None
    if not number.is_integer():
        raise ValueError(f"{raw.strip()!r} is not a whole number")
    if number < 0:
        raise ValueError(f"{raw.strip()!r} is negative")
    if number > 10_000_000:
        raise ValueError(f"{raw.strip()!r} is implausibly large")
    return int(number)


def _coordinate(raw: str, limit: float, what: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError(f"{raw.strip()!r} is not a {what} in decimal degrees") from None
    if not -limit <= value <= limit:
        raise ValueError(f"{value} is outside the {what} range -{limit:g} to {limit:g}")
    return value


def latitude(raw: str) -> float:
    return _coordinate(raw, 90.0, "latitude")


def longitude(raw: str) -> float:
    return _coordinate(raw, 180.0, "longitude")


def day(raw: str) -> date:
    return parse_day(raw)


def window(raw: str) -> DateWindow:
    return DateWindow.parse(raw)


def clock(raw: str) -> time:
    match = _TIME.match(raw.strip())
    if not match:
        raise ValueError(f"{raw.strip()!r} is not a time; write HH:MM (24-hour)")
    hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        return time(hour, minute, second)
    except ValueError:
        raise ValueError(f"{raw.strip()!r} is not a time of day") from None


def listing(raw: str) -> tuple[str, ...]:
    """A list written with ``;`` between items."""
    return tuple(part.strip() for part in raw.split(";") if part.strip())


def flag(raw: str) -> bool:
    key = raw.strip().lower()
    if key in ("1", "true", "yes", "y", "t"):
        return True
    if key in ("0", "false", "no", "n", "f"):
        return False
    raise ValueError(f"{raw.strip()!r} is not yes or no")


def digests(raw: str) -> tuple[str, ...]:
    found = tuple(d.lower() for d in listing(raw))
    for digest in found:
        if not _SHA256.match(digest):
            raise ValueError(f"{digest!r} is not a SHA-256 digest (64 hex characters)")
    return found


def targets(raw: str) -> tuple[tuple[str, int], ...]:
    """What a strike line says was destroyed: JSON ``{"vehicle": 2}`` or ``vehicle:2;tunnel:1``."""
    cleaned = raw.strip()
    pairs: list[tuple[str, int]] = []
    if cleaned.startswith("{"):
        try:
            loaded = json.loads(cleaned)
        except json.JSONDecodeError:
            raise ValueError("destroyed targets are not valid JSON") from None
        if not isinstance(loaded, dict):
            raise ValueError("destroyed targets must be an object of target: count")
        items = [(str(k), str(v)) for k, v in loaded.items()]
    else:
        items = []
        for part in listing(cleaned):
            target, sep, number = part.rpartition(":")
            if not sep:
                raise ValueError(f"{part!r} should read target:count")
            items.append((target, number))
    for target, number in items:
        if not target.strip():
            raise ValueError("a destroyed target has no name")
        pairs.append((target.strip().lower(), count(number)))
    return tuple(sorted(pairs))


def vocabulary(kind: type[V]) -> Callable[[str], V]:
    # Most cells hold a term exactly as it is stored: look those up before the forgiving
    # parse. Only terms that the parse itself reads back as themselves are listed.
    exact: dict[str, V] = {m.value: m for m in kind if kind.parse(m.value) is m}

    def parse(raw: str) -> V:
        found = exact.get(raw)
        if found is not None:
            return found
        return kind.parse(raw)  # type: ignore[return-value]

    parse.__name__ = kind.__name__
    return parse
