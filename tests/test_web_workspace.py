"""The investigators' workspace as a browser uses it: sign-in and sessions, the one-flow
incident editor, duplicate warnings, evidence, grading and history, on the example record.

Forms are read back from the pages and sent as a browser sends them, so that what a page
offers and what its view accepts are tested together."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civharm.domain.vocabulary import Grade
from civharm.services import accounts, audit
from civharm.store import models

PASSWORD = "tangerine-orbit-cascade-41"
USERS = {"analyst1": "analyst", "reviewer1": "reviewer", "viewer1": "viewer",
         "handler1": "witness_handler"}
LOGIN = "/workspace/login"


@pytest.fixture
def site(example_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The example record, four users (one per working role) and an evidence store.
    Argon2id costs little here, so that the sign-ins stay fast."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    monkeypatch.setattr(Argon2PasswordHasher, "memory_cost", 1024)
    monkeypatch.setattr(Argon2PasswordHasher, "time_cost", 1)
    monkeypatch.setattr(Argon2PasswordHasher, "parallelism", 1)
    store = tmp_path / "evidence"
    monkeypatch.setenv("CIVHARM_EVIDENCE_DIR", str(store))
    monkeypatch.delenv("CIVHARM_SECRET_KEY_FILE", raising=False)
    for name, role in USERS.items():
        accounts.add_user(name, role, PASSWORD)
    yield store


def signed_in(username: str) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def entries(action: str | None = None, target: str | None = None) -> list[audit.AuditLine]:
    return list(audit.lines(target=target, action=action, newest_first=False))


class FormReader(HTMLParser):
    """The values a browser would send for one form of a page."""

    def __init__(self, form_id: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._selected: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and (self.form_id is None or a.get("id") == self.form_id):
            self.inside = True
        if not self.inside:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self.values[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._selected.setdefault(self._select, value)
            if "selected" in a:
                self._selected[self._select] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            self.values[self._select] = self._selected.get(self._select, "")
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: bytes, form_id: str | None = None) -> dict[str, str]:
    reader = FormReader(form_id)
    reader.feed(html.decode())
    values = reader.values
    # A browser drops the leading newline Django writes inside a textarea.
    return {k: v[1:] if v.startswith("\n") else v for k, v in values.items()}


def _problems(html: bytes) -> list[str]:
    """The problems a page shows (for the message of a failing assertion)."""
    import re

    return re.findall(r'(?:field-error|class="error")[^>]*>(.*?)</', html.decode(), re.S)


def new_incident_post(client: Client, **changes: str) -> dict[str, str]:
    """The new-incident form as offered, filled in: one source, one claim, two victims."""
    page = client.get("/workspace/incidents/new")
    assert page.status_code == 200
    data = form_values(page.content, "incident-editor")
    assert data["victims-TOTAL_FORMS"] == "2" and data["sources-TOTAL_FORMS"] == "1"
    data.update({
        "incident-code": "RQ0100",
        "incident-date_precision": "day",
        "incident-date": "2017-08-14",
        "incident-local_time": "06:15",
        "incident-place": "al-Badu, Raqqa",
        "incident-place_ar": "البدو، الرقة",
        "incident-latitude": "35.9512",
        "incident-longitude": "39.0175",
        "incident-geo_precision": "street",
        "incident-strike_type": "air",
        "incident-summary": "A house was hit at dawn.",
        "incident-summary_ar": "أصيب منزل عند الفجر.",
        "sources-0-source_id": "S100",
        "sources-0-kind": "media_report",
        "sources-0-title": "Strike on al-Badu",
        "sources-0-published": "2017-08-15",
        "claims-0-source": "S100",
        "claims-0-belligerent_blamed": "US-led Coalition",
        "claims-0-killed_civilians_min": "2",
        "claims-0-killed_civilians_max": "3",
        "victims-0-name": "Huda Salem al-Ahmad",
        "victims-0-sex": "female",
        "victims-0-age": "34",
        "victims-0-sources": "S100",
        "victims-1-name_ar": "يوسف سالم الأحمد",
        "victims-1-sex": "male",
        "victims-1-age_min": "5",
        "victims-1-age_max": "9",
        "victims-1-sources": "S100",
        "save": "1",
    })
    data.update(changes)
    return data


# -- sign-in and sessions ---------------------------------------------------------------------

def test_sign_in_rotates_the_session_and_sign_out_ends_it(site: Path) -> None:
    from django.conf import settings
    from django.contrib.sessions.models import Session

    client = Client()
    anonymous = client.get("/workspace/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(f"{LOGIN}?next=/workspace/")
    session = client.session
    session["visited"] = True
    session.save()
    before = session.session_key
    page = client.get(LOGIN)
    assert page.status_code == 200 and b'name="csrfmiddlewaretoken"' in page.content

    response = client.post(LOGIN, {"username": "analyst1", "password": PASSWORD,
                                   "next": "/workspace/incidents/"})
    assert response.status_code == 302 and response["Location"] == "/workspace/incidents/"
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.get("/workspace/").status_code == 200
    assert [e.actor for e in entries("login")] == ["user:analyst1"]

    assert client.get("/workspace/logout").status_code == 405  # only a form signs out
    response = client.post("/workspace/logout")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=after).exists()
    assert client.get("/workspace/").status_code == 302
    # The old session id is worth nothing afterwards either.
    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = after
    assert stale.get("/workspace/").status_code == 302


def test_next_only_leads_to_this_site(site: Path) -> None:
    for wanted in ("https://elsewhere.example/x", "//elsewhere.example/x",
                   "/\\elsewhere.example", "javascript:alert(1)", "/workspace/incidents/RQ0001"):
        response = Client().post(LOGIN, {"username": "viewer1", "password": PASSWORD,
                                         "next": wanted})
        assert response.status_code == 302
        assert response["Location"] == (wanted if wanted.startswith("/workspace") else
                                        "/workspace/"), wanted
    # Someone signed in who opens the sign-in page goes on where they wanted.
    client = signed_in("viewer1")
    response = client.get(LOGIN, {"next": "/workspace/incidents/RQ0002"})
    assert response.status_code == 302 and response["Location"] == "/workspace/incidents/RQ0002"


def test_sign_in_is_throttled_after_five_failures(site: Path) -> None:
    client = Client()
    for _ in range(5):
        response = client.post(LOGIN, {"username": "analyst1", "password": "wrong-password-1234"})
        assert response.status_code == 200
        assert b"Unknown user name or wrong password." in response.content
    response = client.post(LOGIN, {"username": "analyst1", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert client.get("/workspace/").status_code == 302  # not signed in
    assert len(entries("login.failed")) == 5
    assert len(entries("login.throttled")) == 1
    assert not entries("login")


def test_forms_without_the_csrf_token_are_refused(site: Path) -> None:
    client = Client(enforce_csrf_checks=True)
    refused = client.post(LOGIN, {"username": "analyst1", "password": PASSWORD})
    assert refused.status_code == 403
    assert not entries("login")

    page = client.get(LOGIN)
    token = form_values(page.content)["csrfmiddlewaretoken"]
    response = client.post(LOGIN, {"username": "analyst1", "password": PASSWORD,
                                   "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    data = new_incident_post(client)
    data.pop("csrfmiddlewaretoken")
    assert client.post("/workspace/incidents/new", data).status_code == 403
    assert not models.Incident.objects.filter(code="RQ0100").exists()
    assert client.post("/workspace/logout").status_code == 403  # still signed in
    assert client.get("/workspace/").status_code == 200


def test_an_idle_session_expires(site: Path) -> None:
    from django.conf import settings
    from django.contrib.sessions.models import Session

    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    client = signed_in("analyst1")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    # Every request renews the session for another 30 minutes...
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get("/workspace/").status_code == 200
    renewed = Session.objects.get(session_key=key).expire_date
    assert renewed > timezone.now() + timedelta(minutes=29)
    # ...and 30 idle minutes end it.
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/workspace/incidents/RQ0001")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_a_disabled_user_is_signed_out_and_cannot_sign_in(site: Path) -> None:
    from django.conf import settings
    from django.contrib.sessions.models import Session

    client = signed_in("analyst1")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    accounts.disable("analyst1")
    response = client.get("/workspace/incidents/new")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not Session.objects.filter(session_key=key).exists()
    again = Client().post(LOGIN, {"username": "analyst1", "password": PASSWORD})
    assert again.status_code == 200 and b"Unknown user name or wrong password." in again.content
    assert [e.details["reason"] for e in entries("login.failed")] == ["disabled"]


# -- permissions ------------------------------------------------------------------------------

def test_anonymous_people_sign_in_and_a_viewer_may_read_but_not_edit_or_grade(
        site: Path) -> None:
    client = Client()
    for path in ("/workspace/", "/workspace/incidents/new", "/workspace/incidents/RQ0001",
                 "/workspace/incidents/RQ0001/edit", "/workspace/incidents/RQ0001/grade",
                 "/workspace/incidents/similar?date=2017-06-10"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"{LOGIN}?next="), path
    assert client.post("/workspace/incidents/RQ0001/grade",
                       {"grade": "fair", "reason": "x"}).status_code == 302
    assert not models.Assessment.objects.filter(reason="x").exists()
    viewer = signed_in("viewer1")
    assert viewer.get("/workspace/incidents/RQ0001").status_code == 200
    home = viewer.get("/workspace/")
    assert home.status_code == 200 and b"/workspace/incidents/new" not in home.content
    for path in ("/workspace/incidents/new", "/workspace/incidents/RQ0001/edit",
                 "/workspace/incidents/RQ0001/grade", "/workspace/incidents/similar?date=2017"):
        response = viewer.get(path)
        assert response.status_code == 403, path
        assert b"Not allowed" in response.content
    graded = models.Assessment.objects.count()
    response = viewer.post("/workspace/incidents/RQ0001/grade",
                           {"grade": "confirmed", "reason": "because"})
    assert response.status_code == 403
    assert models.Assessment.objects.count() == graded
    refusals = entries("access.denied")
    assert {e.actor for e in refusals} == {"user:viewer1"}
    assert {"edit_records", "grade"} <= {e.details["action"] for e in refusals}
    assert any(e.target == "incident:RQ0001" and e.details["action"] == "grade"
               for e in refusals)


# -- the editor -------------------------------------------------------------------------------

def test_an_analyst_creates_an_incident_with_its_parts_in_one_post(site: Path) -> None:
    client = signed_in("analyst1")
    response = client.post("/workspace/incidents/new", new_incident_post(client))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == "/workspace/incidents/RQ0100?done=created"

    incident = models.Incident.objects.get(code="RQ0100")
    assert (incident.place, incident.place_ar, incident.geo_precision) == (
        "al-Badu, Raqqa", "البدو، الرقة", "street")
    assert str(incident.date_start) == "2017-08-14" and incident.date_precision == "day"
    source = models.Source.objects.get(key="S100")
    assert source.public and source.kind == "media_report"
    claim = models.Claim.objects.get(incident=incident, source=source)
    assert (claim.killed_civilians_min, claim.killed_civilians_max) == (2, 3)
    victims = list(incident.victims.order_by("key"))
    assert [(v.name, v.name_ar) for v in victims] == [("Huda Salem al-Ahmad", ""),
                                                      ("", "يوسف سالم الأحمد")]
    assert [v.key for v in victims] == ["RQ0100-V01", "RQ0100-V02"]  # keys made for them
    assert (victims[1].age_min, victims[1].age_max) == (5, 9)
    assert all([s.key for s in v.sources.all()] == ["S100"] for v in victims)

    written = [(e.action, e.target) for e in entries() if e.actor == "user:analyst1"
               and e.action != "login"]
    assert written == [("incident.add", "incident:RQ0100"), ("source.add", "source:S100"),
                       ("claim.add", "claim:RQ0100/S100"), ("victim.add", "victim:RQ0100-V01"),
                       ("victim.add", "victim:RQ0100-V02")]
    assert audit.verify().intact

    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "The incident was created." in text
    assert '<td lang="ar" dir="rtl">يوسف سالم الأحمد</td>' in text
    for action in ("incident.add", "source.add", "claim.add", "victim.add"):
        assert action in text  # the history
    arabic = client.get("/workspace/incidents/RQ0100?lang=ar")
    assert b'<html lang="ar" dir="rtl">' in arabic.content


def test_a_validation_error_keeps_every_field_and_writes_nothing(site: Path) -> None:
    client = signed_in("analyst1")
    sent = new_incident_post(client, **{
        "incident-latitude": "95.5",
        "claims-0-killed_civilians_min": "7",
        "claims-0-killed_civilians_max": "3",
        "victims-1-age": "abc",
        "victims-0-sources": "S100;S999",
    })
    before = (models.Incident.objects.count(), models.Source.objects.count(),
              models.Victim.objects.count(), audit.head())
    response = client.post("/workspace/incidents/new", sent)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Nothing was saved" in text
    assert "outside the latitude range" in text
    assert "go together" not in text  # the unreadable latitude is the one problem to fix
    assert "&#x27;abc&#x27; is not a whole number" in text
    assert "no source &#x27;S999&#x27;" in text
    back = form_values(response.content, "incident-editor")
    for name, value in sent.items():
        if name not in ("save", "csrfmiddlewaretoken"):
            assert back.get(name, "") == value, name
    assert (models.Incident.objects.count(), models.Source.objects.count(),
            models.Victim.objects.count(), audit.head()) == before

    # Without JavaScript, a button adds a row, keeping what was typed; nothing is saved.
    more = {**back, "more": "victims"}
    response = client.post("/workspace/incidents/new", more)
    assert response.status_code == 200
    back = form_values(response.content, "incident-editor")
    assert back["victims-TOTAL_FORMS"] == "3" and back["victims-2-name"] == ""
    assert back["victims-1-name_ar"] == "يوسف سالم الأحمد"
    assert not models.Incident.objects.filter(code="RQ0100").exists()

    # Corrected, the same form saves (the empty third row is left out).
    back.update({"incident-latitude": "35.9512", "claims-0-killed_civilians_min": "2",
                 "victims-1-age": "7", "victims-0-sources": "S100", "save": "1"})
    saved = client.post("/workspace/incidents/new", back)
    assert saved.status_code == 302, _problems(saved.content)
    assert models.Incident.objects.get(code="RQ0100").victims.count() == 2


def test_editing_an_incident_changes_only_what_changed(site: Path) -> None:
    client = signed_in("analyst1")
    page = client.get("/workspace/incidents/RQ0007/edit")
    assert page.status_code == 200
    text = page.content.decode()
    # The interview's words are for witness handlers only, even in the editor.
    interview = models.Source.objects.get(key="S001")
    assert interview.original_text and interview.original_text not in text
    assert 'readonly' in text
    data = form_values(page.content, "incident-editor")
    claims = int(data["claims-TOTAL_FORMS"])
    victims = int(data["victims-TOTAL_FORMS"])
    claim = next(i for i in range(claims) if data[f"claims-{i}-existing"] == "S004")
    victim = next(i for i in range(victims) if data[f"victims-{i}-existing"] == "V0021")
    data.update({"incident-place_ar": "حي الثكنة، الرقة", f"claims-{claim}-DELETE": "on",
                 f"victims-{victim}-age": "61", "incident-code": "RQ9999", "save": "1"})
    response = client.post("/workspace/incidents/RQ0007/edit", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == "/workspace/incidents/RQ0007?done=saved"
    incident = models.Incident.objects.get(code="RQ0007")  # the code does not change
    assert incident.place_ar == "حي الثكنة، الرقة"
    assert not incident.claims.filter(source__key="S004").exists()
    assert models.Victim.objects.get(key="V0021").age == 61
    interview.refresh_from_db()
    assert interview.original_text == models.Source.objects.get(key="S001").original_text
    assert interview.original_text  # kept, though the analyst never saw it
    changed = [(e.action, e.target, e.details.get("fields")) for e in entries()
               if e.actor == "user:analyst1" and e.action != "login"]
    assert changed == [("incident.edit", "incident:RQ0007", ["place_ar"]),
                       ("claim.remove", "claim:RQ0007/S004", None),
                       ("victim.edit", "victim:V0021", ["age"])]

    history = client.get("/workspace/incidents/RQ0007").content.decode()
    positions = [history.index(action) for action in ("victim.edit", "claim.remove",
                                                      "incident.edit")]
    assert positions == sorted(positions)  # newest first
    assert "place_ar" in history and "user:analyst1" in history

    # A witness handler may read interviews but not edit records.
    assert signed_in("handler1").get("/workspace/incidents/RQ0007/edit").status_code == 403
    assert interview.original_text not in client.get("/workspace/incidents/RQ0007").content.decode()

    # Saving the form unchanged writes nothing.
    again = form_values(client.get("/workspace/incidents/RQ0007/edit").content, "incident-editor")
    again["save"] = "1"
    head = audit.head()
    response = client.post("/workspace/incidents/RQ0007/edit", again)
    assert response["Location"].endswith("done=unchanged")
    assert audit.head() == head


# -- duplicate warnings -----------------------------------------------------------------------

def test_the_duplicate_warning_finds_a_near_incident(site: Path) -> None:
    client = signed_in("analyst1")
    near = client.get("/workspace/incidents/similar",
                      {"date": "2017-06-10", "place": "somewhere", "lat": "35.9441",
                       "lon": "39.0421", "precision": "street"})
    assert near.status_code == 200
    assert b"RQ0001" in near.content and b"same day" in near.content
    by_name = client.get("/workspace/incidents/similar", {"date": "2017-06-11",
                                                           "place": "al-Mishlab, Raqqa"})
    assert b"RQ0001" in by_name.content and b"same place name" in by_name.content
    far = client.get("/workspace/incidents/similar",
                     {"date": "2017-06-10", "place": "elsewhere", "lat": "36.5",
                      "lon": "40.5", "precision": "exact"})
    assert b"RQ0001" not in far.content and b"No incident in the record" in far.content
    for bad in ({"date": "not-a-date"}, {"date": "2017-06-10", "lat": "north"}, {}):
        assert client.get("/workspace/incidents/similar", bad).status_code == 200

    # Without JavaScript, the button asks the same and saves nothing.
    data = new_incident_post(client, **{"incident-date": "2017-06-10",
                                        "incident-latitude": "35.9441",
                                        "incident-longitude": "39.0421", "check": "1"})
    data.pop("save")
    response = client.post("/workspace/incidents/new", data)
    assert response.status_code == 200 and b"RQ0001" in response.content
    assert b"This may be an incident already in the record" in response.content
    assert not models.Incident.objects.filter(code="RQ0100").exists()
    assert b"workspace/editor.js" in client.get("/workspace/incidents/new").content


# -- evidence ---------------------------------------------------------------------------------

def _upload(client: Client, data: bytes, name: str, **extra: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.get("/workspace/incidents/RQ0001")
    fields = {"source": "S002", "reason": "photo of the building from the reporter",
              "file": SimpleUploadedFile(name, data, content_type="image/jpeg"), **extra}
    assert b'enctype="multipart/form-data"' in page.content
    return client.post("/workspace/incidents/RQ0001/evidence", fields)


def test_evidence_is_stored_by_sha256_and_copies_need_a_reason(site: Path) -> None:
    analyst = signed_in("analyst1")
    data = b"\xff\xd8 bytes of a photograph " * 100
    sha = hashlib.sha256(data).hexdigest()
    assert _upload(analyst, data, "../../building.jpg", reason="").status_code == 400
    assert not models.EvidenceFile.objects.filter(sha256=sha).exists()
    response = _upload(analyst, data, "../../building.jpg")
    assert response.status_code == 302
    stored = site / sha[:2] / sha[2:4] / sha
    assert stored.read_bytes() == data
    row = models.EvidenceFile.objects.get(sha256=sha)
    assert row.stored and row.original_name == "building.jpg"
    assert [s.key for s in row.sources.all()] == ["S002"]
    page = analyst.get("/workspace/incidents/RQ0001").content.decode()
    assert sha in page

    viewer = signed_in("viewer1")
    refused = viewer.post(f"/workspace/evidence/{sha}", {"reason": "  "})
    assert refused.status_code == 400 and b"chain of custody" in refused.content
    assert not entries("evidence.download")
    copy = viewer.post(f"/workspace/evidence/{sha}", {"reason": "checking the roof damage"})
    assert copy.status_code == 200
    assert b"".join(copy.streaming_content) == data
    assert "attachment" in copy["Content-Disposition"]
    downloads = entries("evidence.download", target=f"evidence:{sha}")
    assert [(e.actor, e.details["reason"]) for e in downloads] == [
        ("user:viewer1", "checking the roof damage")]
    custody = viewer.get(f"/workspace/evidence/{sha}").content.decode()
    assert "checking the roof damage" in custody and "evidence.add" in custody
    assert viewer.get("/workspace/evidence/nothex").status_code == 404
    assert viewer.post("/workspace/incidents/RQ0001/evidence", {}).status_code == 403


def test_confidential_evidence_opens_only_for_witness_handlers(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from civharm.domain.sealing import write_key_file

    key = tmp_path / "keys" / "civharm.key"
    key.parent.mkdir()
    write_key_file(key)
    monkeypatch.setenv("CIVHARM_SECRET_KEY_FILE", str(key))
    analyst = signed_in("analyst1")
    data = b"RIFF a witness's voice WAVE" * 50
    sha = hashlib.sha256(data).hexdigest()
    assert _upload(analyst, data, "voice-of-someone.wav", confidential="on").status_code == 302
    row = models.EvidenceFile.objects.get(sha256=sha)
    assert row.confidential and row.original_name == ""
    assert (site / sha[:2] / sha[2:4] / sha).read_bytes() != data  # sealed at rest
    page = analyst.get("/workspace/incidents/RQ0001").content.decode()
    assert "voice-of-someone" not in page and "witness handlers only" in page
    for name in ("analyst1", "viewer1"):
        client = analyst if name == "analyst1" else signed_in(name)
        assert client.post(f"/workspace/evidence/{sha}", {"reason": "curious"}).status_code == 403
    assert len(entries("access.denied", target=f"evidence:{sha}")) == 2
    handler = signed_in("handler1")
    copy = handler.post(f"/workspace/evidence/{sha}", {"reason": "transcribing the interview"})
    assert copy.status_code == 200 and b"".join(copy.streaming_content) == data


# -- grading ----------------------------------------------------------------------------------

def test_a_reviewer_grades_with_a_reason(site: Path) -> None:
    incident = models.Incident.objects.get(code="RQ0004")
    models.GradeSuggestion.objects.create(incident=incident, grade="weak",
                                          strike_status="single_source_claim",
                                          reason="one source only; no declared strike nearby")
    reviewer = signed_in("reviewer1")
    page = reviewer.get("/workspace/incidents/RQ0004/grade")
    assert page.status_code == 200
    text = page.content.decode()
    assert "one source only; no declared strike nearby" in text
    for grade in Grade:
        assert grade.definition in text
    assert form_values(page.content)["grade"] == "weak"  # the suggestion is offered

    before = incident.assessments.count()
    refused = reviewer.post("/workspace/incidents/RQ0004/grade", {"grade": "fair", "reason": " "})
    assert refused.status_code == 400
    assert "a grade needs a written reason" in refused.content.decode()
    assert incident.assessments.count() == before
    assert signed_in("analyst1").post("/workspace/incidents/RQ0004/grade",
                                      {"grade": "fair", "reason": "x"}).status_code == 403

    response = reviewer.post("/workspace/incidents/RQ0004/grade", {
        "grade": "fair", "strike_status": "likely_strike",
        "reason": "A second list names the same family; strikes were declared nearby."})
    assert response.status_code == 302
    latest = incident.assessments.order_by("-assessed_at", "-id").first()
    assert latest is not None
    assert (latest.grade, latest.assessed_by) == ("fair", "user:reviewer1")
    assert [e.actor for e in entries("incident.grade", target="incident:RQ0004")] == [
        "user:reviewer1"]
    history = reviewer.get(response["Location"]).content.decode()
    assert "incident.grade" in history and "The grade was recorded." in history
    assert "A second list names the same family" in reviewer.get(
        "/workspace/incidents/RQ0004/grade").content.decode()


# -- home and lists ---------------------------------------------------------------------------

def test_home_shows_what_a_person_may_do_and_what_waits(site: Path) -> None:
    first, second = models.Incident.objects.filter(code__in=["RQ0001", "RQ0002"]).order_by("code")
    models.DuplicateSuggestion.objects.create(first=first, second=second, score=0.5,
                                              reasons=["same day"])
    analyst = signed_in("analyst1")
    analyst.post("/workspace/incidents/new", new_incident_post(analyst))
    text = analyst.get("/workspace/").content.decode()
    assert "/workspace/incidents/new" in text and "edit_records" in text
    assert "duplicate-incident suggestions open" in text
    assert "incident.add" in text and "victim:RQ0100-V02" in text  # recent changes
    reviewer_home = signed_in("reviewer1").get("/workspace/").content.decode()
    assert "/workspace/incidents/new" not in reviewer_home and "Grade incidents" in reviewer_home
    listing = analyst.get("/workspace/incidents/", {"q": "Mishlab"})
    assert listing.status_code == 200 and b"RQ0001" in listing.content
    assert b"RQ0002" not in listing.content
    assert analyst.get("/workspace/incidents/", {"page": "x"}).status_code == 400
    assert analyst.get("/workspace/incidents/", {"page": "99"}).status_code == 400
    assert analyst.get("/workspace/incidents/NOPE").status_code == 404
    assert analyst.get("/workspace/incidents/NOPE/edit").status_code == 404
