"""The public damage page: the share of assessed sites seen destroyed or severely damaged on
satellite imagery, per imagery date, for the city and each neighbourhood (docs/damage.md).

A server-rendered SVG chart (stacked bars: destroyed, then severely damaged) with a table
holding every figure; no JavaScript.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from civharm.analysis.damage_assessments import DamageFigure
from civharm.services import mapping_public

CITY = ""
# The city's chart and each neighbourhood's small one, in SVG user units.
CITY_SIZE = (960.0, 260.0)
NEIGHBOURHOOD_SIZE = (300.0, 150.0)


def _percent(share: float, digits: int = 0) -> str:
    return f"{share * 100:.{digits}f}%"


def _title(figure: DamageFigure) -> str:
    return gettext("%(date)s: %(share)s destroyed or severely damaged (%(destroyed)d destroyed, "
                   "%(severe)d severely damaged, of %(assessed)d sites assessed)") % {
        "date": figure.observed_on.isoformat(),
        "share": _percent(figure.destroyed_or_severe_share, 1),
        "destroyed": figure.destroyed, "severe": figure.severe, "assessed": figure.assessed}


def chart(by_date: dict[date, DamageFigure], dates: list[date], size: tuple[float, float],
          rtl: bool = False) -> dict[str, Any]:
    """Geometry of one area's chart: per imagery date a bar of the destroyed share with the
    severely damaged share stacked on it, on a fixed 0–100% axis. Dates the area was not
    assessed on keep their slot, empty. ``rtl`` runs time from right to left."""
    width, height = size
    small = width < 500
    start, end = (40.0, 8.0) if small else (48.0, 12.0)
    top, bottom = (20.0, 22.0) if small else (22.0, 26.0)
    plot = width - start - end
    plot_height = height - top - bottom
    base = top + plot_height
    slot = plot / max(1, len(dates))
    bar = min(slot * 0.7, 90.0)

    def x_of(index: int) -> float:
        x = start + index * slot + (slot - bar) / 2
        return round(width - x - bar if rtl else x, 2)

    bars = []
    for index, day in enumerate(dates):
        x = x_of(index)
        figure = by_date.get(day)
        item: dict[str, Any] = {"x": x, "width": round(bar, 2), "centre": round(x + bar / 2, 2),
                                "date": day.isoformat(), "assessed": figure is not None}
        if figure is not None:
            destroyed = figure.destroyed_share * plot_height
            severe = (figure.destroyed_or_severe_share - figure.destroyed_share) * plot_height
            item.update({
                "destroyed_y": round(base - destroyed, 2), "destroyed_height": round(destroyed, 2),
                "severe_y": round(base - destroyed - severe, 2),
                "severe_height": round(severe, 2),
                "label": _percent(figure.destroyed_or_severe_share),
                "label_y": round(base - destroyed - severe - 4, 2),
                "title": _title(figure)})
        else:
            item.update({"label": "–", "label_y": round(base - 4, 2),
                         "title": gettext("%(date)s: not assessed") % {"date": day.isoformat()}})
        bars.append(item)
    every = max(1, -(-len(dates) // (3 if small else 10)))
    ticks = [b for i, b in enumerate(bars) if i % every == 0]
    axis_x = width - start if rtl else start
    return {
        "width": width, "height": height, "bars": bars, "ticks": ticks, "top": top,
        "base": base, "middle": round(top + plot_height / 2, 2),
        "plot_start": end if rtl else start, "plot_end": width - start if rtl else width - end,
        "label_x": round(axis_x + 4 if rtl else axis_x - 4, 2),
        "label_anchor": "start" if rtl else "end", "tick_y": base + 15,
        "font": 10 if small else 11,
    }


def _table(figures: list[DamageFigure]) -> list[dict[str, Any]]:
    return [{"area": f.neighbourhood, "date": f.observed_on.isoformat(), "assessed": f.assessed,
             "destroyed": f.destroyed, "severe": f.severe,
             "share": _percent(f.destroyed_or_severe_share, 1)} for f in figures]


def _bad(request: HttpRequest, problems: list[str]) -> HttpResponse:
    return render(request, "public/damage.html", {"page": "damage", "problems": problems,
                                                  "products": [], "product": ""}, status=400)


@require_safe
def damage(request: HttpRequest) -> HttpResponse:
    figures = mapping_public.public_damage_figures()
    assessed: dict[str, int] = defaultdict(int)
    for figure in figures:
        if figure.neighbourhood == CITY:
            assessed[figure.product] += figure.assessed
    # The product with the most assessments first: the one shown when none is asked for.
    products = sorted(assessed, key=lambda p: (-assessed[p], p))
    product = request.GET.get("product", "").strip()
    if product and product not in products:
        return _bad(request, [gettext("There is no damage assessment product named "
                                      "“%(product)s”.") % {"product": product[:100]}])
    context: dict[str, Any] = {"page": "damage", "products": products}
    if not products:
        return render(request, "public/damage.html", {**context, "product": ""})
    product = product or products[0]
    chosen = [f for f in figures if f.product == product]
    dates = sorted({f.observed_on for f in chosen})
    by_area: dict[str, dict[date, DamageFigure]] = defaultdict(dict)
    for figure in chosen:
        by_area[figure.neighbourhood][figure.observed_on] = figure
    rtl = bool(translation.get_language_bidi())
    city = by_area.pop(CITY, {})
    latest = city[dates[-1]] if dates and dates[-1] in city else None
    return render(request, "public/damage.html", {
        **context, "product": product, "dates": dates, "latest": latest,
        "latest_share": _percent(latest.destroyed_or_severe_share, 1) if latest else "",
        "city_chart": chart(city, dates, CITY_SIZE, rtl),
        "neighbourhoods": [{"name": name, "chart": chart(by_area[name], dates,
                                                         NEIGHBOURHOOD_SIZE, rtl)}
                           for name in sorted(by_area)],
        "table": _table(chosen),
    })
