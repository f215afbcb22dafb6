"""Latitude and longitude as a Military Grid Reference System grid, as belligerents cite them.

A thin wrapper over the ``mgrs`` package (which :mod:`civharm.analysis.mgrs_grid`
uses to read grids back), cached because many allegations share a centroid.
"""

from __future__ import annotations

from functools import lru_cache

import mgrs as _mgrs  # type: ignore[import-untyped]

_CONVERTER = _mgrs.MGRS()


@lru_cache(maxsize=65536)
def mgrs(latitude: float, longitude: float, digits: int = 5) -> str:
    """A grid such as ``37SEV0090178402``; ``digits`` per axis: 5 is 1 m, 3 is 100 m."""
    return str(_CONVERTER.toMGRS(latitude, longitude, MGRSPrecision=digits))
