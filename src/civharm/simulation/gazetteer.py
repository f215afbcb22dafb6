"""The city frame: Raqqa's neighbourhoods and the towns that strike releases name.

The outlines are schematic (quadrilaterals laid along the river), good enough to
place simulated strikes and buildings; they are not surveyed boundaries.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

GAZETTEER_FILE = "raqqa-neighbourhoods.geojson"


@dataclass(frozen=True, slots=True)
class Place:
    """A neighbourhood, the city itself, or a town named in releases."""

    id: str
    kind: str
    name: str
    name_ar: str
    variants: tuple[str, ...]
    country: str
    latitude: float
    longitude: float
    outline: tuple[tuple[float, float], ...] = ()  # (longitude, latitude) ring, closed

    @property
    def spellings(self) -> tuple[str, ...]:
        """The name and its variants, the name first."""
        return (self.name, *(v for v in self.variants if v != self.name))

    def contains(self, latitude: float, longitude: float) -> bool:
        """Whether a point lies inside the outline (ray casting)."""
        inside = False
        ring = self.outline
        for (x1, y1), (x2, y2) in pairwise(ring):
            if (y1 > latitude) != (y2 > latitude):
                crossing = x1 + (latitude - y1) * (x2 - x1) / (y2 - y1)
                if longitude < crossing:
                    inside = not inside
        return inside

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """South, west, north, east."""
        if not self.outline:
            return (self.latitude, self.longitude, self.latitude, self.longitude)
        lons = [p[0] for p in self.outline]
        lats = [p[1] for p in self.outline]
        return (min(lats), min(lons), max(lats), max(lons))

    def random_point(self, rng: random.Random) -> tuple[float, float]:
        """A uniformly drawn point inside the outline, as (latitude, longitude)."""
        if not self.outline:
            return (self.latitude, self.longitude)
        south, west, north, east = self.bounds
        for _ in range(1000):
            lat = south + (north - south) * rng.random()
            lon = west + (east - west) * rng.random()
            if self.contains(lat, lon):
                return (lat, lon)
        return (self.latitude, self.longitude)

    def triangles(self) -> list[tuple[tuple[float, float], ...]]:
        """The outline cut into triangles fanning from its first corner (convex outlines)."""
        ring = self.outline[:-1]
        return [(ring[0], ring[i], ring[i + 1]) for i in range(1, len(ring) - 1)]

    @property
    def area_km2(self) -> float:
        """Approximate area, for spreading buildings in proportion."""
        if len(self.outline) < 4:
            return 0.0
        twice = 0.0
        for (x1, y1), (x2, y2) in pairwise(self.outline):
            twice += x1 * y2 - x2 * y1
        # degrees to km near 36 N: 111.3 km per degree of latitude, 90.1 per degree of longitude
        return abs(twice) / 2 * 111.3 * 90.1


@dataclass(frozen=True, slots=True)
class Gazetteer:
    city: Place
    neighbourhoods: tuple[Place, ...]
    towns: tuple[Place, ...]

    def place(self, place_id: str) -> Place:
        for place in (self.city, *self.neighbourhoods, *self.towns):
            if place.id == place_id:
                return place
        raise KeyError(place_id)


def _place(feature: dict[str, Any]) -> Place:
    properties = feature["properties"]
    geometry = feature["geometry"]
    outline: tuple[tuple[float, float], ...] = ()
    if geometry["type"] == "Polygon":
        outline = tuple((float(x), float(y)) for x, y in geometry["coordinates"][0])
    latitude, longitude = properties["centroid"]
    return Place(
        id=str(properties["id"]),
        kind=str(properties["kind"]),
        name=str(properties["name"]),
        name_ar=str(properties["name_ar"]),
        variants=tuple(str(v) for v in properties["variants"]),
        country=str(properties["country"]),
        latitude=float(latitude),
        longitude=float(longitude),
        outline=outline,
    )


def gazetteer_text() -> str:
    """The GeoJSON shipped with civharm."""
    return resources.files("civharm").joinpath("data", GAZETTEER_FILE).read_text("utf-8")


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    document = json.loads(gazetteer_text())
    places = [_place(f) for f in document["features"]]
    cities = [p for p in places if p.kind == "city"]
    if len(cities) != 1:
        raise ValueError(f"{GAZETTEER_FILE} must hold exactly one city")
    return Gazetteer(
        city=cities[0],
        neighbourhoods=tuple(p for p in places if p.kind == "neighbourhood"),
        towns=tuple(p for p in places if p.kind == "town"),
    )
