"""The public map: the page, the incidents as GeoJSON, and the offline layers.

The page works without JavaScript (a table of the incidents placed on the map and a link
to their GeoJSON); with it, ``static/maps/map.js`` draws them with Leaflet over the
committed country outlines and neighbourhoods. No tile server is ever asked for anything.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from civharm.domain.vocabulary import DamageClass, Grade
from civharm.services import mapping_public
from civharm.services.mapping_public import GRADE_CHOICES, MapFilters
from civharm.services.publishing import GEO_PRECISION_LABELS as PRECISION_LABELS
from civharm.services.publishing import GRADE_LABELS, grade_legend, grade_shown
from civharm.web.errors import bad_request, not_found

GEOJSON = "application/geo+json"
# A point's radius in pixels is RADIUS_SCALE × √(civilian deaths), so that its area is
# proportional to the deaths; never smaller than RADIUS_MIN, to stay visible and clickable.
RADIUS_SCALE = 3.5
RADIUS_MIN = 3.5
LEGEND_DEATHS = (1, 10, 50)
LAYER_CACHE_SECONDS = 3600

class BadFilter(ValueError):
    pass


def _day(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadFilter(text) from None


def parse_filters(request: HttpRequest) -> MapFilters:
    """The map's filters from the query string; a value that is not one raises BadFilter."""
    grades = {g.strip().lower() for g in request.GET.getlist("grade") if g.strip()}
    if "likely" in grades:  # the headline figure's shorthand: Fair and Confirmed
        grades = (grades - {"likely"}) | {Grade.FAIR.value, Grade.CONFIRMED.value}
    if grades - set(GRADE_CHOICES):
        raise BadFilter("grade")
    date_from = _day(request.GET.get("from", ""))
    date_to = _day(request.GET.get("to", ""))
    if date_from and date_to and date_from > date_to:
        raise BadFilter("dates")
    return MapFilters(grades=frozenset(grades) or None, date_from=date_from, date_to=date_to)


def parse_damage_date(request: HttpRequest) -> date | None:
    """The imagery date of the damage layer (``damage_date``), None for the latest."""
    return _day(request.GET.get("damage_date", ""))


def _filter_query(filters: MapFilters) -> str:
    pairs: list[tuple[str, str]] = [("grade", g) for g in sorted(filters.grades or ())]
    if filters.date_from:
        pairs.append(("from", filters.date_from.isoformat()))
    if filters.date_to:
        pairs.append(("to", filters.date_to.isoformat()))
    return urlencode(pairs)


def _deaths_text(low: int | None, high: int | None) -> str:
    if low is None or high is None:
        return gettext("not known")
    return str(low) if low == high else f"{low}–{high}"


def _drawn_as(properties: dict[str, Any]) -> str:
    shape = properties["shape"]
    if shape == mapping_public.POINT:
        return gettext("point")
    if shape == mapping_public.CIRCLE:
        return gettext("circle of %(radius)d m") % {"radius": properties["radius_m"]}
    return gettext("neighbourhood outline")


def _row(feature: dict[str, Any]) -> dict[str, Any]:
    p = feature["properties"]
    return {
        "code": p["code"], "date": p["date"], "place": p["place"], "place_ar": p["place_ar"],
        "grade": grade_shown(p["grade"]),
        "precision": PRECISION_LABELS.get(p["geo_precision"], p["geo_precision"]),
        "drawn_as": _drawn_as(p),
        "area_name": p.get("area_name", ""), "area_name_ar": p.get("area_name_ar", ""),
        "deaths": _deaths_text(p["civilians_killed_min"], p["civilians_killed_max"]),
    }


def _legend() -> list[dict[str, Any]]:
    return [{"deaths": d, "diameter": round(2 * max(RADIUS_MIN, RADIUS_SCALE * math.sqrt(d)), 1)}
            for d in LEGEND_DEATHS]


def _labels() -> str:
    """The words map.js shows, in the page's language (JavaScript has no catalogue)."""
    labels: dict[str, Any] = {
        "date": gettext("Date"), "place": gettext("Place"), "grade": gettext("Grade"),
        "deaths": gettext("Civilian deaths"), "precision": gettext("Located to"),
        "drawnAs": gettext("Drawn as"), "open": gettext("Open the incident"),
        "notKnown": gettext("not known"), "point": gettext("point"),
        "circle": gettext("circle of %(radius)d m"), "area": gettext("neighbourhood outline"),
        "sameArea": gettext("Also in this neighbourhood"),
        "failed": gettext("The map data could not be loaded. The table below lists the "
                          "incidents."),
        "damageLayer": gettext("Destroyed or severely damaged sites"),
        "site": gettext("Site"), "damageClass": gettext("Damage"),
        "imageryDate": gettext("Imagery date"), "neighbourhood": gettext("Neighbourhood"),
        "damageClasses": {DamageClass.DESTROYED.value: gettext("destroyed"),
                          DamageClass.SEVERE.value: gettext("severely damaged")},
        "grades": {k: str(v) for k, v in GRADE_LABELS.items()},
        "precisions": {k: str(v) for k, v in PRECISION_LABELS.items()},
    }
    return json.dumps(labels, ensure_ascii=False)


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    try:
        filters = parse_filters(request)
        damage_day = parse_damage_date(request)
    except BadFilter:
        return bad_request(request)
    placed = mapping_public.place_incidents(filters)
    query = _filter_query(filters)
    damage_dates = mapping_public.damage_dates()
    damage = mapping_public.damage_sites(damage_day) if damage_dates else None
    damage_url = reverse("maps:damage_geojson") + (
        f"?{urlencode({'damage_date': damage_day.isoformat()})}" if damage_day else "")
    geojson_url = reverse("maps:incidents_geojson") + (f"?{query}" if query else "")
    rows = sorted((_row(f) for f in placed.features), key=lambda r: (r["date"], r["code"]))
    return render(request, "maps/map.html", {
        "rows": rows,
        "coarse": placed.coarse,
        "unlocated": placed.unlocated,
        "filters": filters,
        "chosen_grades": sorted(filters.grades or ()),
        "grade_legend": grade_legend(),
        "geojson_url": geojson_url,
        "outlines_url": reverse("maps:layer", args=["outlines"]),
        "neighbourhoods_url": reverse("maps:layer", args=["neighbourhoods"]),
        "incident_url": reverse("public:incident", args=["CODE"]),
        "labels": _labels(),
        "legend": _legend(),
        "radius_scale": RADIUS_SCALE,
        "radius_min": RADIUS_MIN,
        "filtered": bool(query) or damage_day is not None,
        "damage_dates": damage_dates,
        "damage_day": damage_day,
        "damage": damage,
        "damage_count": len(damage.features) if damage else 0,
        "damage_url": damage_url,
        # Chosen by the reader, or few enough to draw at once: the layer starts switched on.
        "damage_on": bool(damage and (damage_day is not None or damage.on_by_default)),
    })


@require_GET
def incidents_geojson(request: HttpRequest) -> HttpResponse:
    try:
        filters = parse_filters(request)
    except BadFilter:
        return JsonResponse({"error": gettext("The filter is not valid: use grade=%(grades)s "
                                              "and dates as YYYY-MM-DD, from before to.")
                             % {"grades": "|".join(GRADE_CHOICES)}}, status=400)
    placed = mapping_public.place_incidents(filters)
    document = placed.collection()
    for feature in document["features"]:
        feature["properties"]["url"] = reverse("public:incident", args=[feature["id"]])
    return JsonResponse(document, content_type=GEOJSON, json_dumps_params={"ensure_ascii": False})


@require_GET
def layer_geojson(request: HttpRequest, name: str) -> HttpResponse:
    found = mapping_public.layer(name) if name in mapping_public.LAYERS else None
    if found is None:
        return not_found(request)
    response = JsonResponse(found, content_type=GEOJSON, json_dumps_params={"ensure_ascii": False})
    response.headers["Cache-Control"] = f"public, max-age={LAYER_CACHE_SECONDS}"
    return response


@require_GET
def damage_geojson(request: HttpRequest) -> HttpResponse:
    """Destroyed and severely damaged sites at one imagery date (default: the latest)."""
    try:
        day = parse_damage_date(request)
    except BadFilter:
        return JsonResponse({"error": gettext("The filter is not valid: give damage_date as "
                                              "YYYY-MM-DD.")}, status=400)
    document = mapping_public.damage_sites(day).collection()
    return JsonResponse(document, content_type=GEOJSON, json_dumps_params={"ensure_ascii": False})
