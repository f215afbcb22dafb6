"""The public site: figures, incidents, timeline, memorial and downloads. Thin: each view
reads the request, asks :mod:`civharm.services.publishing`, and renders."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from civharm.services import publishing
from civharm.services.errors import NotFound

STYLE = "public/public.css"


def _bad_filters(request: HttpRequest, template: str, error: publishing.FilterError,
                 context: dict[str, Any]) -> HttpResponse:
    """The page with its form and what was wrong with the filters, as a 400."""
    return render(request, template, {**context, "problems": error.problems}, status=400)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", {
        "figures": publishing.home_figures(), "legend": publishing.grade_legend(),
        "page": "home"})


@require_safe
def estimate(request: HttpRequest) -> HttpResponse:
    return render(request, "public/estimate.html", {
        "estimate": publishing.estimate_detail(), "page": "home"})


@require_safe
def incidents(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"page": "incidents", "legend": publishing.grade_legend(),
                               "grade_labels": publishing.GRADE_LABELS,
                               "status_labels": publishing.STRIKE_STATUS_LABELS}
    try:
        filters = publishing.parse_incident_filters(request.GET)
    except publishing.FilterError as error:
        context["choices"] = publishing.filter_choices()
        context["filters"] = publishing.IncidentFilters()
        return _bad_filters(request, "public/incidents.html", error, context)
    found = publishing.incident_list(filters)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "public/incidents.html", {
        **context, "result": found, "filters": filters, "choices": found.choices,
        "query": query.urlencode()})


@require_safe
def incident(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = publishing.incident_record(code)
    except NotFound:
        raise Http404(code[:32]) from None
    if isinstance(found, publishing.Moved):
        target = reverse("public:incident", kwargs={"code": found.code})
        if request.GET.get("lang"):
            target += "?lang=" + translation.get_language()
        return redirect(target, permanent=True)
    return render(request, "public/incident.html", {"incident": found, "page": "incidents"})


@require_safe
def timeline(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"page": "timeline", "legend": publishing.grade_legend()}
    try:
        by = publishing.parse_bucket(request.GET.get("by"))
    except publishing.FilterError as error:
        return _bad_filters(request, "public/timeline.html", error, {**context, "by": "week"})
    found = publishing.timeline(by, rtl=bool(translation.get_language_bidi()))
    return render(request, "public/timeline.html", {**context, **found})


@require_safe
def memorial(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"page": "memorial"}
    try:
        filters = publishing.parse_memorial_filters(request.GET)
    except publishing.FilterError as error:
        return _bad_filters(request, "public/memorial.html", error,
                            {**context, "filters": publishing.MemorialFilters()})
    found = publishing.memorial(filters)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "public/memorial.html", {**context, **found,
                                                    "query": query.urlencode()})


@require_safe
def downloads(request: HttpRequest) -> HttpResponse:
    return render(request, "public/downloads.html", {**publishing.downloads(),
                                                     "page": "downloads"})


@require_safe
def download(request: HttpRequest, name: str) -> HttpResponse:
    try:
        found = publishing.download(name)
    except NotFound:
        raise Http404(name[:64]) from None
    response = HttpResponse(found.content, content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.file_name}"'
    response["Cache-Control"] = "no-store"
    return response
