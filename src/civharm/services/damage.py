"""Satellite damage assessments: import them, count them, and find destroyed sites near a place.

An import is all or nothing: every cell of the file is checked first and a file with any
problem writes nothing. Importing the same file again changes nothing. A file that changes
the store gets one audit entry naming its SHA-256.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from civharm.analysis.damage_assessments import (
    DEFAULT_CODES,
    DEFAULT_PRODUCT,
    DamageFigure,
    metres_between,
    read_assessments,
)
from civharm.analysis.damage_assessments import damage_figures as count_figures
from civharm.domain.vocabulary import DamageClass
from civharm.services import audit
from civharm.services.errors import ImportRejected, UserError
from civharm.services.importing import file_sha256
from civharm.services.progress import Progress, silent
from civharm.store import models

_BATCH = 2_000


@dataclass(frozen=True, slots=True)
class DamageImport:
    """What one file did to the store."""

    file: str
    product: str
    sites: int
    observations: int
    created: int
    updated: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


@dataclass(frozen=True, slots=True)
class NearbySite:
    site: str
    product: str
    latitude: float
    longitude: float
    observed_on: date
    damage_class: str
    distance_m: int


def import_damage(path: Path, product: str = DEFAULT_PRODUCT,
                  codes: Mapping[str, DamageClass] | None = None, actor: str | None = None,
                  progress: Progress = silent) -> DamageImport:
    """Import one UNOSAT-style CSV or GeoJSON file under ``product``. ``codes`` maps the
    file's class codes to damage classes (default: UNOSAT's). Raises
    :class:`ImportRejected` listing every problem, having written nothing."""
    product = product.strip()
    if not product:
        raise UserError("the product name is empty")
    if not path.is_file():
        raise UserError(f"the damage file {path} does not exist")
    progress("checking", 0, 1)
    read = read_assessments(path, codes)
    if read.problems:
        raise ImportRejected(read.problems)
    rows = read.rows
    progress("checking", 1, 1)
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {
            (site, day): (pk, lat, lon, damage, hood)
            for pk, site, day, lat, lon, damage, hood in models.DamageObservation.objects
            .filter(product=product)
            .values_list("id", "site", "observed_on", "latitude", "longitude", "damage_class",
                         "neighbourhood").iterator(chunk_size=_BATCH)
        }
        new: list[models.DamageObservation] = []
        changed: list[models.DamageObservation] = []
        for row in rows:
            values = (row.latitude, row.longitude, row.damage_class, row.neighbourhood)
            found = existing.get((row.site, row.observed_on))
            if found is None:
                new.append(models.DamageObservation(
                    site=row.site, product=product, latitude=row.latitude,
                    longitude=row.longitude, observed_on=row.observed_on,
                    damage_class=row.damage_class, neighbourhood=row.neighbourhood))
            elif found[1:] != values:
                changed.append(models.DamageObservation(
                    id=found[0], site=row.site, product=product, latitude=row.latitude,
                    longitude=row.longitude, observed_on=row.observed_on,
                    damage_class=row.damage_class, neighbourhood=row.neighbourhood))
            else:
                unchanged += 1
        total = len(new) + len(changed)
        done = 0
        progress("storing", 0, total)
        for start in range(0, len(new), _BATCH):
            batch = new[start:start + _BATCH]
            models.DamageObservation.objects.bulk_create(batch)
            done += len(batch)
            progress("storing", done, total)
        for start in range(0, len(changed), _BATCH):
            batch = changed[start:start + _BATCH]
            models.DamageObservation.objects.bulk_update(
                batch, ["latitude", "longitude", "damage_class", "neighbourhood"])
            done += len(batch)
            progress("storing", done, total)
        created, updated = len(new), len(changed)
        result = DamageImport(path.name, product, read.sites, len(rows), created, updated,
                              unchanged)
        if result.changed:
            digest = file_sha256(path)
            audit.record("import.damage", actor=audit.acting(actor), target=f"import:{digest}",
                         details={"file": path.name, "sha256": digest, "kind": "damage",
                                  "product": product, "sites": read.sites,
                                  "observations": len(rows), "created": created,
                                  "updated": updated, "unchanged": unchanged,
                                  "codes": {code: damage.value
                                            for code, damage in (codes or DEFAULT_CODES).items()}})
    return result


def damage_figures(product: str | None = None, by_neighbourhood: bool = True
                   ) -> list[DamageFigure]:
    """Per product and imagery date: the city's figures and, when asked, each
    neighbourhood's (see :mod:`civharm.analysis.damage_assessments` for the definitions)."""
    seen = models.DamageObservation.objects.all()
    if product is not None:
        seen = seen.filter(product=product)
    return count_figures(
        seen.values_list("product", "site", "neighbourhood", "observed_on", "damage_class")
        .iterator(chunk_size=_BATCH), by_neighbourhood=by_neighbourhood)


def destroyed_near(lat: float, lon: float, day_from: date, day_to: date, radius_m: float,
                   product: str | None = None, severe: bool = False) -> list[NearbySite]:
    """Sites seen destroyed (or, with ``severe``, destroyed or severely damaged) on an imagery
    date from ``day_from`` to ``day_to`` (inclusive) within ``radius_m`` metres of a point,
    nearest first, each once (its first such sighting)."""
    import math

    if radius_m < 0 or day_to < day_from:
        return []
    classes = [DamageClass.DESTROYED.value, *([DamageClass.SEVERE.value] if severe else [])]
    dlat = radius_m / 111_000 * 1.2
    dlon = dlat / max(0.01, math.cos(math.radians(lat)))
    seen = (models.DamageObservation.objects
            .filter(damage_class__in=classes,
                    observed_on__gte=day_from, observed_on__lte=day_to,
                    latitude__range=(lat - dlat, lat + dlat),
                    longitude__range=(lon - dlon, lon + dlon))
            .order_by("observed_on", "site", "product"))
    if product is not None:
        seen = seen.filter(product=product)
    sites: dict[str, NearbySite] = {}
    for row in seen:
        distance = metres_between(lat, lon, row.latitude, row.longitude)
        if distance > radius_m or row.site in sites:
            continue
        sites[row.site] = NearbySite(row.site, row.product, row.latitude, row.longitude,
                                     row.observed_on, row.damage_class, round(distance))
    return sorted(sites.values(), key=lambda s: (s.distance_m, s.site))


# --- incidents with no destruction seen near them ------------------------------------------------

NOT_ASSESSED = "not assessed"
NO_DESTRUCTION = "no destruction seen"


@dataclass(frozen=True, slots=True)
class IncidentDamageCheck:
    """One precisely placed incident with no site seen destroyed or severely damaged near it:
    ``status`` is :data:`NO_DESTRUCTION` when imagery covers its place and time (a second look
    is due) or :data:`NOT_ASSESSED` when none does (nothing can be said)."""

    code: str
    date_start: date
    date_end: date
    place: str
    latitude: float
    longitude: float
    geo_precision: str
    status: str
    sites_assessed: int  # sites within the radius seen on imagery from the incident's start

    def as_json(self) -> dict[str, object]:
        return {"code": self.code, "date_start": self.date_start.isoformat(),
                "date_end": self.date_end.isoformat(), "place": self.place,
                "latitude": self.latitude, "longitude": self.longitude,
                "geo_precision": self.geo_precision, "status": self.status,
                "sites_assessed": self.sites_assessed}


@dataclass(frozen=True, slots=True)
class IncidentDamageReport:
    """What :func:`incidents_without_destruction` found, with the settings it used."""

    radius_m: float
    days_before: int
    days_after: int
    checked: int  # incidents placed at neighbourhood level or finer
    imprecise: int  # incidents left out: no coordinates, or coarser than a neighbourhood
    with_destruction: int
    unmatched: list[IncidentDamageCheck]  # NO_DESTRUCTION: for a second look
    not_assessed: list[IncidentDamageCheck]

    def as_json(self) -> dict[str, object]:
        return {"radius_m": self.radius_m, "days_before": self.days_before,
                "days_after": self.days_after, "checked": self.checked,
                "imprecise": self.imprecise, "with_destruction": self.with_destruction,
                "unmatched": [i.as_json() for i in self.unmatched],
                "not_assessed": [i.as_json() for i in self.not_assessed]}


def _precise_enough(precision: str) -> bool:
    from civharm.domain.vocabulary import GeoPrecision

    try:
        return GeoPrecision(precision).rank >= GeoPrecision.NEIGHBOURHOOD.rank
    except ValueError:
        return False


def incidents_without_destruction(radius_m: float = 500, days_before: int = 14,
                                  days_after: int = 90) -> IncidentDamageReport:
    """Incidents placed at neighbourhood level or finer with no site seen destroyed or
    severely damaged within ``radius_m`` metres on an imagery date from ``days_before`` days
    before the incident's first day to ``days_after`` days after its last.

    Such an incident is *unmatched* (worth a second look) only if imagery covers it: some
    site within the radius was assessed on a date from the incident's first day to the end
    of the window, since imagery from before the incident cannot show what it did.
    Otherwise it is *not assessed*. All products count. Reads only; changes nothing."""
    import math
    from datetime import timedelta

    if radius_m < 0 or days_before < 0 or days_after < 0:
        raise UserError("the radius and the days before and after must not be negative")
    bad = {DamageClass.DESTROYED.value, DamageClass.SEVERE.value}
    cell = max(radius_m, 50.0) / 111_000  # degrees of latitude per grid cell
    grid: dict[tuple[int, int], list[tuple[str, float, float, date, bool]]] = {}
    for site, lat, lon, day, damage in (models.DamageObservation.objects
                                        .values_list("site", "latitude", "longitude",
                                                     "observed_on", "damage_class")
                                        .iterator(chunk_size=_BATCH)):
        grid.setdefault((math.floor(lat / cell), math.floor(lon / cell)), []).append(
            (site, lat, lon, day, damage in bad))
    checked = imprecise = matched = 0
    unmatched: list[IncidentDamageCheck] = []
    not_assessed: list[IncidentDamageCheck] = []
    for code, start, end, place, lat, lon, precision in (
            models.Incident.objects.order_by("date_start", "code")
            .values_list("code", "date_start", "date_end", "place", "latitude", "longitude",
                         "geo_precision")):
        if lat is None or lon is None or not _precise_enough(precision):
            imprecise += 1
            continue
        checked += 1
        first, last = start - timedelta(days=days_before), end + timedelta(days=days_after)
        # Cells are square in degrees; a degree of longitude is shorter away from the
        # equator, so look further east and west.
        spread = math.ceil(1 / max(0.01, math.cos(math.radians(lat))))
        row, column = math.floor(lat / cell), math.floor(lon / cell)
        destruction = False
        seen: set[str] = set()
        for r in range(row - 1, row + 2):
            for c in range(column - spread, column + spread + 1):
                for site, site_lat, site_lon, day, is_bad in grid.get((r, c), ()):
                    if not first <= day <= last:
                        continue
                    if metres_between(lat, lon, site_lat, site_lon) > radius_m:
                        continue
                    destruction = destruction or is_bad
                    if day >= start:
                        seen.add(site)
        assessed = len(seen)
        if destruction:
            matched += 1
            continue
        found = IncidentDamageCheck(code, start, end, place, lat, lon, precision,
                                    NO_DESTRUCTION if assessed else NOT_ASSESSED, assessed)
        (unmatched if assessed else not_assessed).append(found)
    return IncidentDamageReport(radius_m, days_before, days_after, checked, imprecise, matched,
                                unmatched, not_assessed)


def latest_city_figure() -> DamageFigure | None:
    """The city's figures at the latest imagery date of any product (on a tie, the first
    product by name), or None when no site has been assessed."""
    figures = damage_figures(by_neighbourhood=False)
    if not figures:
        return None
    latest = max(f.observed_on for f in figures)
    return min((f for f in figures if f.observed_on == latest), key=lambda f: f.product)
