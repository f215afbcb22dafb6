"""Volunteers date destroyed buildings: one task at a time, the building's images in date
order, and one choice — between which two images it was destroyed.

A volunteer's account (the ``volunteer`` role) opens these pages and nothing else of the
workspace. The task page never says whether a task is a gold task. A volunteer may skip a
building; skipped buildings are kept in the session so the next one is another.

Analysts (any role that reads the internal record) get the disputed buildings instead, with
the same images served as evidence.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civharm.domain.permissions import Action
from civharm.services import dating_tasks
from civharm.services.errors import NotFound, UserError
from civharm.web.errors import not_found
from civharm.web.workspace.auth import allowed_actions, principal_of, requires

SKIPPED = "civharm_dating_skipped"
MAX_SKIPPED = 500


def _skipped(request: HttpRequest) -> list[str]:
    value = request.session.get(SKIPPED, [])
    return [code for code in value if isinstance(code, str)] if isinstance(value, list) else []


@requires(Action.DATE_BUILDINGS)
@require_http_methods(["GET", "POST"])
def next_building(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if request.method == "POST" and "unskip" in request.POST:
        request.session[SKIPPED] = []
        return redirect("workspace:dating")
    code = dating_tasks.next_task(principal.actor, _skipped(request))
    if code is None:
        return render(request, "workspace/dating_done.html", {
            "progress": dating_tasks.volunteer_progress(principal.actor),
            "skipped": len(_skipped(request)),
            "allowed": allowed_actions(request),
        })
    return redirect("workspace:dating_task", code=code)


@requires(Action.DATE_BUILDINGS)
@require_http_methods(["GET", "POST"])
def task_page(request: HttpRequest, code: str) -> HttpResponse:
    principal = principal_of(request)
    try:
        task = dating_tasks.shown_task(code)
    except NotFound:
        return not_found(request)
    problem = ""
    status = 200
    if request.method == "POST":
        if "skip" in request.POST:
            skipped = _skipped(request)
            if code not in skipped:
                request.session[SKIPPED] = [*skipped, code][-MAX_SKIPPED:]
            return redirect("workspace:dating")
        try:
            gap = int(request.POST.get("gap", ""))
            dating_tasks.record_answer(code, principal.actor, gap, principal.actor)
        except ValueError:
            problem = _("Choose the two images between which the building was destroyed.")
        except dating_tasks.AlreadyAnswered:
            problem = _("You have already dated this building.")
        except UserError:
            problem = _("Choose the two images between which the building was destroyed.")
        else:
            return redirect(reverse("workspace:dating") + "?done=1")
        status = 400
    return render(request, "workspace/dating_task.html", {
        "task": task,
        "images": [{"position": i, "taken_on": day} for i, day in enumerate(task.dates)],
        "problem": problem,
        "progress": dating_tasks.volunteer_progress(principal.actor),
        "allowed": allowed_actions(request),
    }, status=status)


@requires(Action.DATE_BUILDINGS)
def task_image(request: HttpRequest, code: str, position: int) -> HttpResponse:
    return _image(request, code, position)


@requires(Action.VIEW_EVIDENCE)
def review_image(request: HttpRequest, code: str, position: int) -> HttpResponse:
    """A task's image for an analyst looking at a disputed building (imagery is evidence)."""
    return _image(request, code, position)


@requires(Action.VIEW_INTERNAL)
def disputed(request: HttpRequest) -> HttpResponse:
    total, buildings = dating_tasks.disputed_buildings()
    return render(request, "workspace/dating_disputed.html", {
        "total": total,
        "buildings": [{
            "site": b.site, "before": b.before, "after": b.after,
            "agreement": round(100 * b.agreement), "answers": b.answers,
            "tasks": [{"code": code, "images": [
                {"position": i, "taken_on": day,
                 # the answers choosing the gap that ends at this image
                 "votes": counts[i - 1] if i > 0 else None}
                for i, day in enumerate(series)]} for code, series, counts in b.tasks]}
            for b in buildings],
        "allowed": allowed_actions(request),
    })


def _image(request: HttpRequest, code: str, position: int) -> HttpResponse:
    try:
        path, media_type = dating_tasks.image_file(code, position)
    except (NotFound, OSError):
        return not_found(request)
    response = FileResponse(path.open("rb"), content_type=media_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
