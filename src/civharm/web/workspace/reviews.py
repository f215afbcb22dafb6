"""The review queues: victim-record pairs the linkage was unsure of, and incidents that are
probably one event.

The pages only read the queues and show them; every decision goes through the services
(:func:`civharm.services.linkage.decide`, :mod:`civharm.services.duplicates`), which write
the change and its audit entry in one transaction, with the signed-in person as the actor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civharm.analysis.strike_matching import haversine_m
from civharm.domain.permissions import Action
from civharm.services import duplicates, linkage
from civharm.services.errors import NotFound, UserError
from civharm.services.mapping import window_of
from civharm.store import models
from civharm.web.workspace.auth import allowed_actions, principal_of, requires

PAGE_SIZE = 25
LARGEST_ID = 2**63 - 1  # a larger number in the address names no row (and overflows a query)
REASON_MAX = 2000

# The linkage's words for its comparisons and their levels, marked for translation here so
# that the message catalogue holds them; a word the linkage adds later shows as it is.
COMPARISON_WORDS = {
    "given name": gettext_lazy("given name"),
    "father name": gettext_lazy("father's name"),
    "grandfather's name": gettext_lazy("grandfather's name"),
    "family name": gettext_lazy("family name"),
    "age": gettext_lazy("age"),
    "date of death": gettext_lazy("date of death"),
    "place": gettext_lazy("place"),
    "sex": gettext_lazy("sex"),
    "list": gettext_lazy("list"),
}
LEVEL_WORDS = {
    "not given on both": gettext_lazy("not given on both"),
    "same name (key)": gettext_lazy("same name"),
    "same name in the other script's form": gettext_lazy("same name in the other script's form"),
    "same consonants, vowels unsure": gettext_lazy("same consonants, vowels unsure"),
    "same consonants, different long vowels": gettext_lazy("same consonants, different long vowels"),
    "consonants one edit apart": gettext_lazy("consonants one edit apart"),
    "different names": gettext_lazy("different names"),
    "same consonants": gettext_lazy("same consonants"),
    "given names differ: not counted": gettext_lazy("given names differ: not counted"),
    "same age": gettext_lazy("same age"),
    "ages one year apart": gettext_lazy("ages one year apart"),
    "ages two or three years apart": gettext_lazy("ages two or three years apart"),
    "age bands overlap": gettext_lazy("age bands overlap"),
    "ages differ": gettext_lazy("ages differ"),
    "same day": gettext_lazy("same day"),
    "within two days": gettext_lazy("within two days"),
    "within 45 days (died of wounds later)": gettext_lazy("within 45 days (died of wounds later)"),
    "dates far apart": gettext_lazy("dates far apart"),
    "same place": gettext_lazy("same place"),
    "similar place": gettext_lazy("similar place"),
    "different place": gettext_lazy("different place"),
    "same sex, as the same given name says: not counted":
        gettext_lazy("same sex, as the same given name says: not counted"),
    "same sex": gettext_lazy("same sex"),
    "different sex": gettext_lazy("different sex"),
    "list not given": gettext_lazy("list not given"),
    "same list": gettext_lazy("same list"),
    "different lists": gettext_lazy("different lists"),
}
SEX_WORDS = {"male": gettext_lazy("male"), "female": gettext_lazy("female"),
             "unknown": gettext_lazy("unknown")}
FATE_WORDS = {"killed": gettext_lazy("killed"), "injured": gettext_lazy("injured")}


# -- victim pairs ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Evidence:
    """One comparison of a pair, in words."""

    comparison: str
    level: str
    bayes_factor: float
    words: str
    towards: str  # "same", "different" or "neither"
    strength: str  # "strong", "moderate" or "weak", for the page's emphasis


def _factor(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.0f}"
    return f"{value:.1f}"


def explain(explanation: Any) -> list[Evidence]:
    """The stored explanation of a pair, strongest evidence first, each line in words."""
    lines: list[Evidence] = []
    for item in explanation if isinstance(explanation, list) else []:
        if not isinstance(item, dict):
            continue
        comparison, level = str(item.get("comparison", "")), str(item.get("level", ""))
        try:
            factor = float(item.get("bayes_factor") or 1.0)
        except (TypeError, ValueError):
            factor = 1.0
        if not math.isfinite(factor) or factor <= 0:
            factor = 1.0
        weight = abs(math.log(factor))
        if weight < 0.01:
            towards, words = "neither", _("says nothing either way")
        elif factor > 1:
            towards = "same"
            words = _("%(factor)s times more likely if they are the same person") % {
                "factor": _factor(factor)}
        else:
            towards = "different"
            words = _("%(factor)s times more likely if they are different people") % {
                "factor": _factor(1 / factor)}
        strength = "strong" if weight >= math.log(10) else "moderate" if weight >= math.log(2) \
            else "weak"
        lines.append(Evidence(str(COMPARISON_WORDS.get(comparison, comparison)),
                              str(LEVEL_WORDS.get(level, level)), factor, words, towards, strength))
    lines.sort(key=lambda e: -abs(math.log(e.bayes_factor)))
    return lines


def _age(victim: models.Victim) -> str:
    if victim.age is not None:
        return str(victim.age)
    if victim.age_min is not None or victim.age_max is not None:
        low = "" if victim.age_min is None else str(victim.age_min)
        high = "" if victim.age_max is None else str(victim.age_max)
        return f"{low}–{high}"
    return ""


def _sources(sources: Any) -> list[dict[str, Any]]:
    """A record's sources: key and kind; the title only of a published source (an
    interview's title can say where the witness lives)."""
    return [{"key": s.key, "kind": s.kind.replace("_", " "),
             "title": s.title if s.public else "", "public": s.public}
            for s in sorted(sources, key=lambda s: s.key)]


def _victim(victim: models.Victim) -> dict[str, Any]:
    incident = victim.incident
    others = 0
    if victim.person_id is not None:
        others = models.Victim.objects.filter(person_id=victim.person_id).exclude(
            pk=victim.pk).count()
    return {
        "key": victim.key, "name": victim.name, "name_ar": victim.name_ar,
        "sex": SEX_WORDS.get(victim.sex, victim.sex), "age": _age(victim),
        "date_of_death": victim.date_of_death.isoformat() if victim.date_of_death else "",
        "fate": FATE_WORDS.get(victim.fate, victim.fate), "relation": victim.relation,
        "incident": incident.code, "incident_date": str(window_of(incident)),
        "place": incident.place, "place_ar": incident.place_ar,
        "neighbourhood": incident.neighbourhood,
        "list": min((s.key for s in victim.sources.all()), default=linkage.UNSOURCED),
        "sources": _sources(victim.sources.all()),
        "person": victim.person.key if victim.person else "", "person_others": others,
    }


def _pairs() -> Any:
    return (models.ReviewPair.objects
            .select_related("first__incident", "second__incident", "first__person",
                            "second__person")
            .prefetch_related("first__sources", "second__sources")
            .order_by("-probability", "id"))


def _page_number(request: HttpRequest) -> int | None:
    """The page asked for: 1 when none; None when the value is not a page number."""
    text = request.GET.get("page", "1").strip() or "1"
    if not text.isdigit() or len(text) > 9 or int(text) < 1:
        return None
    return int(text)


def _bad_page() -> HttpResponse:
    return HttpResponseBadRequest(_("The page number must be a whole number from 1 up."),
                                  content_type="text/plain; charset=utf-8")


@requires(Action.REVIEW)
def victim_queue(request: HttpRequest) -> HttpResponse:
    number = _page_number(request)
    if number is None:
        return _bad_page()
    paginator = Paginator(_pairs(), PAGE_SIZE)
    try:
        page = paginator.page(number)
    except (EmptyPage, PageNotAnInteger):
        page = paginator.page(paginator.num_pages)
    rows = [{"id": p.id, "probability": p.probability, "first": p.first, "second": p.second,
             "why": explain(p.explanation)[:2]} for p in page.object_list]
    return render(request, "workspace/review_victims.html",
                  {"page": page, "rows": rows, "waiting": paginator.count,
                   "allowed": allowed_actions(request)})


def _decision(request: HttpRequest) -> bool | None:
    value = request.POST.get("decision", "")
    return {"same": True, "different": False}.get(value)


@requires(Action.REVIEW, target=lambda kwargs: f"review_pair:{kwargs.get('pair_id', '')}")
def victim_pair(request: HttpRequest, pair_id: int) -> HttpResponse:
    pair = _pairs().filter(pk=pair_id).first() if pair_id <= LARGEST_ID else None
    if pair is None:
        messages.info(request, _("That pair is no longer in the queue: it has been decided, "
                                 "or the linkage has been run again."))
        return redirect("workspace:review_victims")
    problem = ""
    if request.method == "POST":
        same = _decision(request)
        reason = request.POST.get("reason", "").strip()
        if same is None:
            return HttpResponseBadRequest(_("Choose “same person” or “different people”."),
                                          content_type="text/plain; charset=utf-8")
        if len(reason) > REASON_MAX:
            problem = _("The reason may be at most %(count)d characters.") % {"count": REASON_MAX}
        else:
            try:
                outcome = linkage.decide(pair.first.key, pair.second.key, same,
                                         decided_by=principal_of(request).actor, reason=reason)
            except UserError as error:
                problem = str(error)
            else:
                messages.success(request, _("Decision recorded: %(outcome)s.") % {
                    "outcome": outcome})
                following = _pairs().exclude(pk=pair.pk).first()
                if following is not None:
                    return redirect("workspace:review_victim_pair", pair_id=following.pk)
                return redirect("workspace:review_victims")
    elif request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    waiting = models.ReviewPair.objects.count()
    return render(request, "workspace/review_victim_pair.html", {
        "allowed": allowed_actions(request),
        "pair": pair, "first": _victim(pair.first), "second": _victim(pair.second),
        "percent": f"{pair.probability * 100:.0f}", "evidence": explain(pair.explanation),
        "waiting": waiting, "problem": problem, "reason": request.POST.get("reason", "")[:REASON_MAX],
        "reason_max": REASON_MAX}, status=400 if problem else 200)


# -- duplicate incidents -----------------------------------------------------------------------

def _suggestions() -> Any:
    return (models.DuplicateSuggestion.objects.filter(state=models.DuplicateSuggestion.OPEN)
            .select_related("first", "second").order_by("-score", "id"))


def _distance(a: models.Incident, b: models.Incident) -> float | None:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    assert a.latitude is not None and a.longitude is not None
    assert b.latitude is not None and b.longitude is not None
    return haversine_m(a.latitude, a.longitude, b.latitude, b.longitude)


def _incident(incident: models.Incident) -> dict[str, Any]:
    claims = list(incident.claims.select_related("source").order_by("source__key"))
    victims = list(incident.victims.order_by("key"))
    return {
        "code": incident.code, "date": str(window_of(incident)),
        "local_time": incident.local_time.strftime("%H:%M") if incident.local_time else "",
        "place": incident.place, "place_ar": incident.place_ar,
        "neighbourhood": incident.neighbourhood,
        "latitude": incident.latitude, "longitude": incident.longitude,
        "geo_precision": incident.geo_precision.replace("_", " ") if incident.geo_precision
        else "",
        "strike_type": incident.strike_type, "summary": incident.summary,
        "summary_ar": incident.summary_ar, "previous_codes": incident.previous_codes,
        "sources": _sources(c.source for c in claims),
        "victims": [{"key": v.key, "name": v.name, "name_ar": v.name_ar,
                     "sex": SEX_WORDS.get(v.sex, v.sex), "age": _age(v),
                     "fate": FATE_WORDS.get(v.fate, v.fate)} for v in victims],
        "verdicts": [{"belligerent": v.belligerent, "assessment": v.assessment.replace("_", " ")}
                     for v in incident.involvements.order_by("belligerent")],
    }


@requires(Action.MERGE)
def incident_queue(request: HttpRequest) -> HttpResponse:
    number = _page_number(request)
    if number is None:
        return _bad_page()
    paginator = Paginator(_suggestions(), PAGE_SIZE)
    try:
        page = paginator.page(number)
    except (EmptyPage, PageNotAnInteger):
        page = paginator.page(paginator.num_pages)
    rows = [{"id": s.id, "score": s.score, "reasons": s.reasons, "first": s.first,
             "second": s.second, "distance": _distance(s.first, s.second)}
            for s in page.object_list]
    return render(request, "workspace/review_incidents.html",
                  {"page": page, "rows": rows, "waiting": paginator.count,
                   "allowed": allowed_actions(request)})


ACTIONS = ("keep_first", "keep_second", "dismiss")


@requires(Action.MERGE, target=lambda kwargs: f"duplicate:{kwargs.get('suggestion_id', '')}")
def incident_pair(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion = (_suggestions().filter(pk=suggestion_id).first() if suggestion_id <= LARGEST_ID
                  else None)
    if suggestion is None:
        messages.info(request, _("That suggestion is no longer open: it has been decided, or "
                                 "the suggestions have been made again."))
        return redirect("workspace:review_incidents")
    first, second = suggestion.first, suggestion.second
    problem = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            return HttpResponseBadRequest(_("Choose one of the actions on the page."),
                                          content_type="text/plain; charset=utf-8")
        actor = principal_of(request).actor
        try:
            if action == "dismiss":
                duplicates.dismiss_duplicate(first.code, second.code, actor=actor)
                done = _("%(a)s and %(b)s are recorded as different events.") % {
                    "a": first.code, "b": second.code}
            else:
                keep, merged = (first, second) if action == "keep_first" else (second, first)
                duplicates.merge_incidents(keep.code, merged.code, actor=actor)
                done = _("%(merged)s was merged into %(kept)s.") % {"merged": merged.code,
                                                                     "kept": keep.code}
        except (NotFound, UserError) as error:
            problem = str(error)
        else:
            messages.success(request, done)
            following = _suggestions().first()
            if following is not None:
                return redirect("workspace:review_incident_pair", suggestion_id=following.pk)
            return redirect("workspace:review_incidents")
    elif request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    return render(request, "workspace/review_incident_pair.html", {
        "allowed": allowed_actions(request),
        "suggestion": suggestion, "first": _incident(first), "second": _incident(second),
        "distance": _distance(first, second), "problem": problem,
        "waiting": _suggestions().count(),
        "shared_sources": sorted(set(first.claims.values_list("source__key", flat=True))
                                 & set(second.claims.values_list("source__key", flat=True))),
    }, status=409 if problem else 200)

