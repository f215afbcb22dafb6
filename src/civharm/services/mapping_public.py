"""The public map's data: incidents as GeoJSON drawn as precisely as they are known, and
the offline layers under them (country outlines, the city's neighbourhoods).

An incident is never drawn more precisely than its geolocation precision says:

- within 100 m or finer: a point;
- street or landmark: a circle of a few hundred metres around the recorded coordinates;
- neighbourhood: that neighbourhood's outline, found by the incident's place names in the
  gazetteer, or failing that a circle of a neighbourhood's typical radius;
- village or town: a circle of a village's or a town's size;
- city or coarser, or no precision recorded: not drawn, only counted.

Circles are written as polygons (with their radius as a property), so that no GeoJSON
reader mistakes them for exact points. Every feature is built from an allow-list of
public fields: no source, claim, witness or evidence detail leaves this module.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from civharm.analysis.damage_assessments import DamageFigure
from civharm.analysis.gazetteer import SHIPPED, Gazetteer, Place, load_gazetteer
from civharm.config import Settings
from civharm.domain.permissions import Action
from civharm.domain.vocabulary import DamageClass, GeoPrecision, Grade
from civharm.services import damage, mapping
from civharm.services.access import PUBLIC, Principal, require
from civharm.services.figures import civilian_deaths_by_incident, current_grades
from civharm.services.flags import is_simulated
from civharm.store import models

SIMULATED_LABEL = "SIMULATED DATA"
OUTLINES = "outlines.geojson"
LAYERS = ("outlines", "neighbourhoods")
UNGRADED = "ungraded"
GRADE_CHOICES = (*(g.value for g in Grade), UNGRADED)

POINT = "point"
CIRCLE = "circle"
AREA = "area"

# Radii (metres) of what "known to this level" means on the ground. A neighbourhood's
# radius is measured from the outlines shipped (see typical_neighbourhood_radius).
RADIUS_M: dict[GeoPrecision, float] = {
    GeoPrecision.LANDMARK: 200.0,
    GeoPrecision.STREET: 300.0,
    GeoPrecision.VILLAGE: 1500.0,
    GeoPrecision.TOWN: 3000.0,
}
NOT_PLACED = frozenset({GeoPrecision.GOVERNORATE, GeoPrecision.DISTRICT,
                        GeoPrecision.SUBDISTRICT, GeoPrecision.CITY})
FALLBACK_NEIGHBOURHOOD_RADIUS_M = 600.0
CIRCLE_VERTICES = 40
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True, slots=True)
class MapFilters:
    """Which incidents to show: grades (None: all) and a date range their window overlaps."""

    grades: frozenset[str] | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(slots=True)
class PlacedIncidents:
    features: list[dict[str, Any]] = field(default_factory=list)
    coarse: int = 0        # known only to city level or coarser
    unlocated: int = 0     # no coordinates, no matching place, or no precision recorded
    simulated: bool = False

    def collection(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": "FeatureCollection",
            "name": "civharm incidents",
            "not_placed": {"city_or_coarser": self.coarse, "no_location": self.unlocated},
            "features": self.features,
        }
        if self.simulated:
            document["simulated"] = SIMULATED_LABEL
            document["name"] = f"civharm incidents ({SIMULATED_LABEL})"
        return document


# ---- layers ---------------------------------------------------------------------------


def _read_package_json(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        resources.files("civharm").joinpath("data", name).read_text("utf-8"))
    return loaded


def _user_outlines_path() -> Path | None:
    """Neighbourhood outlines of the user's own places: a GeoJSON file beside the
    gazetteer CSV (``CIVHARM_GAZETTEER_FILE``), with the same name and ``.geojson``."""
    places = Settings.from_env().gazetteer_file
    if places is None:
        return None
    beside = places.with_suffix(".geojson")
    return beside if beside.is_file() else None


def _is_area(geometry: object) -> bool:
    return isinstance(geometry, dict) and geometry.get("type") in ("Polygon", "MultiPolygon") \
        and isinstance(geometry.get("coordinates"), list)


def _area_feature(feature: dict[str, Any]) -> dict[str, Any] | None:
    """A neighbourhood or city outline with only the public fields of a place."""
    properties = feature.get("properties") or {}
    kind = str(properties.get("kind", "neighbourhood"))
    place_id = str(properties.get("id") or feature.get("id") or "")
    if kind not in ("neighbourhood", "city") or not place_id or not _is_area(feature.get("geometry")):
        return None
    return {
        "type": "Feature",
        "id": place_id,
        "properties": {"id": place_id, "kind": kind, "name": str(properties.get("name", "")),
                       "name_ar": str(properties.get("name_ar", ""))},
        "geometry": feature["geometry"],
    }


@lru_cache(maxsize=4)
def _neighbourhood_layer(user_file: Path | None, user_mtime: float) -> dict[str, Any]:
    features = [f for f in (_area_feature(f) for f in _read_package_json(SHIPPED)["features"])
                if f is not None]
    if user_file is not None:
        try:
            extra = json.loads(user_file.read_text(encoding="utf-8")).get("features", [])
        except (OSError, ValueError, AttributeError):
            extra = []  # an unreadable file adds nothing; the shipped outlines still draw
        theirs = [f for f in (_area_feature(f) for f in extra if isinstance(f, dict))
                  if f is not None]
        ids = {f["id"] for f in theirs}
        # A user's outline replaces a shipped one of the same id.
        features = [f for f in features if f["id"] not in ids] + theirs
    return {"type": "FeatureCollection", "name": "neighbourhoods", "features": features}


def neighbourhood_layer() -> dict[str, Any]:
    user_file = _user_outlines_path()
    mtime = user_file.stat().st_mtime if user_file is not None else 0.0
    return _neighbourhood_layer(user_file, mtime)


@lru_cache(maxsize=1)
def outline_layer() -> dict[str, Any]:
    return _read_package_json(OUTLINES)


def layer(name: str, principal: Principal = PUBLIC) -> dict[str, Any] | None:
    """One of the map's offline layers by name, or None when there is no such layer."""
    require(principal, Action.VIEW_PUBLIC, target=f"map:layer:{name[:40]}")
    if name == "outlines":
        return outline_layer()
    if name == "neighbourhoods":
        return neighbourhood_layer()
    return None


# ---- geometry -------------------------------------------------------------------------


def _rings(geometry: dict[str, Any]) -> Iterable[list[list[float]]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for polygon in polygons:
        yield from polygon[:1]  # outer rings; neighbourhood outlines have no holes worth it


def _area_m2(geometry: dict[str, Any]) -> float:
    total = 0.0
    for ring in _rings(geometry):
        if len(ring) < 4:
            continue
        latitude = sum(p[1] for p in ring) / len(ring)
        kx = METRES_PER_DEGREE * math.cos(math.radians(latitude))
        ky = METRES_PER_DEGREE
        twice = sum((x0 * kx) * (y1 * ky) - (x1 * kx) * (y0 * ky)
                    for (x0, y0, *_), (x1, y1, *_) in itertools.pairwise(ring))
        total += abs(twice) / 2
    return total


def typical_neighbourhood_radius(layer_: dict[str, Any] | None = None) -> float:
    """The median radius of a circle as large as each neighbourhood outline, in metres."""
    found = layer_ or neighbourhood_layer()
    radii = sorted(math.sqrt(_area_m2(f["geometry"]) / math.pi) for f in found["features"]
                   if f["properties"]["kind"] == "neighbourhood")
    radii = [r for r in radii if r > 0]
    if not radii:
        return FALLBACK_NEIGHBOURHOOD_RADIUS_M
    return round(radii[len(radii) // 2], -1)


def circle(latitude: float, longitude: float, radius_m: float) -> dict[str, Any]:
    """A circle as a polygon: good enough at a few kilometres, and readable by any GIS."""
    dy = radius_m / METRES_PER_DEGREE
    dx = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    ring = [
        [round(longitude + dx * math.cos(a), 5), round(latitude + dy * math.sin(a), 5)]
        for a in (2 * math.pi * i / CIRCLE_VERTICES for i in range(CIRCLE_VERTICES))
    ]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


# ---- incidents ------------------------------------------------------------------------


def _precision(value: str) -> GeoPrecision | None:
    try:
        return GeoPrecision.parse(value) if value else None  # type: ignore[return-value]
    except ValueError:
        return None


def _names(incident: models.Incident) -> list[str]:
    """The incident's place names, most specific first: "al-Mishlab, Raqqa" gives
    "al-Mishlab" before the whole name."""
    names = [incident.neighbourhood]
    for whole in (incident.place_ar, incident.place):
        names += [whole.replace("،", ",").split(",")[0], whole]
    return [n.strip() for n in names if n and n.strip()]


class _Neighbourhoods:
    """Finds the neighbourhood an incident names, and its outline if one is drawn."""

    def __init__(self, gazetteer: Gazetteer, outlines: dict[str, Any]):
        self.outlines = {f["id"]: f for f in outlines["features"]
                         if f["properties"]["kind"] == "neighbourhood"}
        places = list(gazetteer.places.values())
        for feature in self.outlines.values():
            if feature["id"] not in gazetteer.places:  # an outline the user drew, named there
                p = feature["properties"]
                places.append(Place(id=feature["id"], kind="neighbourhood", name=p["name"],
                                    name_ar=p["name_ar"], variants=(), country="",
                                    latitude=0.0, longitude=0.0))
        self.gazetteer = Gazetteer(places)
        self.radius_m = typical_neighbourhood_radius(outlines)

    def find(self, incident: models.Incident) -> tuple[Place | None, dict[str, Any] | None]:
        for name in _names(incident):
            place = self.gazetteer.lookup(name)
            if place is not None and place.kind == "neighbourhood":
                return place, self.outlines.get(place.id)
        return None, None


def _public_properties(incident: models.Incident, grade: str,
                       killed: tuple[int, int] | None) -> dict[str, Any]:
    """The allow-list: the only incident fields the public map publishes."""
    return {
        "code": incident.code,
        "date": str(mapping.window_of(incident)),
        "place": incident.place,
        "place_ar": incident.place_ar,
        "geo_precision": incident.geo_precision,
        "strike_type": incident.strike_type,
        "grade": grade,
        "civilians_killed_min": killed[0] if killed else None,
        "civilians_killed_max": killed[1] if killed else None,
    }


def _filtered(filters: MapFilters, grades: dict[int, str]) -> list[models.Incident]:
    query = models.Incident.objects.all()
    if filters.date_from is not None:
        query = query.filter(date_end__gte=filters.date_from)
    if filters.date_to is not None:
        query = query.filter(date_start__lte=filters.date_to)
    found = list(query.order_by("date_start", "code"))
    if filters.grades is not None:
        found = [i for i in found if (grades.get(i.pk) or UNGRADED) in filters.grades]
    return found


def place_incidents(filters: MapFilters = MapFilters(),
                    principal: Principal = PUBLIC) -> PlacedIncidents:
    """The incidents the filters select, each drawn as precisely as it is known."""
    require(principal, Action.VIEW_PUBLIC, target="map:incidents")
    gazetteer = load_gazetteer(Settings.from_env().gazetteer_file)
    neighbourhoods = _Neighbourhoods(gazetteer, neighbourhood_layer())
    grades = current_grades()
    deaths = civilian_deaths_by_incident()
    placed = PlacedIncidents(simulated=is_simulated())
    simulated = {"simulated": SIMULATED_LABEL} if placed.simulated else {}
    for incident in _filtered(filters, grades):
        precision = _precision(incident.geo_precision)
        if precision in NOT_PLACED:
            placed.coarse += 1
            continue
        killed = deaths.get(incident.pk)
        properties = _public_properties(incident, grades.get(incident.pk, ""),
                                        (killed.low, killed.high) if killed else None)
        properties.update(simulated)
        geometry = _shape(incident, precision, neighbourhoods, properties)
        if geometry is None:
            placed.unlocated += 1
            continue
        placed.features.append({"type": "Feature", "id": incident.code,
                                "geometry": geometry, "properties": properties})
    placed.features.sort(key=_drawing_order)
    return placed


def _shape(incident: models.Incident, precision: GeoPrecision | None,
           neighbourhoods: _Neighbourhoods, properties: dict[str, Any]) -> dict[str, Any] | None:
    """The geometry the incident is drawn as (adding its shape to ``properties``), or None."""
    if precision is None:
        return None
    located = incident.latitude is not None and incident.longitude is not None
    if located and precision.rank >= GeoPrecision.WITHIN_100M.rank:
        properties["shape"] = POINT
        return {"type": "Point",
                "coordinates": [round(incident.longitude, 5), round(incident.latitude, 5)]}
    if located and precision in RADIUS_M:
        properties.update(shape=CIRCLE, radius_m=RADIUS_M[precision])
        return circle(incident.latitude, incident.longitude, RADIUS_M[precision])
    # A neighbourhood, or a finer place whose coordinates are missing: the neighbourhood
    # it names is the most that can honestly be drawn.
    place, outline = neighbourhoods.find(incident)
    if outline is not None:
        properties.update(shape=AREA, area=outline["id"],
                          area_name=outline["properties"]["name"],
                          area_name_ar=outline["properties"]["name_ar"])
        return dict(outline["geometry"])
    if precision.rank >= GeoPrecision.NEIGHBOURHOOD.rank:
        centre = ((incident.latitude, incident.longitude) if located
                  else (place.latitude, place.longitude) if place is not None and place.latitude
                  else None)
        if centre is not None:
            properties.update(shape=CIRCLE, radius_m=neighbourhoods.radius_m)
            return circle(centre[0], centre[1], neighbourhoods.radius_m)
    return None


def _drawing_order(feature: dict[str, Any]) -> tuple[int, float]:
    """Areas under circles under points; larger under smaller, so all can be clicked."""
    p = feature["properties"]
    if p["shape"] == AREA:
        return (0, 0.0)
    if p["shape"] == CIRCLE:
        return (1, -float(p["radius_m"]))
    return (2, -float(p["civilians_killed_max"] or 0))


# ---- damage from satellite imagery ----------------------------------------------------

# Classes the map's damage layer shows: what an "uninhabitable" share counts (docs/damage.md).
DAMAGE_SHOWN = (DamageClass.DESTROYED.value, DamageClass.SEVERE.value)
# Above this many sites the layer starts switched off (it is drawn on a canvas when on).
DAMAGE_ON_BY_DEFAULT_MAX = 3_000


@dataclass(slots=True)
class DamageSites:
    """Destroyed and severely damaged sites seen on one imagery date (None: none recorded)."""

    observed_on: date | None
    features: list[dict[str, Any]] = field(default_factory=list)
    simulated: bool = False

    @property
    def on_by_default(self) -> bool:
        return len(self.features) <= DAMAGE_ON_BY_DEFAULT_MAX

    def collection(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": "FeatureCollection",
            "name": "civharm destroyed and severely damaged sites",
            "observed_on": self.observed_on.isoformat() if self.observed_on else None,
            "features": self.features,
        }
        if self.simulated:
            document["simulated"] = SIMULATED_LABEL
            document["name"] = f"{document['name']} ({SIMULATED_LABEL})"
        return document


def damage_dates(principal: Principal = PUBLIC) -> list[date]:
    """The imagery dates with any damage observation, oldest first."""
    require(principal, Action.VIEW_PUBLIC, target="map:damage")
    return sorted(models.DamageObservation.objects.values_list("observed_on", flat=True)
                  .distinct())


def damage_sites(day: date | None = None, principal: Principal = PUBLIC) -> DamageSites:
    """Sites seen destroyed or severely damaged on ``day`` (default: the latest imagery
    date), each once, as points with public fields only: site, class, date, neighbourhood."""
    require(principal, Action.VIEW_PUBLIC, target="map:damage")
    if day is None:
        day = (models.DamageObservation.objects.order_by("-observed_on")
               .values_list("observed_on", flat=True).first())
    found = DamageSites(day, simulated=is_simulated())
    if day is None:
        return found
    rows = (models.DamageObservation.objects
            .filter(observed_on=day, damage_class__in=DAMAGE_SHOWN)
            .order_by("site", "product")
            .values_list("site", "damage_class", "neighbourhood", "latitude", "longitude"))
    seen: set[str] = set()
    for site, damage_class, neighbourhood, latitude, longitude in rows.iterator(chunk_size=2_000):
        if site in seen:  # the same site in two products: shown once
            continue
        seen.add(site)
        found.features.append({
            "type": "Feature",
            "geometry": {"type": "Point",
                         "coordinates": [round(longitude, 6), round(latitude, 6)]},
            "properties": {"site": site, "class": damage_class, "observed_on": day.isoformat(),
                           "neighbourhood": neighbourhood},
        })
    return found


def public_damage_figures(principal: Principal = PUBLIC) -> list[DamageFigure]:
    """Every product's damage figures per imagery date, for the city and each neighbourhood
    (counts of sites only: no coordinates)."""
    require(principal, Action.VIEW_PUBLIC, target="damage:figures")
    return damage.damage_figures()
