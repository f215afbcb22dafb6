"""Satellite damage assessments: UNOSAT-style files read into long rows, and damage figures.

A damage assessment file names one site (a building or structure) per row, with its
coordinates and neighbourhood, and the class an analyst gave it on one or more imagery
dates. UNOSAT publishes these *wide*: repeated ``SensorDate_N`` / ``Main_Damage_Site_Class_N``
column pairs, one pair per imagery date (any N, gaps in the numbering allowed, a pair left
blank where the site was not assessed on that date). A file with a single unnumbered
``SensorDate`` / ``Main_Damage_Site_Class`` pair is the *long* form, one row per site per
date. GeoJSON files and shapefiles (``.shp`` with its ``.dbf``, or zipped) of points with the
same properties are read the same way; a shapefile must be in WGS 84 longitude and latitude.

Everything here is plain data: :func:`read_assessments` turns a file into
:class:`DamageRow` values (one site, one date) and :class:`~civharm.ingest.problems.Problem`
values, and :func:`damage_figures` counts them. Nothing here opens a database.

Codes. Each product has its own table of class codes; the default is UNOSAT's:
1 destroyed, 2 severe, 3 moderate, 4 possible, 6 no visible damage, and 11 "possible damage
from an adjacent impact", which is stored as *possible*: the analyst saw signs of damage but
could not say the structure itself was hit, which is what *possible* means. The original
code is kept on every row, so nothing is lost by the mapping.

Figures. For each product, each imagery date, the whole city and each neighbourhood:
*assessed* is the number of sites given a class on that date; *damaged* the number given any
class worse than none (possible, moderate, severe or destroyed); *destroyed* those given
destroyed; and *severe* those given severe. Shares are of the sites assessed on that date.

A figure such as "80% of the city is uninhabitable" is **not** the damaged share. It would be
defined as the share of assessed structures that are destroyed or severely damaged,
``(destroyed + severe) / assessed`` — :attr:`DamageFigure.destroyed_or_severe_share` — at one
imagery date, for one area, and it counts structures, not homes or people. The damaged share
also counts possible and moderate damage, which leave a building standing and often
habitable, and is always at least as large.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from civharm.domain.vocabulary import DamageClass
from civharm.ingest.problems import Problem

DEFAULT_PRODUCT = "UNOSAT"

DEFAULT_CODES: dict[str, DamageClass] = {
    "1": DamageClass.DESTROYED,
    "2": DamageClass.SEVERE,
    "3": DamageClass.MODERATE,
    "4": DamageClass.POSSIBLE,
    "6": DamageClass.NONE,
    # "Possible damage from an adjacent impact": signs of damage the analyst could not
    # attribute to the structure itself, so *possible*.
    "11": DamageClass.POSSIBLE,
}

SITE_COLUMNS = ("siteid", "site_id", "site")
LATITUDE_COLUMNS = ("latitude", "lat")
LONGITUDE_COLUMNS = ("longitude", "lon", "long")
# "neighbourh" and "neighborho": the names cut to a DBF's 10 characters.
NEIGHBOURHOOD_COLUMNS = ("neighbourhood", "neighborhood", "neighbourh", "neighborho")
DATE_STEM, CLASS_STEM = "sensordate", "main_damage_site_class"
# A shapefile's DBF keeps at most 10 characters of a column name, so "SensorDa_1" and
# "Main_Dam_1" are read as "SensorDate_1" and "Main_Damage_Site_Class_1": a stem of at least
# this many characters that begins the full name counts as it.
MIN_TRUNCATED_STEM = 8
_NUMBERED = re.compile(r"^([a-z_]+?)(?:_(\d+))?$")
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ][0-9:.+Z-]*)?$")
_WHOLE_FLOAT = re.compile(r"^(\d+)\.0+$")


@dataclass(frozen=True, slots=True)
class DamageRow:
    """One site seen on one imagery date. ``line`` is the file line (CSV) or feature number
    (GeoJSON) it came from."""

    site: str
    latitude: float
    longitude: float
    neighbourhood: str
    observed_on: date
    code: str
    damage_class: str
    line: int = 0


@dataclass
class Assessments:
    """What a file holds: its long rows, its problems, and its wide column pairs in order."""

    file: str
    rows: list[DamageRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sites: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class DamageFigure:
    """Counts of sites for one product, one area (a neighbourhood, or ``""`` for the city)
    and one imagery date. See the module's docstring for the definitions."""

    product: str
    neighbourhood: str
    observed_on: date
    assessed: int
    damaged: int
    destroyed: int
    severe: int

    @property
    def area(self) -> str:
        return self.neighbourhood or "city"

    @property
    def damaged_share(self) -> float:
        """Sites with any damage (possible or worse) over sites assessed."""
        return self.damaged / self.assessed if self.assessed else 0.0

    @property
    def destroyed_share(self) -> float:
        return self.destroyed / self.assessed if self.assessed else 0.0

    @property
    def destroyed_or_severe_share(self) -> float:
        """Destroyed or severely damaged over sites assessed: how an "uninhabitable" share
        would be defined. It is not the damaged share."""
        return (self.destroyed + self.severe) / self.assessed if self.assessed else 0.0

    def as_json(self) -> dict[str, object]:
        return {"product": self.product, "area": self.area,
                "neighbourhood": self.neighbourhood, "observed_on": self.observed_on.isoformat(),
                "assessed": self.assessed, "damaged": self.damaged,
                "destroyed": self.destroyed, "severe": self.severe,
                "damaged_share": round(self.damaged_share, 4),
                "destroyed_share": round(self.destroyed_share, 4),
                "destroyed_or_severe_share": round(self.destroyed_or_severe_share, 4)}


class CodesError(ValueError):
    """A code table given as text could not be read; the message says why."""


def parse_codes(text: str) -> dict[str, DamageClass]:
    """Read a code table such as ``"1=destroyed,2=severe,6=none"``. It replaces the default
    table whole, so it must name every code the file uses."""
    codes: dict[str, DamageClass] = {}
    names = {c.value: c for c in DamageClass}
    for part in text.split(","):
        if not part.strip():
            continue
        code, sep, name = part.partition("=")
        code, name = normalise_code(code), name.strip().lower()
        if not sep or not code:
            raise CodesError(f"{part.strip()!r} is not CODE=CLASS")
        if name not in names:
            raise CodesError(f"{name!r} is not a damage class; the classes are "
                             f"{', '.join(names)}")
        if code in codes:
            raise CodesError(f"code {code!r} is given twice")
        codes[code] = names[name]
    if not codes:
        raise CodesError("no codes given")
    return codes


def normalise_code(text: str) -> str:
    """A code as text: spaces trimmed, and ``"1.0"`` (a spreadsheet's number) read as ``"1"``."""
    text = text.strip()
    whole = _WHOLE_FLOAT.match(text)
    return whole.group(1) if whole else text


def parse_date(text: str) -> date | None:
    """An imagery date: ``YYYY-MM-DD`` (or with ``/``), optionally followed by a time."""
    found = _DATE.match(text.strip())
    if not found:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


def pair_column(column: str, stem: str) -> str | None:
    """The number of a ``<stem>_N`` column (``""`` for an unnumbered one), the stem possibly
    truncated as a DBF truncates names; None when the column is not one."""
    match = _NUMBERED.match(column.strip().lower())
    if not match:
        return None
    found = match.group(1)
    if found == stem or (len(found) >= MIN_TRUNCATED_STEM and stem.startswith(found)):
        return match.group(2) or ""
    return None


def _find(columns: Sequence[str], names: Iterable[str]) -> str | None:
    wanted = set(names)
    for column in columns:
        if column.strip().lower() in wanted:
            return column
    return None


@dataclass(frozen=True, slots=True)
class _Layout:
    site: str
    latitude: str | None
    longitude: str | None
    neighbourhood: str | None
    pairs: tuple[tuple[str, str], ...]  # (date column, class column), in number order


def _layout(file: str, columns: Sequence[str], with_coordinates: bool
            ) -> tuple[_Layout | None, list[Problem]]:
    problems: list[Problem] = []
    site = _find(columns, SITE_COLUMNS)
    latitude = _find(columns, LATITUDE_COLUMNS)
    longitude = _find(columns, LONGITUDE_COLUMNS)
    if site is None:
        problems.append(Problem(file, 1, None, "no SiteID column"))
    if with_coordinates:
        for found, name in ((latitude, "latitude"), (longitude, "longitude")):
            if found is None:
                problems.append(Problem(file, 1, None, f"no {name} column"))
    dates: dict[str, str] = {}
    classes: dict[str, str] = {}
    for column in columns:
        for stem, into in ((DATE_STEM, dates), (CLASS_STEM, classes)):
            number = pair_column(column, stem)
            if number is not None:
                if number in into:
                    problems.append(Problem(file, 1, column, "this column is given twice"))
                into[number] = column
    for number in sorted(dates.keys() - classes.keys(), key=_number_order):
        problems.append(Problem(file, 1, dates[number], "no Main_Damage_Site_Class column "
                                "goes with this date column"))
    for number in sorted(classes.keys() - dates.keys(), key=_number_order):
        problems.append(Problem(file, 1, classes[number], "no SensorDate column goes with "
                                "this class column"))
    if not dates and not classes:
        problems.append(Problem(file, 1, None, "no SensorDate and Main_Damage_Site_Class "
                                "columns"))
    if problems or site is None:
        return None, problems
    numbers = sorted(dates.keys() & classes.keys(), key=_number_order)
    return _Layout(site, latitude, longitude, _find(columns, NEIGHBOURHOOD_COLUMNS),
                   tuple((dates[n], classes[n]) for n in numbers)), problems


def _number_order(number: str) -> int:
    return int(number) if number else 0


def _coordinate(text: str, limit: float) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and -limit <= value <= limit else None


def _pivot(result: Assessments, layout: _Layout, records: Iterable[tuple[int, Mapping[str, str],
           tuple[float, float] | None]], codes: Mapping[str, DamageClass],
           unit: str = "line") -> None:
    """Turn wide records into long rows, checking every cell."""
    file = result.file
    seen: dict[tuple[str, date], int] = {}
    sites: set[str] = set()

    def problem(line: int, column: str | None, reason: str) -> None:
        result.problems.append(Problem(file, line, column, reason, unit))

    for line, record, point in records:
        site = (record.get(layout.site) or "").strip()
        if not site:
            problem(line, layout.site, "no site identifier")
            continue
        if point is not None:
            lon, lat = point
            latitude: float | None = lat if -90 <= lat <= 90 else None
            longitude: float | None = lon if -180 <= lon <= 180 else None
            if latitude is None or longitude is None:
                problem(line, "geometry", "the point is not a longitude and latitude")
                continue
        else:
            assert layout.latitude is not None and layout.longitude is not None
            latitude = _coordinate(record.get(layout.latitude) or "", 90)
            longitude = _coordinate(record.get(layout.longitude) or "", 180)
            if latitude is None:
                problem(line, layout.latitude, f"{record.get(layout.latitude) or ''!r} is not "
                        "a latitude between -90 and 90")
            if longitude is None:
                problem(line, layout.longitude, f"{record.get(layout.longitude) or ''!r} is "
                        "not a longitude between -180 and 180")
            if latitude is None or longitude is None:
                continue
        neighbourhood = (record.get(layout.neighbourhood) or "").strip() \
            if layout.neighbourhood else ""
        sites.add(site)
        for date_column, class_column in layout.pairs:
            day_text = (record.get(date_column) or "").strip()
            code = normalise_code(record.get(class_column) or "")
            if not day_text and not code:
                continue  # not assessed on this date
            if not day_text:
                problem(line, date_column, f"class {code!r} has no date")
                continue
            day = parse_date(day_text)
            if day is None:
                problem(line, date_column, f"{day_text!r} is not a date (YYYY-MM-DD)")
                continue
            if not code:
                problem(line, class_column, f"the date {day_text} has no class")
                continue
            damage = codes.get(code)
            if damage is None:
                problem(line, class_column, f"{code!r} is not a known damage code (known: "
                        f"{', '.join(sorted(codes, key=_code_order))})")
                continue
            earlier = seen.get((site, day))
            if earlier is not None:
                problem(line, date_column, f"site {site} is already assessed on "
                        f"{day.isoformat()} at {unit} {earlier}")
                continue
            seen[(site, day)] = line
            result.rows.append(DamageRow(site, latitude, longitude, neighbourhood, day, code,
                                         damage.value, line))
    result.sites = len(sites)


def _code_order(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (1 << 30, code)


def read_csv_text(text: str, file: str, codes: Mapping[str, DamageClass] | None = None
                  ) -> Assessments:
    """Read a CSV assessment, wide or long, into long rows."""
    result = Assessments(file)
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        result.problems.append(Problem(file, None, None, "the file is empty"))
        return result
    except csv.Error as error:
        result.problems.append(Problem(file, 1, None, f"not readable as CSV: {error}"))
        return result
    layout, problems = _layout(file, header, with_coordinates=True)
    result.problems += problems
    if layout is None:
        return result

    def records() -> Iterable[tuple[int, Mapping[str, str], None]]:
        try:
            for number, cells in enumerate(reader, start=2):
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > len(header):
                    result.problems.append(Problem(file, number, None, f"{len(cells)} cells "
                                                   f"but {len(header)} columns"))
                    continue
                yield number, dict(zip(header, cells, strict=False)), None
        except csv.Error as error:
            result.problems.append(Problem(file, reader.line_num, None,
                                           f"not readable as CSV: {error}"))

    _pivot(result, layout, records(), codes or DEFAULT_CODES)
    return result


def read_geojson_text(text: str, file: str, codes: Mapping[str, DamageClass] | None = None
                      ) -> Assessments:
    """Read a GeoJSON FeatureCollection of points whose properties are the CSV's columns.
    Problems name the feature by its number, from 1."""
    result = Assessments(file)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        result.problems.append(Problem(file, error.lineno, None, f"not JSON: {error.msg}"))
        return result
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        result.problems.append(Problem(file, None, None, "not a GeoJSON FeatureCollection"))
        return result
    columns: dict[str, None] = {}
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(properties, dict):
            columns.update(dict.fromkeys(properties))
    layout, problems = _layout(file, list(columns), with_coordinates=False)
    for problem in problems:
        result.problems.append(Problem(file, None, problem.column, problem.reason, "feature"))
    if layout is None:
        return result

    def records() -> Iterable[tuple[int, Mapping[str, str], tuple[float, float] | None]]:
        for number, feature in enumerate(features, start=1):
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if not (isinstance(geometry, dict) and geometry.get("type") == "Point"
                    and isinstance(coordinates, list) and len(coordinates) >= 2
                    and all(isinstance(c, int | float) and not isinstance(c, bool)
                            and math.isfinite(c) for c in coordinates[:2])):
                result.problems.append(Problem(file, number, "geometry", "not a Point with "
                                               "longitude and latitude", "feature"))
                continue
            properties = feature.get("properties") or {}
            cells = {key: "" if value is None else str(value)
                     for key, value in properties.items()}
            yield number, cells, (float(coordinates[0]), float(coordinates[1]))

    _pivot(result, layout, records(), codes or DEFAULT_CODES, unit="feature")
    return result


SHAPEFILE_SUFFIXES = (".shp", ".zip")
_POINT_TYPES = (1, 11, 21)  # pyshp's POINT, POINTZ and POINTM


def _projection_problem(prj: str) -> str | None:
    """Why a shapefile's ``.prj`` text rules its coordinates out, or None. Only longitude
    and latitude on WGS 84 (or none said) are read: civharm does not reproject."""
    text = prj.upper()
    if not text.strip():
        return None
    if "PROJCS" in text or "PROJCRS" in text:
        return ("the .prj file gives projected coordinates; save the layer in WGS 84 "
                "longitude and latitude (EPSG:4326) first")
    if "WGS" not in text or "84" not in text:
        return ("the .prj file names a datum other than WGS 84; save the layer in WGS 84 "
                "longitude and latitude (EPSG:4326) first")
    return None


def read_shapefile(path: Path, file: str, codes: Mapping[str, DamageClass] | None = None
                   ) -> Assessments:
    """Read a shapefile of points (``.shp`` with its ``.dbf`` beside it, or a ``.zip``
    holding them) whose attributes are the CSV's columns, with pyshp. Problems name the
    feature by its number, from 1."""
    import zipfile

    import shapefile  # type: ignore[import-untyped]  # pyshp

    result = Assessments(file)
    try:
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                shps = [n for n in archive.namelist() if n.lower().endswith(".shp")]
                if len(shps) != 1:
                    result.problems.append(Problem(file, None, None, "the archive must hold "
                                                   f"exactly one .shp file; it holds {len(shps)}"))
                    return result
                prjs = [n for n in archive.namelist()
                        if n.lower() == shps[0][:-4].lower() + ".prj"]
                prj = archive.read(prjs[0]).decode("latin-1") if prjs else ""
        else:
            sibling = path.with_suffix(".prj")
            prj = sibling.read_text(encoding="latin-1") if sibling.is_file() else ""
        reason = _projection_problem(prj)
        if reason:
            result.problems.append(Problem(file, None, None, reason))
            return result
        reader = shapefile.Reader(str(path), encoding="utf-8", encodingErrors="replace")
    except Exception as error:  # pyshp on a hostile file raises many kinds of error
        result.problems.append(Problem(file, None, None, f"not a readable shapefile: {error}"))
        return result
    with reader:
        columns = [f[0] for f in reader.fields[1:]]
        layout, problems = _layout(file, columns, with_coordinates=False)
        for problem in problems:
            result.problems.append(Problem(file, None, problem.column, problem.reason,
                                           "feature"))
        if layout is None:
            return result

        def records() -> Iterable[tuple[int, Mapping[str, str], tuple[float, float] | None]]:
            for number, item in enumerate(reader.iterShapeRecords(), start=1):
                shape = item.shape
                points = shape.points
                if shape.shapeType not in _POINT_TYPES or not points or not all(
                        math.isfinite(c) for c in points[0][:2]):
                    result.problems.append(Problem(file, number, "geometry", "not a Point "
                                                   "with longitude and latitude", "feature"))
                    continue
                cells = {key: "" if value is None else
                         value.isoformat() if isinstance(value, date) else str(value)
                         for key, value in item.record.as_dict().items()}
                yield number, cells, (float(points[0][0]), float(points[0][1]))

        try:
            _pivot(result, layout, records(), codes or DEFAULT_CODES, unit="feature")
        except Exception as error:  # as above, part-way through the file
            result.problems.append(Problem(file, None, None,
                                           f"not a readable shapefile: {error}"))
    return result


def read_assessments(path: Path, codes: Mapping[str, DamageClass] | None = None,
                     display: str | None = None) -> Assessments:
    """Read a ``.csv``, ``.geojson``/``.json`` or shapefile (``.shp`` or ``.zip``)
    assessment file. Problems name ``display`` (by default the file's name)."""
    file = display or path.name
    if path.suffix.lower() in SHAPEFILE_SUFFIXES:
        return read_shapefile(path, file, codes)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return Assessments(file, problems=[Problem(file, None, None, "not UTF-8 text")])
    if path.suffix.lower() in (".geojson", ".json"):
        return read_geojson_text(text, file, codes)
    return read_csv_text(text, file, codes)


def wide_table(rows: Iterable[DamageRow]) -> tuple[list[str], list[list[str]]]:
    """The long rows as a UNOSAT-style wide table: one line per site (in order of first
    appearance), its dates in order, numbered from 1. The inverse of reading, up to blank
    pairs, which the wide form leaves out."""
    by_site: dict[str, list[DamageRow]] = defaultdict(list)
    for row in rows:
        by_site[row.site].append(row)
    width = max((len(seen) for seen in by_site.values()), default=1)
    header = ["SiteID", "latitude", "longitude", "Neighbourhood"]
    for number in range(1, width + 1):
        header += [f"SensorDate_{number}", f"Main_Damage_Site_Class_{number}"]
    lines: list[list[str]] = []
    for site, seen in by_site.items():
        first = seen[0]
        line = [site, repr(first.latitude), repr(first.longitude), first.neighbourhood]
        for row in sorted(seen, key=lambda r: r.observed_on):
            line += [row.observed_on.isoformat(), row.code]
        line += [""] * (len(header) - len(line))
        lines.append(line)
    return header, lines


def damage_figures(observations: Iterable[tuple[str, str, str, date, str]],
                   by_neighbourhood: bool = True) -> list[DamageFigure]:
    """Figures from ``(product, site, neighbourhood, observed_on, damage_class)`` tuples:
    the city's (neighbourhood ``""``) for every product and date, then, when asked, each
    neighbourhood's. Sorted by product, date, then area (the city first)."""
    counts: dict[tuple[str, str, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    destroyed, severe, none = (DamageClass.DESTROYED.value, DamageClass.SEVERE.value,
                               DamageClass.NONE.value)
    for product, _site, neighbourhood, day, damage in observations:
        areas = ("", neighbourhood) if by_neighbourhood and neighbourhood else ("",)
        for area in areas:
            tally = counts[(product, area, day)]
            tally[0] += 1
            tally[1] += damage != none
            tally[2] += damage == destroyed
            tally[3] += damage == severe
    figures = [DamageFigure(product, area, day, *tally)
               for (product, area, day), tally in counts.items()]
    figures.sort(key=lambda f: (f.product, f.observed_on, f.neighbourhood != "",
                                f.neighbourhood))
    return figures


_EARTH_RADIUS_M = 6_371_008.8


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))

