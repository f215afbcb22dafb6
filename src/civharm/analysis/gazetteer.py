"""Place names in Arabic and Latin spellings, mapped to canonical places.

civharm ships Raqqa's neighbourhoods and the towns that strike releases name
(``civharm/data/raqqa-neighbourhoods.geojson``). Users add their own places with a
CSV file (``CIVHARM_GAZETTEER_FILE``): columns ``id, kind, name, name_ar, variants,
country, latitude, longitude``, variants separated by ``;``.

A place is a centroid with a precision, never an exact point: "near Raqqa" is the
city's centre with a city-sized uncertainty.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from civharm.domain.vocabulary import GeoPrecision

SHIPPED = "raqqa-neighbourhoods.geojson"
CSV_COLUMNS = ("id", "kind", "name", "name_ar", "variants", "country", "latitude", "longitude")

_ARTICLE = re.compile(r"^(?:a[lrsdtnz]|e[lrsdtnz])[\s\-']+")
_ARABIC_MARKS = re.compile(r"[\u064B-\u0652\u0670\u0640]")  # tashkeel, dagger alif, tatweel
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"})


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    kind: str
    name: str
    name_ar: str
    variants: tuple[str, ...]
    country: str
    latitude: float
    longitude: float

    @property
    def precision(self) -> GeoPrecision:
        try:
            return GeoPrecision.parse(self.kind)  # type: ignore[return-value]
        except ValueError:
            return GeoPrecision.TOWN


def name_key(name: str) -> str:
    """A spelling-tolerant key: 'Ar Raqqah', 'Raqqa' and 'al-Raqqa' share one."""
    text = name.strip()
    if any("\u0600" <= ch <= "\u06ff" for ch in text):
        text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLD)
        text = re.sub(r"^ال", "", text.replace(" ", ""))
        return text
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _ARTICLE.sub("", text)
    text = re.sub(r"[\s\-'’`ʿʾ]+", "", text)
    text = text.replace("ou", "u").replace("ee", "i").replace("ei", "ay")
    text = re.sub(r"(.)\1+", r"\1", text)
    return re.sub(r"(?<=.)(?:ah|eh|e)$", "a", text)


class Gazetteer:
    def __init__(self, places: Iterable[Place]):
        self.places: dict[str, Place] = {}
        self._by_key: dict[str, Place] = {}
        for place in places:
            self.places[place.id] = place
            for spelling in (place.name, place.name_ar, *place.variants):
                if spelling.strip():
                    # Later places (a user's file) win over shipped ones of the same spelling.
                    self._by_key[name_key(spelling)] = place

    def lookup(self, name: str) -> Place | None:
        return self._by_key.get(name_key(name))

    def place_id(self, name: str) -> str | None:
        found = self.lookup(name)
        return found.id if found else None


def shipped_places() -> list[Place]:
    document = json.loads(resources.files("civharm").joinpath("data", SHIPPED).read_text("utf-8"))
    places = []
    for feature in document["features"]:
        p = feature["properties"]
        latitude, longitude = p["centroid"]
        places.append(Place(
            id=str(p["id"]), kind=str(p["kind"]), name=str(p["name"]), name_ar=str(p["name_ar"]),
            variants=tuple(str(v) for v in p.get("variants", ())), country=str(p.get("country", "")),
            latitude=float(latitude), longitude=float(longitude),
        ))
    return places


def read_places_csv(path: Path) -> list[Place]:
    """A user's places. Raises ValueError naming the line and column of any problem."""
    places = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(CSV_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
        for row in reader:
            where = f"{path.name}, line {reader.line_num}"
            try:
                latitude, longitude = float(row["latitude"]), float(row["longitude"])
            except ValueError:
                raise ValueError(f"{where}: latitude and longitude must be decimal degrees") from None
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ValueError(f"{where}: coordinates out of range")
            if not row["id"].strip() or not row["name"].strip():
                raise ValueError(f"{where}: id and name are required")
            places.append(Place(
                id=row["id"].strip(), kind=(row["kind"] or "town").strip().lower(),
                name=row["name"].strip(), name_ar=(row["name_ar"] or "").strip(),
                variants=tuple(v.strip() for v in (row["variants"] or "").split(";") if v.strip()),
                country=(row["country"] or "").strip(), latitude=latitude, longitude=longitude,
            ))
    return places


@lru_cache(maxsize=4)
def load_gazetteer(extra: Path | None = None) -> Gazetteer:
    """The shipped places, then a user's CSV file of places if one is given."""
    places = shipped_places()
    if extra is not None:
        places += read_places_csv(extra)
    return Gazetteer(places)
