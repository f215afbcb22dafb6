"""The JSON API as its clients meet it: pagination and filters, who sees what (the public, a
viewer's session, tokens with narrow scopes), refused and revoked tokens, the grading
endpoint and its audit entries, CSRF on session writes, plain JSON errors, and canaries (a
witness identity, a confidential source) that must never reach an anonymous answer."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from civharm.domain.vocabulary import Grade
from civharm.services import accounts
from civharm.store import models

PASSWORD = "a long enough passphrase 42"


def _get(client: Client, url: str, token: str | None = None, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, params, headers=headers)


def _json(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return json.loads(response.content)


def _user(name: str, role: str) -> Any:
    accounts.add_user(name, role, PASSWORD)
    return models.Account.objects.get(user__username=name).user


def _session(user: Any, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def _codes(body: dict[str, Any]) -> list[str]:
    return [row["code"] for row in body["results"]]


def _entries(action: str, target: str) -> list[models.AuditEntry]:
    return list(models.AuditEntry.objects.filter(action=action, target=target).order_by("id"))


# -- pagination and filters --------------------------------------------------------------------

def test_incidents_are_paginated_with_links_that_walk_every_page(example_database: str) -> None:
    client = Client()
    first = _json(_get(client, "/api/v1/incidents", limit=3))
    assert (first["count"], first["limit"], first["offset"]) == (8, 3, 0)
    assert first["previous"] is None and len(first["results"]) == 3
    seen, page = [], first
    while True:
        seen += _codes(page)
        if page["next"] is None:
            break
        page = _json(client.get(page["next"]))
        assert page["previous"] is not None
    by_date = list(models.Incident.objects.order_by("date_start", "code")
                   .values_list("code", flat=True))
    assert seen == by_date and len(set(seen)) == 8  # by date, each once
    back = _json(client.get(page["previous"]))
    assert _codes(back) == by_date[3:6]
    past = _json(_get(client, "/api/v1/incidents", offset=50))
    assert past["count"] == 8 and past["results"] == [] and past["next"] is None
    row = first["results"][0]
    assert row["url"] == "/api/v1/incidents/RQ0001"
    assert row["civilians_killed"] == {"min": 4, "max": 9}


INVALID = [
    {"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"offset": -1},
    {"date_from": "2017-13-01"}, {"date_to": "0"}, {"date_from": "yesterday"},
    {"grade": "excellent"}, {"strike_status": "maybe"}, {"q": "x" * 201}, {"q": "a\x00b"},
]


def test_incident_filters_and_invalid_parameters_a_plain_422(example_database: str) -> None:
    client = Client()
    for query in INVALID:
        response = _get(client, "/api/v1/incidents", **query)
        assert response.status_code == 422, query
        body = _json(response)
        assert body["detail"] == "the request's parameters are not valid"
        assert body["errors"] and all(set(e) == {"loc", "msg"} for e in body["errors"])
        assert "Traceback" not in response.content.decode()
    for url in ("/api/v1/victims?limit=1000", "/api/v1/declared-strikes?date_to=2017-02-30",
                "/api/v1/audit?offset=x", "/api/v1/incidents/RQ%2000%00"):
        assert client.get(url).status_code in (404, 422), url

    def codes(**query: Any) -> list[str]:
        return _codes(_json(_get(client, "/api/v1/incidents", limit=100, **query)))

    assert codes(grade="fair") == ["RQ0001", "RQ0007"]
    assert codes(grade=["fair", "confirmed"]) == ["RQ0001", "RQ0003", "RQ0007"]
    assert codes(grade="ungraded") == ["RQ0004", "RQ0008"]
    assert codes(date_from="2017-08-15", date_to="2017-09-30") == ["RQ0005", "RQ0006", "RQ0007"]
    assert codes(date_from="2017-07-15", date_to="2017-07-20") == ["RQ0004"]  # a month window
    assert codes(neighbourhood="AL-BADU") == ["RQ0003"]
    assert codes(q="الثكنة") == ["RQ0007"]
    assert codes(q="rq0002") == ["RQ0002"]
    assert codes(strike_status="declared_strike") == sorted(
        i.code for i in models.Incident.objects.all()
        if (a := i.assessments.order_by("-assessed_at", "-id").first()) is not None
        and a.strike_status == "declared_strike")
    assert set(codes(belligerent="us-led coalition")) >= {"RQ0001", "RQ0002", "RQ0003", "RQ0005"}
    assert codes(belligerent="nobody at all") == []
    filtered = _json(_get(client, "/api/v1/incidents", grade="fair", limit=1))
    assert filtered["count"] == 2 and "grade=fair" in filtered["next"]


def test_victims_strikes_estimates_and_figures_with_links(example_database: str) -> None:
    client = Client()
    victims = _json(_get(client, "/api/v1/victims", incident="RQ0001", limit=100))
    assert victims["count"] == sum(1 for _ in models.Victim.objects.filter(incident__code="RQ0001"))
    assert {v["incident"] for v in victims["results"]} == {"RQ0001"}
    found = _json(_get(client, "/api/v1/victims", q="الصواف"))
    assert found["count"] >= 1 and all("الصواف" in v["name_ar"] for v in found["results"])
    strikes = _json(_get(client, "/api/v1/declared-strikes", date_from="2017-09-01"))
    assert strikes["count"] == 2 and all(s["date"] >= "2017-09-01" for s in strikes["results"])
    assert strikes["results"][0]["destroyed"]["fighting position"] == 15
    assert _json(_get(client, "/api/v1/estimates"))["count"] == 0
    models.MseEstimate.objects.create(method="loglinear", observed=40, estimate=55.5, lower=44.0,
                                      upper=None, lists=["a", "b", "c"],
                                      warnings=["few overlaps"], details={"level": 0.95},
                                      made_by="user:analyst9")
    estimate = _json(_get(client, "/api/v1/estimates"))["results"][0]
    assert (estimate["method"], estimate["upper"], estimate["lists"]) == ("loglinear", None,
                                                                          ["a", "b", "c"])
    assert estimate["warnings"] == ["few overlaps"] and estimate["made_by"] is None


    body = _json(_get(client, "/api/v1/figures"))
    figures, links = body["figures"], body["links"]
    assert figures["incidents"] == 8
    counted = _json(client.get(links["incidents"] + "?limit=100"))
    assert counted["count"] == figures["incidents"]
    likely = _json(client.get(links["likely_deaths"] + "&limit=100"))
    assert sum(r["civilians_killed"]["min"] for r in likely["results"]
               if r["civilians_killed"]) == figures["likely_deaths"]
    ungraded = _json(client.get(links["ungraded_incidents"]))
    assert ungraded["count"] == figures["ungraded_incidents"]
    named = _json(client.get(links["named_victims"]))
    assert named["count"] == figures["named_victims"]


def test_one_incident_with_its_grade_sources_and_matched_strikes_or_404(example_database: str) -> None:
    strike = models.DeclaredStrike.objects.get(date="2017-07-03", place="Raqqa")
    incident = models.Incident.objects.get(code="RQ0003")
    models.StrikeMatch.objects.create(incident=incident, declared_strike=strike, distance_m=40.4,
                                      day_offset=0, fifty_metre_rule=True)
    body = _json(_get(Client(), "/api/v1/incidents/RQ0003"))
    assert body["grade"] == "confirmed"
    assessment = body["assessment"]
    assert assessment["definition"] == Grade.CONFIRMED.definition and assessment["reason"]
    assert assessment["assessed_by"] is None and body["grade_history"] is None
    assert [s["key"] for s in body["declared_strikes"]] == [strike.key]
    assert body["declared_strikes"][0]["distance_m"] == 40
    assert {v["belligerent"] for v in body["verdicts"]} == {"US-led Coalition"}
    assert body["verdicts"][0]["deaths_conceded"] == {"min": 4, "max": 5}
    keys = {s["key"] for s in body["sources"]}
    assert keys and "S008" not in keys  # the interview behind one claim
    assert all(s["public"] for s in body["sources"])
    assert "S008" not in {c["source"] for c in body["claims"]}
    client = Client()
    for url in ("/api/v1/incidents/RQ9999", "/api/v1/nothing-here", "/api/v2/incidents"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert set(_json(response)) == {"detail"}


# -- who sees what -----------------------------------------------------------------------------

def test_the_internal_record_needs_view_internal_in_the_role_and_the_token(
        example_database: str) -> None:
    viewer = _user("viewer1", "viewer")
    narrow = accounts.issue_token("viewer1", "public only", ["view_public"])
    wide = accounts.issue_token("viewer1", "internal", ["view_public", "view_internal"])

    def sources(client: Client, token: str | None = None) -> dict[str, Any]:
        body = _json(_get(client, "/api/v1/incidents/RQ0007", token))
        return {s["key"]: s for s in body["sources"]} | {
            f"claim:{c['source']}": c for c in body["claims"]}

    public = sources(Client())
    assert "S001" not in public and "claim:S001" not in public
    session = sources(_session(viewer))
    assert "S001" in session and "claim:S001" in session
    assert session["S001"]["public"] is False
    assert session["S001"]["original_text"] is None  # an interview: witness handlers only
    assert "S001" not in sources(Client(), narrow)  # the owner could, the token cannot
    assert "S001" in sources(Client(), wide)
    victims = _json(_get(Client(), "/api/v1/victims", incident="RQ0007", limit=100))["results"]
    assert all("S001" not in v["sources"] for v in victims)
    internal = _json(_get(Client(), "/api/v1/victims", wide, incident="RQ0007", limit=100))
    assert any("S001" in v["sources"] for v in internal["results"])
    detail = _json(_get(Client(), "/api/v1/incidents/RQ0001", wide))
    assert detail["assessment"]["assessed_by"] and detail["grade_history"]


def test_refused_tokens_are_401_and_unscoped_ones_403(example_database: str) -> None:
    _user("viewer2", "viewer")
    token = accounts.issue_token("viewer2", "laptop", ["view_public", "view_internal"])
    client = Client()
    assert _get(client, "/api/v1/incidents", token).status_code == 200
    accounts.revoke_token("laptop", "viewer2")
    for header in (f"Bearer {token}", "Bearer chm_not-a-real-token", "Bearer", "Basic dXNlcjpw",
                   "Token abc"):
        response = client.get("/api/v1/incidents", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert set(_json(response)) == {"detail"}
    assert _entries("token.refused", "user:viewer2")
    _user("reviewer2", "reviewer")
    grading = accounts.issue_token("reviewer2", "grading only", ["grade"])
    response = _get(client, "/api/v1/incidents", grading)  # a token, but not for reading
    assert response.status_code == 403
    assert "view_public" in _json(response)["detail"]


def test_review_queue_and_audit_log_need_their_permissions(example_database: str) -> None:
    viewer = _user("viewer3", "viewer")
    reviewer = _user("reviewer3", "reviewer")
    admin = _user("admin3", "admin")
    first, second = models.Victim.objects.order_by("key")[:2]
    models.ReviewPair.objects.create(first=first, second=second, probability=0.61,
                                     explanation=[{"name": "close"}])
    assert _session(viewer).get("/api/v1/review/victims").status_code == 403
    assert _entries("access.denied", "review:victims")[-1].actor == "user:viewer3"
    queue = _json(_session(reviewer).get("/api/v1/review/victims"))
    assert queue["count"] == 1 and queue["results"][0]["first"]["key"] == first.key
    assert Client().get("/api/v1/audit").status_code == 403
    assert _session(reviewer).get("/api/v1/audit").status_code == 403
    log = _json(_session(admin).get("/api/v1/audit", {"limit": 2}))
    assert log["count"] >= 3 and len(log["results"]) == 2 and log["next"]
    assert log["results"][0]["id"] > log["results"][1]["id"]  # newest first
    denied = _json(_session(admin).get("/api/v1/audit", {"action": "access.denied", "limit": 100}))
    assert {e["target"] for e in denied["results"]} >= {"review:victims", "audit"}


# -- the write path ----------------------------------------------------------------------------

def _grade(client: Client, code: str, body: dict[str, Any], token: str | None = None,
           **headers: str) -> Any:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(f"/api/v1/incidents/{code}/grade", json.dumps(body),
                       content_type="application/json", headers=headers)


def test_grading_with_a_reviewer_token_is_kept_and_audited(example_database: str) -> None:
    _user("reviewer4", "reviewer")
    _user("viewer4", "viewer")
    token = accounts.issue_token("reviewer4", "grading", ["view_public", "grade"])
    reading = accounts.issue_token("viewer4", "reading", ["view_public", "view_internal"])
    client = Client()
    response = _grade(client, "RQ0008", {"grade": "weak", "reason": " One post only. ",
                                         "strike_status": "single_source_claim"}, token)
    assert response.status_code == 201, response.content
    made = _json(response)
    assert (made["grade"], made["reason"], made["strike_status"]) == (
        "weak", "One post only.", "single_source_claim")
    assert made["definition"] == Grade.WEAK.definition
    assert made["assessed_by"].startswith("user:reviewer4/token:chm_")
    entry = _entries("incident.grade", "incident:RQ0008")[-1]
    assert entry.actor == made["assessed_by"]
    assert _json(_get(client, "/api/v1/incidents/RQ0008"))["grade"] == "weak"

    refused = _grade(client, "RQ0008", {"grade": "fair", "reason": "two sources"}, reading)
    assert refused.status_code == 403
    assert "grade" in _json(refused)["detail"]
    denial = _entries("access.denied", "incident:RQ0008")[-1]
    assert denial.actor.startswith("user:viewer4/token:")
    assert _grade(client, "RQ0008", {"grade": "fair", "reason": "x"}).status_code == 403  # public

    for body in ({"grade": "fair"}, {"grade": "fair", "reason": "   "},
                 {"grade": "splendid", "reason": "why not"}):
        response = _grade(client, "RQ0008", body, token)
        assert response.status_code == 422, body
        assert "detail" in _json(response)
    bad_json = client.post("/api/v1/incidents/RQ0008/grade", "{not json",
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert 400 <= bad_json.status_code < 500 and "detail" in _json(bad_json)
    assert _grade(client, "RQ9999", {"grade": "fair", "reason": "x"}, token).status_code == 404
    current = models.Incident.objects.get(code="RQ0008").assessments.order_by("-id").first()
    assert current is not None and current.grade == "weak"  # the refusals changed nothing


def test_session_writes_need_the_csrf_token(example_database: str) -> None:
    reviewer = _user("reviewer5", "reviewer")
    client = _session(reviewer, csrf=True)
    before = models.Assessment.objects.count()
    refused = _grade(client, "RQ0004", {"grade": "weak", "reason": "one list"})
    assert refused.status_code == 403 and "CSRF" in _json(refused)["detail"]
    assert models.Assessment.objects.count() == before
    client.get("/api/docs")  # any page that hands out the token sets its cookie
    token = client.cookies["csrftoken"].value
    accepted = _grade(client, "RQ0004", {"grade": "weak", "reason": "one list"},
                      **{"X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.content
    assert _json(accepted)["assessed_by"] == "user:reviewer5"
    assert models.Assessment.objects.count() == before + 1


# -- never public ------------------------------------------------------------------------------

def _every_anonymous_answer(client: Client) -> str:
    bodies = []
    for url in ("/api/openapi.json", "/api/v1/figures", "/api/v1/estimates",
                "/api/v1/declared-strikes?limit=100", "/api/v1/victims?limit=100",
                "/api/v1/review/victims", "/api/v1/audit"):
        bodies.append(client.get(url).content.decode())
    incidents = _json(client.get("/api/v1/incidents?limit=100"))
    bodies.append(json.dumps(incidents, ensure_ascii=False))
    for row in incidents["results"]:
        bodies.append(json.dumps(_json(client.get(row["url"])), ensure_ascii=False))
        bodies.append(client.get("/api/v1/victims", {"incident": row["code"]}).content.decode())
    for query in ("q=CANARY", "belligerent=CANARY", "q=canary"):
        bodies.append(client.get(f"/api/v1/incidents?{query}").content.decode())
        bodies.append(client.get(f"/api/v1/victims?{query}").content.decode())
    return "\n".join(bodies)


def test_canaries_never_reach_an_anonymous_answer(example_database: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from civharm.domain.sealing import write_key_file
    from civharm.services.witnesses import add_witness

    canary = f"CANARY{uuid.uuid4().hex.upper()}"
    vault = tmp_path / "vault"
    vault.mkdir(mode=0o700)
    write_key_file(vault / "witness.key")
    monkeypatch.setenv("CIVHARM_SECRET_KEY_FILE", str(vault / "witness.key"))
    add_witness("RQ0001", name=f"{canary} name", contact=f"{canary} contact",
                home=f"{canary} home", statement=f"{canary} statement", code="W-CANARY1")
    incident = models.Incident.objects.get(code="RQ0001")
    secret = models.Source.objects.create(
        key=f"S-{canary}", kind="ngo_report", title=f"{canary} confidential report",
        publisher=f"{canary} publisher", original_text=f"{canary} text", public=False)
    models.Claim.objects.create(incident=incident, source=secret,
                                belligerent_blamed=f"{canary} blamed", killed_civilians_min=3)
    models.Victim.objects.get(key="V0001").sources.add(secret)

    anonymous = _every_anonymous_answer(Client())
    assert canary not in anonymous and canary.lower() not in anonymous.lower()
    assert "W-CANARY1" not in anonymous

    viewer = _session(_user("viewer6", "viewer"))
    internal = _json(viewer.get("/api/v1/incidents/RQ0001"))
    seen = json.dumps(internal, ensure_ascii=False)
    assert f"S-{canary}" in seen  # the test can fail: the viewer does see the source
    for field in ("name", "contact", "home", "statement"):
        assert f"{canary} {field}" not in seen  # and never a witness's identity
