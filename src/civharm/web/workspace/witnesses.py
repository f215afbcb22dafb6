"""The witness pages: only for the witness-handler role.

The list shows pseudonymous codes and incidents; identities are opened only on an explicit
request (a form sent with POST, so that no link, prefetch or history replay opens them),
through :func:`civharm.services.witnesses.witness_lines`, which audits every opening. Pages
that show an identity, and the form that takes one, are never cached. Errors shown here come
from the services, which never put an identity in a message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from civharm.domain.permissions import Action
from civharm.services import witnesses
from civharm.services.errors import UserError
from civharm.store import models
from civharm.web.workspace.auth import allowed_actions, principal_of, requires

STATEMENT_MAX = 100_000


def _key_problem() -> str:
    """What is wrong with the key, in words for the person at the page; empty when it works."""
    try:
        witnesses.load_key()
    except UserError as error:
        return str(error)
    return ""


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response.headers["Cache-Control"] = "no-store, private, max-age=0"
    return response


@requires(Action.VIEW_WITNESSES, target=lambda kwargs: "witnesses")
def witness_list(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    opened = request.method == "POST" and request.POST.get("open") == "identities"
    problem = _key_problem() if opened else ""
    lines: list[witnesses.WitnessLine] = []
    if opened and not problem:
        try:
            lines = witnesses.witness_lines(show_identities=True,
                                            actor=principal_of(request).actor)
        except UserError as error:
            problem, opened = str(error), False
    if not lines:
        lines = witnesses.witness_lines(show_identities=False)
        opened = False
    incident = request.GET.get("incident", "").strip()
    if incident:
        lines = [line for line in lines if line.incident == incident]
    may_add = _may(request, Action.EDIT_WITNESSES)
    return _private(render(request, "workspace/witnesses.html", {
        "allowed": allowed_actions(request),
        "lines": lines, "opened": opened, "problem": problem, "incident": incident,
        "may_add": may_add, "key_problem": _key_problem(),
    }, status=200))


def _may(request: HttpRequest, action: Action) -> bool:
    from civharm.services.access import check

    return bool(check(principal_of(request), action))


class WitnessForm(forms.Form):
    incident = forms.CharField(label=gettext_lazy("Incident code"), max_length=32)
    code = forms.CharField(
        label=gettext_lazy("Pseudonymous code"), max_length=32, required=False,
        help_text=gettext_lazy("Leave empty for a random code. Never use anything that "
                               "identifies the person."))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=300)
    contact = forms.CharField(label=gettext_lazy("Contact"), max_length=300, required=False)
    home = forms.CharField(label=gettext_lazy("Home (exact location)"), max_length=500,
                           required=False)
    statement = forms.CharField(label=gettext_lazy("Statement"), max_length=STATEMENT_MAX,
                                required=False, widget=forms.Textarea(attrs={"rows": 8}))

    def clean_incident(self) -> str:
        code: str = self.cleaned_data["incident"].strip()
        if not models.Incident.objects.filter(code=code).exists():
            raise forms.ValidationError(gettext_lazy("There is no incident with this code."))
        return code


@sensitive_post_parameters("name", "contact", "home", "statement")
@requires(Action.EDIT_WITNESSES, target=lambda kwargs: "witnesses")
def witness_new(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    key_problem = _key_problem()
    problem = ""
    if request.method == "POST":
        form = WitnessForm(request.POST)
        if not key_problem and form.is_valid():
            data: dict[str, Any] = form.cleaned_data
            try:
                code = witnesses.add_witness(
                    data["incident"], data["name"], contact=data["contact"], home=data["home"],
                    statement=data["statement"], code=data["code"] or None,
                    actor=principal_of(request).actor)
            except UserError as error:
                problem = str(error)
            else:
                messages.success(request, _("Witness %(code)s was added to %(incident)s; the "
                                            "identity is stored encrypted.") % {
                    "code": code, "incident": data["incident"]})
                return redirect("workspace:witnesses")
    else:
        form = WitnessForm(initial={"incident": request.GET.get("incident", "")[:32]})
    status = 400 if request.method == "POST" and (problem or key_problem or form.errors) else 200
    return _private(render(request, "workspace/witness_new.html", {
        "allowed": allowed_actions(request), "form": form, "problem": problem,
        "key_problem": key_problem}, status=status))
