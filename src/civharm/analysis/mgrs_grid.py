"""Military grid references (MGRS), as belligerents cite them, to WGS84 points.

A grid reference names a square, not a point: ``37SEV1533573744`` is a 1 m square,
``37SEV153737`` a 100 m one. We return the square's centre and its size, so that a
coarse reference is never mistaken for an exact location.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import mgrs  # type: ignore[import-untyped]

_GRID = re.compile(r"^(?P<zone>\d{1,2})(?P<band>[C-HJ-NP-X])(?P<square>[A-HJ-NP-Z]{2})(?P<digits>\d*)$")
_CONVERTER = mgrs.MGRS()


@dataclass(frozen=True, slots=True)
class GridPoint:
    latitude: float
    longitude: float
    precision_m: int

    def __str__(self) -> str:
        return f"{self.latitude:.6f} {self.longitude:.6f} {self.precision_m}"


def normalise_mgrs(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def parse_mgrs(text: str) -> GridPoint:
    """The centre of the square a grid reference names. Raises ValueError saying why not."""
    grid = normalise_mgrs(text)
    match = _GRID.match(grid)
    if match is None:
        raise ValueError(
            f"{text.strip()!r} is not an MGRS reference (e.g. 37SEV1533573744: zone, band, "
            "100 km square, then easting and northing digits)"
        )
    digits = match.group("digits")
    if len(digits) % 2 or len(digits) > 10:
        raise ValueError(
            f"{text.strip()!r} has {len(digits)} grid digits; an MGRS reference has an even "
            "number of them, at most 10"
        )
    if not 1 <= int(match.group("zone")) <= 60:
        raise ValueError(f"{text.strip()!r}: UTM zone must be 1 to 60")
    try:
        latitude, longitude = _CONVERTER.toLatLon(grid)
    except Exception:  # the C library raises its own error type for impossible squares
        raise ValueError(f"{text.strip()!r} names no square on the grid") from None
    return GridPoint(float(latitude), float(longitude), 10 ** (5 - len(digits) // 2))
