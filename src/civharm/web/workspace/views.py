"""The workspace's pages: sign-in and sign-out, home, the list of incidents, an incident's
workspace page (its record, evidence and history) and grading."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import login, logout
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from civharm.domain.permissions import Action, Role, Subject, actions_of
from civharm.domain.vocabulary import Grade
from civharm.services import accounts, dating_tasks, editing, records
from civharm.services.access import check
from civharm.services.assessments import grade_incident
from civharm.services.errors import NotFound, UserError
from civharm.services.publishing import GRADE_DEFINITIONS
from civharm.store import models
from civharm.web.errors import not_found
from civharm.web.workspace.auth import (
    allowed_actions,
    forget_principal,
    incident_target,
    principal_of,
    requires,
)
from civharm.web.workspace.forms import EvidenceDownloadForm, EvidenceUploadForm, GradeForm, LoginForm

PAGE_SIZE = 50


def _safe_next(request: HttpRequest, wanted: str) -> str:
    """Only a path on this site: never another host, scheme or a protocol-relative URL."""
    if wanted and wanted.startswith("/") and not wanted.startswith(("//", "/\\")) and \
            url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                            require_https=request.is_secure()):
        return wanted
    return reverse("workspace:home")


def _remote(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    wanted = _safe_next(request, request.POST.get("next") or request.GET.get("next") or "")
    if request.method == "GET" and principal_of(request).signed_in:
        return redirect(wanted)
    form = LoginForm(request.POST if request.method == "POST" else None)
    problem = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        try:
            account = accounts.authenticate(username, form.cleaned_data["password"],
                                            remote=_remote(request))
        except accounts.SignInThrottled:
            problem = _("Too many failed sign-ins for this user name. Wait a quarter of an "
                        "hour and try again.")
            status = 429
        except accounts.SignInFailed:
            problem = _("Unknown user name or wrong password.")
        else:
            login(request, account.user, backend="django.contrib.auth.backends.ModelBackend")
            forget_principal(request)
            return redirect(wanted)
    return render(request, "workspace/login.html",
                  {"form": form, "problem": problem, "next": wanted}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    forget_principal(request)
    return redirect(reverse("workspace:login") + "?signed_out=1")


def home(request: HttpRequest) -> HttpResponse:
    """The workspace's home page; a volunteer, who may see nothing else, goes to the next
    building to date."""
    principal = principal_of(request)
    if principal.signed_in and not check(principal, Action.VIEW_INTERNAL) and check(
            principal, Action.DATE_BUILDINGS):
        return redirect("workspace:dating")
    return _home(request)


@requires(Action.VIEW_INTERNAL)
def _home(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    role = str(getattr(principal.role, "value", principal.role))
    try:
        definition = Role(role).definition
    except ValueError:
        definition = ""
    return render(request, "workspace/home.html", {
        "principal": principal,
        "role": role,
        "role_definition": definition,
        "actions": sorted(a.value for a in actions_of(role)),
        "allowed": allowed_actions(request),
        "duplicates_open": models.DuplicateSuggestion.objects.filter(
            state=models.DuplicateSuggestion.OPEN).count(),
        "pairs_in_review": models.ReviewPair.objects.count(),
        "incidents": models.Incident.objects.count(),
        "dating": dating_tasks.task_summary(),
        "recent": [_history_line(line) for line in editing.recent_changes()],
    })


@requires(Action.VIEW_INTERNAL)
def incident_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    incidents = models.Incident.objects.annotate(
        n_claims=Count("claims", distinct=True), n_victims=Count("victims", distinct=True))
    if query:
        incidents = incidents.filter(Q(code__icontains=query) | Q(place__icontains=query)
                                     | Q(place_ar__icontains=query))
    paginator = Paginator(incidents.order_by("-date_start", "code"), PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page", "1"))
    except (PageNotAnInteger, EmptyPage):
        return HttpResponseBadRequest(_("There is no such page."))
    return render(request, "workspace/incident_list.html",
                  {"page": page, "q": query, "allowed": allowed_actions(request)})


def _incident_or_none(code: str) -> models.Incident | None:
    return models.Incident.objects.filter(code=code).first()


def _sources_with_evidence(incident: models.Incident, request: HttpRequest) -> list[dict[str, Any]]:
    principal = principal_of(request)
    may_open_confidential = bool(check(principal, Action.VIEW_EVIDENCE,
                                       Subject("evidence", confidential=True)))
    shown = []
    for source in editing.incident_sources(incident):
        files = []
        for row in source.evidence.order_by("added_at", "sha256"):
            files.append({"sha256": row.sha256, "size": row.size, "stored": row.stored,
                          "media_type": row.media_type, "name": row.original_name,
                          "confidential": row.confidential,
                          "may_download": row.stored and (not row.confidential
                                                          or may_open_confidential)})
        shown.append({"key": source.key, "kind": source.kind, "title": source.title,
                      "public": source.public, "files": files})
    return shown


@requires(Action.VIEW_INTERNAL, target=incident_target)
def incident_page(request: HttpRequest, code: str,
                  upload_form: EvidenceUploadForm | None = None, status: int = 200,
                  notice: str = "") -> HttpResponse:
    incident = _incident_or_none(code)
    if incident is None:
        return not_found(request)
    detail = records.incident_detail(code)
    sources = _sources_with_evidence(incident, request)
    allowed = allowed_actions(request)
    if upload_form is None and allowed["add_evidence"]:
        upload_form = EvidenceUploadForm(sources=[s["key"] for s in sources])
    return render(request, "workspace/incident.html", {
        "incident": incident,
        "detail": detail,
        "grade": detail["assessments"][0] if detail["assessments"] else None,
        "sources": sources,
        "victims": incident.victims.prefetch_related("sources").order_by("key"),
        "history": [_history_line(line) for line in editing.incident_history(code)],
        "allowed": allowed,
        "upload_form": upload_form,
        "download_form": EvidenceDownloadForm(),
        "notice": notice or _notice(request),
    }, status=status)


_NOTICES = {
    "saved": gettext_lazy("The incident and its parts were saved."),
    "created": gettext_lazy("The incident was created."),
    "unchanged": gettext_lazy("Nothing had changed; nothing was written."),
    "graded": gettext_lazy("The grade was recorded."),
    "uploaded": gettext_lazy("The file was added to the evidence store."),
}


def _notice(request: HttpRequest) -> str:
    key = request.GET.get("done", "")
    return str(_NOTICES[key]) if key in _NOTICES else ""


def _history_line(line: Any) -> dict[str, Any]:
    details = {k: v for k, v in line.details.items() if k not in ("fields", "reason", "incident")}
    return {"at": line.at, "actor": line.actor, "action": line.action, "target": line.target,
            "fields": line.details.get("fields", []), "reason": line.details.get("reason", ""),
            "details": details}


@requires(Action.GRADE, target=incident_target)
def grade(request: HttpRequest, code: str) -> HttpResponse:
    incident = _incident_or_none(code)
    if incident is None:
        return not_found(request)
    detail = records.incident_detail(code)
    suggestion = detail["suggestion"]
    status = 200
    if request.method == "POST":
        form = GradeForm(request.POST)
        if form.is_valid():
            try:
                grade_incident(code, form.cleaned_data["grade"], form.cleaned_data["reason"],
                               form.cleaned_data["strike_status"] or "",
                               assessed_by=principal_of(request).actor)
            except NotFound:
                return not_found(request)
            except UserError as problem:
                form.add_error(None, str(problem))
            else:
                return redirect(reverse("workspace:incident", args=[code]) + "?done=graded")
        status = 400
    else:
        initial = {}
        if suggestion:
            initial = {"grade": suggestion["grade"], "strike_status": suggestion["strike_status"]}
        form = GradeForm(initial=initial)
    return render(request, "workspace/grade.html", {
        "incident": incident,
        "detail": detail,
        "suggestion": suggestion,
        "form": form,
        "definitions": [{"grade": g.value, "definition": GRADE_DEFINITIONS[g.value],
                         "likely": g.counts_as_likely} for g in Grade],
        "history": detail["assessments"],
        "allowed": allowed_actions(request),
    }, status=status)
