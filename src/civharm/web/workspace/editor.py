"""The one-flow incident editor: an incident with its sources, claims and victims on one
page, saved together or not at all; and the duplicate warning it shows while people type."""

from __future__ import annotations

import contextlib
from collections.abc import Set as AbstractSet
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from civharm.domain.casualties import CATEGORIES, OUTCOMES
from civharm.domain.permissions import Action, Subject
from civharm.domain.vocabulary import SourceKind
from civharm.services import editing
from civharm.services.access import check
from civharm.services.errors import NotFound
from civharm.store import models
from civharm.web.errors import not_found
from civharm.web.workspace.auth import allowed_actions, incident_target, principal_of, requires
from civharm.web.workspace.forms import (
    ClaimFormSet,
    IncidentForm,
    SourceFormSet,
    VictimFormSet,
)

PREFIXES = {"sources": "sources", "claims": "claims", "victims": "victims"}
# The editor's date fields, whose problems the service reports under "date".
DATE_FIELDS = ("date", "date_until", "date_precision")


def _hidden_texts(request: HttpRequest, keys: list[str]) -> set[str]:
    """The sources among ``keys`` whose texts this person may not see: interviews, unless
    they hold the witness-handler role."""
    if check(principal_of(request), Action.VIEW_EVIDENCE, Subject("source", confidential=True)):
        return set()
    return set(models.Source.objects.filter(
        key__in=keys, kind=SourceKind.WITNESS_INTERVIEW.value).values_list("key", flat=True))


def _lock(forms: tuple[IncidentForm, Any, Any, Any], code: str | None) -> tuple[Any, ...]:
    """Keys of stored records are shown but not edited (the services ignore them anyway)."""
    incident_form, sources, claims, victims = forms
    if code is not None:
        incident_form.fields["code"].widget.attrs["readonly"] = True
    for formset, key in ((sources, "source_id"), (claims, "source"), (victims, "victim_id")):
        for form in formset.forms:
            if form["existing"].value():
                form.fields[key].widget.attrs["readonly"] = True
    return forms


def _forms(request: HttpRequest, code: str | None, data: QueryDict | None,
           hidden: set[str]) -> tuple[Any, ...]:
    return _lock(_new_forms(request, code, data, hidden), code)


def _new_forms(request: HttpRequest, code: str | None, data: QueryDict | None,
               hidden: set[str]) -> tuple[IncidentForm, Any, Any, Any]:
    if data is not None:
        return (IncidentForm(data, prefix="incident"),
                SourceFormSet(data, prefix="sources"),
                ClaimFormSet(data, prefix="claims"),
                VictimFormSet(data, prefix="victims"))
    if code is None:
        initial = {"code": editing.next_code()}
        return (IncidentForm(initial=initial, prefix="incident"), SourceFormSet(prefix="sources"),
                ClaimFormSet(prefix="claims"), VictimFormSet(prefix="victims"))
    draft = editing.draft_of(code, hide_texts=hidden)
    return (IncidentForm(initial=IncidentForm.initial_from(draft.incident), prefix="incident"),
            SourceFormSet(initial=[{**p.cells, "existing": p.existing} for p in draft.sources],
                          prefix="sources"),
            ClaimFormSet(initial=[{**p.cells, "existing": p.existing} for p in draft.claims],
                         prefix="claims"),
            VictimFormSet(initial=[{**p.cells, "existing": p.existing} for p in draft.victims],
                          prefix="victims"))


def _parts(formset: Any, hidden: AbstractSet[str] = frozenset()) -> tuple[list[editing.Part], list[Any]]:
    """The parts a formset holds, and beside each the form it came from. A new row left
    as it was offered is not a part; a confidential source's texts, which the form did not
    show, keep their stored values."""
    parts, forms = [], []
    for form in formset.forms:
        existing = (form.cleaned_data.get("existing") or "").strip()
        if not existing and not form.has_changed():
            continue
        cells = form.cells()
        if existing in hidden:
            for name in editing.SOURCE_TEXTS:
                cells.pop(name, None)
        parts.append(editing.Part(cells, existing=existing,
                                  remove=bool(form.cleaned_data.get("DELETE"))))
        forms.append(form)
    return parts, forms


FORMSETS = {"sources": SourceFormSet, "claims": ClaimFormSet, "victims": VictimFormSet}


def _more_rows(data: QueryDict, which: str) -> QueryDict:
    """The same form with one more empty row of ``which`` (the no-JavaScript "add" button),
    its choices set to their defaults as a new row offers them."""
    copy = data.copy()
    name = f"{PREFIXES[which]}-TOTAL_FORMS"
    with contextlib.suppress(ValueError):
        count = int(copy.get(name, "0"))
        if count < 500:
            copy[name] = str(count + 1)
            for field, spec in FORMSETS[which].form.base_fields.items():
                if spec.initial is not None:
                    copy[f"{PREFIXES[which]}-{count}-{field}"] = str(spec.initial)
    return copy


def _put_errors(errors: editing.Errors, incident_form: IncidentForm,
                forms_by_part: dict[str, list[Any]]) -> list[str]:
    """Put the service's problems on the fields they concern; those of no field shown on
    the page are returned to show above the form."""
    loose: list[str] = []
    for (part, index), fields in errors.items():
        form = incident_form if part == "incident" else (
            forms_by_part[part][index] if index < len(forms_by_part.get(part, [])) else None)
        for name, messages in fields.items():
            for message in messages:
                if form is not None and name in form.fields:
                    form.add_error(name, message)
                elif form is not None and name == "date" and form is incident_form:
                    form.add_error("date", message)
                elif form is not None and name == editing.NON_FIELD:
                    form.add_error(None, message)
                else:
                    loose.append(f"{part} {index + 1}: {name}: {message}" if name else message)
    return loose


def _similar(form: IncidentForm, exclude: str = "", names: list[str] | None = None) -> list[Any]:
    if not form.is_bound or not hasattr(form, "cleaned_data"):
        return []
    cells = form.cells()
    latitude, longitude = _float(cells["latitude"]), _float(cells["longitude"])
    return editing.similar_incidents(cells["date"], cells["place"], latitude, longitude,
                                     cells["geo_precision"], names or [], exclude=exclude)


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if -180.0 <= value <= 180.0 else None


def _render(request: HttpRequest, code: str | None, forms: tuple[Any, ...], *,
            loose: list[str] | None = None, similar: list[Any] | None = None,
            checked: bool = False, hidden: AbstractSet[str] = frozenset(), status: int = 200) -> HttpResponse:
    incident_form, sources, claims, victims = forms
    keys = sorted({f.initial.get("source_id") or (f.data.get(f.add_prefix("source_id"))
                                                   if f.is_bound else "") or ""
                   for f in sources.forms} - {""})
    return render(request, "workspace/editor.html", {
        "code": code,
        "form": incident_form,
        "sources": sources,
        "claims": claims,
        "victims": victims,
        "source_keys": keys,
        "hidden_texts": hidden,
        "loose": loose or [],
        "similar": similar or [],
        "checked": checked,
        "outcomes": OUTCOMES,
        "categories": CATEGORIES,
        "allowed": allowed_actions(request),
    }, status=status)


@requires(Action.EDIT_RECORDS)
@require_http_methods(["GET", "POST"])
def new_incident(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@requires(Action.EDIT_RECORDS, target=incident_target)
@require_http_methods(["GET", "POST"])
def edit_incident(request: HttpRequest, code: str) -> HttpResponse:
    if not models.Incident.objects.filter(code=code).exists():
        return not_found(request)
    return _editor(request, code)


def _editor(request: HttpRequest, code: str | None) -> HttpResponse:
    existing_keys = []
    if code is not None:
        incident = models.Incident.objects.get(code=code)
        existing_keys = [s.key for s in editing.incident_sources(incident)]
    hidden = _hidden_texts(request, existing_keys)
    if request.method != "POST":
        return _render(request, code, _forms(request, code, None, hidden), hidden=hidden)

    more = request.POST.get("more", "")
    data = _more_rows(request.POST, more) if more in PREFIXES else request.POST
    forms = _forms(request, code, data, hidden)
    incident_form, sources, claims, victims = forms
    valid = all([incident_form.is_valid(), sources.is_valid(), claims.is_valid(),
                 victims.is_valid()])
    if more in PREFIXES or "check" in request.POST:
        return _render(request, code, forms, hidden=hidden, checked="check" in request.POST,
                       similar=_similar(incident_form, code or "", _victim_names(victims))
                       if "check" in request.POST else None)
    if not valid:
        return _render(request, code, forms, hidden=hidden, status=400)

    source_parts, source_forms = _parts(sources, hidden)
    claim_parts, claim_forms = _parts(claims)
    victim_parts, victim_forms = _parts(victims)
    draft = editing.Draft(incident_form.cells(), source_parts, claim_parts, victim_parts)
    try:
        saved = editing.save_incident(draft, code=code, actor=principal_of(request).actor)
    except NotFound:
        return not_found(request)
    except editing.EditRejected as rejected:
        loose = _put_errors(rejected.errors, incident_form, {
            "sources": source_forms, "claims": claim_forms, "victims": victim_forms})
        return _render(request, code, forms, hidden=hidden, loose=loose, status=400)
    done = "created" if saved.created else ("saved" if saved.changes else "unchanged")
    return redirect(reverse("workspace:incident", args=[saved.code]) + f"?done={done}")


def _victim_names(victims: Any) -> list[str]:
    names = []
    for form in victims.forms:
        if hasattr(form, "cleaned_data"):
            names += [form.cleaned_data.get("name") or "", form.cleaned_data.get("name_ar") or ""]
    return [n for n in names if n.strip()][:50]


@requires(Action.EDIT_RECORDS)
@require_GET
def similar(request: HttpRequest) -> HttpResponse:
    """Incidents like the one being typed, as a small piece of HTML for the editor."""
    query = request.GET
    date = query.get("date", "").strip()[:32]
    place = query.get("place", "").strip()[:200]
    names = [n[:300] for n in query.getlist("name")[:50]]
    found = editing.similar_incidents(
        date, place, _float(query.get("lat", "")), _float(query.get("lon", "")),
        query.get("precision", "")[:32], names, exclude=query.get("exclude", "")[:64]) \
        if date else []
    return render(request, "workspace/_similar.html",
                  {"similar": found, "checked": bool(date), "fragment": True})
