"""Evidence files in the workspace: add one to a source of an incident, see a file's record
and chain of custody, and take a copy with a reason (which the chain of custody keeps)."""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from civharm.domain.permissions import Action, Subject
from civharm.services import editing
from civharm.services import evidence as store
from civharm.services.access import require
from civharm.services.errors import UserError
from civharm.store import models
from civharm.web.errors import not_found
from civharm.web.workspace.auth import allowed_actions, incident_target, principal_of, requires
from civharm.web.workspace.forms import EvidenceDownloadForm, EvidenceUploadForm
from civharm.web.workspace.views import incident_page

_SHA = re.compile(r"[0-9a-f]{64}")
_UNSAFE = re.compile(r"[^\w.\- ]+")


def _safe_name(name: str) -> str:
    """A file name that is only a name: no folders, no control characters."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip(" .")[:200]
    return cleaned or "evidence"


@requires(Action.ADD_EVIDENCE, target=incident_target)
@require_POST
def upload(request: HttpRequest, code: str) -> HttpResponse:
    incident = models.Incident.objects.filter(code=code).first()
    if incident is None:
        return not_found(request)
    keys = [s.key for s in editing.incident_sources(incident)]
    form = EvidenceUploadForm(request.POST, request.FILES, sources=keys)
    if not form.is_valid():
        return incident_page(request, code=code, upload_form=form, status=400)
    uploaded = form.cleaned_data["file"]
    folder = Path(tempfile.mkdtemp(prefix="civharm-upload-"))
    try:
        path = folder / _safe_name(uploaded.name or "")
        with path.open("xb") as handle:
            for chunk in uploaded.chunks():
                handle.write(chunk)
        store.add_evidence(path, source_key=form.cleaned_data["source"],
                           confidential=form.cleaned_data["confidential"],
                           reason=form.cleaned_data["reason"].strip(),
                           actor=principal_of(request).actor)
    except UserError as problem:
        form.add_error(None, str(problem))
        return incident_page(request, code=code, upload_form=form, status=400)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return redirect(reverse("workspace:incident", args=[code]) + "?done=uploaded#evidence")


def _file_or_none(sha: str) -> models.EvidenceFile | None:
    if not _SHA.fullmatch(sha):
        return None
    return models.EvidenceFile.objects.filter(sha256=sha).first()


@requires(Action.VIEW_EVIDENCE)
@require_http_methods(["GET", "POST"])
def evidence_file(request: HttpRequest, sha: str) -> HttpResponse:
    """A file's record and custody (GET); a copy of it, for a reason (POST)."""
    row = _file_or_none(sha)
    if row is None:
        return not_found(request)
    principal = principal_of(request)
    if row.confidential:
        # Refused (and audited) unless this person may open confidential evidence.
        require(principal, Action.VIEW_EVIDENCE, Subject("evidence", confidential=True),
                target=store.target(row.sha256))
    form = EvidenceDownloadForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                return _copy(row, form.cleaned_data["reason"], principal.actor)
            except UserError as problem:
                form.add_error(None, str(problem))
        status = 400
    _sha, custody = store.evidence_custody(row.sha256)
    return render(request, "workspace/evidence.html", {
        "file": row,
        "sources": row.sources.order_by("key"),
        "custody": list(reversed(custody)),
        "form": form,
        "allowed": allowed_actions(request),
    }, status=status)


def _copy(row: models.EvidenceFile, reason: str, actor: str) -> HttpResponse:
    """Take the copy through the evidence service (which checks the hash and records the
    download with its reason before handing the copy over), then send it."""
    name = row.original_name or row.sha256
    folder = Path(tempfile.mkdtemp(prefix="civharm-copy-"))
    out = folder / _safe_name(name)
    try:
        store.get_evidence(row.sha256, out, reason=reason, actor=actor)
        handle = out.open("rb")
    finally:
        # The open handle keeps the bytes readable; the name goes now.
        with contextlib.suppress(OSError):
            out.unlink()
        shutil.rmtree(folder, ignore_errors=True)
    response = FileResponse(handle, as_attachment=True, filename=_safe_name(name),
                            content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
