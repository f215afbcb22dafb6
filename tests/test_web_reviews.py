"""The workspace's review queues and witness pages, as a signed-in person uses them, and the
demo's accounts.

Victim pairs and duplicate suggestions are put in the queues directly (the examples are too
small for the linkage to be unsure of any pair); every decision goes through the pages.
"""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from civharm.services import accounts, audit
from civharm.services.errors import UserError

PASSWORD = "tangerine-orbit-cascade-41"
ROLES = ("admin", "analyst", "reviewer", "witness_handler", "viewer", "volunteer")
EXPLANATION = [
    {"comparison": "place", "level": "same place", "bayes_factor": 6.5},
    {"comparison": "given name", "level": "different names", "bayes_factor": 0.02},
    {"comparison": "family name", "level": "same name (key)", "bayes_factor": 41.0},
    {"comparison": "father name", "level": "same name (key)", "bayes_factor": 180.0},
    {"comparison": "age", "level": "ages two or three years apart", "bayes_factor": 1.0},
]


@pytest.fixture
def workspace(example_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The example database with one signed-in-able user per role (cheap argon2 hashes)."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    monkeypatch.setattr(Argon2PasswordHasher, "memory_cost", 1024)
    monkeypatch.setattr(Argon2PasswordHasher, "time_cost", 1)
    monkeypatch.setattr(Argon2PasswordHasher, "parallelism", 1)
    monkeypatch.delenv("CIVHARM_SECRET_KEY_FILE", raising=False)
    for role in ROLES:
        accounts.add_user(f"{role.replace('_', '-')}1", role, PASSWORD)
    yield example_database


def client_as(role: str | None) -> Client:
    """A browser signed in with the account of ``role`` (None: nobody signed in)."""
    from django.contrib.auth.models import User

    client = Client()
    if role is not None:
        client.force_login(User.objects.get(username=f"{role.replace('_', '-')}1"))
    return client


def actor(role: str) -> str:
    return f"user:{role.replace('_', '-')}1"


def text(response: Any) -> str:
    return response.content.decode("utf-8")


def refusals(role: str) -> list[audit.AuditLine]:
    return [line for line in audit.lines(action="access.denied") if line.actor == actor(role)]


def review_pair(first: str, second: str, probability: float = 0.62) -> int:
    from civharm.store import models

    a, b = sorted((models.Victim.objects.get(key=first), models.Victim.objects.get(key=second)),
                  key=lambda v: v.pk)
    return int(models.ReviewPair.objects.create(first=a, second=b, probability=probability,
                                                explanation=EXPLANATION).pk)


def suggestion(first: str, second: str, score: float = 0.55) -> int:
    from civharm.store import models

    a, b = sorted((models.Incident.objects.get(code=first),
                   models.Incident.objects.get(code=second)), key=lambda i: i.code)
    return int(models.DuplicateSuggestion.objects.create(
        first=a, second=b, score=score, reasons=["same day", "120 m apart"]).pk)


# -- victim-match review -----------------------------------------------------------------------

def test_a_reviewer_decides_a_victim_pair_and_it_leaves_the_queue(workspace: str) -> None:
    from civharm.store import models

    stronger = review_pair("V0010", "V0014", 0.71)
    weaker = review_pair("V0012", "V0013", 0.55)
    reviewer = client_as("reviewer")

    queue = reviewer.get("/workspace/review/victims")
    assert queue.status_code == 200
    page = text(queue)
    assert "V0010" in page and "V0014" in page and "V0012" in page
    assert page.index("V0014") < page.index("V0012")  # strongest pair first

    shown = reviewer.get(f"/workspace/review/victims/{stronger}")
    assert shown.status_code == 200
    page = text(shown)
    # Both records side by side, names in their scripts.
    assert '<span class="name" lang="ar" dir="rtl">جاسم محمد الخلف</span>' in page
    assert '<span class="name" dir="ltr">Hamid Mohammad al-Khalaf</span>' in page
    assert "71 in 100" in page
    # Why: every comparison in words, strongest first.
    assert "180 times more likely if they are the same person" in page
    assert "50 times more likely if they are different people" in page  # 1 / 0.02
    assert "says nothing either way" in page
    order = [page.index(words) for words in ("father&#x27;s name", "given name", "family name",
                                              "place</strong>", "age</strong>")]
    assert order == sorted(order), "the explanation is not strongest first"

    before = datetime.now(UTC) - timedelta(seconds=5)
    decided = reviewer.post(f"/workspace/review/victims/{stronger}",
                            {"decision": "same", "reason": "brothers' records; same father"})
    assert decided.status_code == 302
    assert decided["Location"].endswith(f"/workspace/review/victims/{weaker}")  # the next one
    decision = models.LinkDecision.objects.get()
    assert decision.decision == models.LinkDecision.SAME
    assert decision.decided_by == actor("reviewer")
    assert decision.reason == "brothers' records; same father"
    assert decision.decided_at >= before
    assert {decision.first.key, decision.second.key} == {"V0010", "V0014"}
    assert not models.ReviewPair.objects.filter(pk=stronger).exists()
    person = models.Victim.objects.get(key="V0010").person
    assert person is not None and models.Victim.objects.get(key="V0014").person == person
    entries = list(audit.lines(action="victims.same_person"))
    assert {e.target for e in entries} == {"victim:V0010", "victim:V0014"}
    assert {e.actor for e in entries} == {actor("reviewer")}

    following = reviewer.get(decided["Location"])
    assert "Decision recorded" in text(following)
    queue = text(reviewer.get("/workspace/review/victims"))
    assert "V0014" not in queue and "V0012" in queue

    # Different people, with no reason; then the queue is empty. A stale pair id goes back to
    # the queue with a note, and a decision that is neither answer is refused.
    assert reviewer.post(f"/workspace/review/victims/{weaker}",
                         {"decision": "maybe"}).status_code == 400
    assert reviewer.post(f"/workspace/review/victims/{weaker}",
                         {"decision": "different"}).status_code == 302
    assert models.LinkDecision.objects.filter(decision=models.LinkDecision.DIFFERENT,
                                              decided_by=actor("reviewer")).count() == 1
    stale = reviewer.get(f"/workspace/review/victims/{weaker}", follow=True)
    assert "no longer in the queue" in text(stale)
    assert "nothing waits for a decision" in text(reviewer.get("/workspace/review/victims"))


def test_the_review_pages_are_refused_to_other_roles_and_the_refusal_is_audited(
        workspace: str) -> None:
    pair = review_pair("V0010", "V0014")
    duplicate = suggestion("RQ0004", "RQ0008")
    for role in ("viewer", "analyst", "witness_handler"):
        browser = client_as(role)
        for url in ("/workspace/review/victims", f"/workspace/review/victims/{pair}"):
            response = browser.get(url)
            assert response.status_code == 403, (role, url)
            assert "Al-Khalaf".lower() not in text(response).lower()
        posted = browser.post(f"/workspace/review/victims/{pair}", {"decision": "same"})
        assert posted.status_code == 403
        denied = refusals(role)
        assert len(denied) == 3 and all(e.details["action"] == "review" for e in denied)
    for role in ("viewer", "analyst"):
        browser = client_as(role)
        assert browser.get("/workspace/review/incidents").status_code == 403
        assert browser.post(f"/workspace/review/incidents/{duplicate}",
                            {"action": "keep_first"}).status_code == 403
        assert any(e.details["action"] == "merge" for e in refusals(role))
    from civharm.store import models

    assert models.LinkDecision.objects.count() == 0
    assert models.Incident.objects.filter(code__in=["RQ0004", "RQ0008"]).count() == 2
    # Nobody signed in is sent to sign in.
    anonymous = client_as(None).get("/workspace/review/victims")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    # A bad page number is a plain 400; one past the end shows the last page.
    reviewer = client_as("reviewer")
    assert reviewer.get("/workspace/review/victims?page=abc").status_code == 400
    assert reviewer.get("/workspace/review/incidents?page=-1").status_code == 400
    assert reviewer.get("/workspace/review/victims?page=99").status_code == 200
    for url in ("/workspace/review/victims/99999999999999999999",
                "/workspace/review/incidents/99999999999999999999"):
        assert reviewer.get(url).status_code == 302  # no such pair: back to the queue


def test_the_review_page_reads_right_to_left_in_arabic(workspace: str) -> None:
    pair = review_pair("V0010", "V0014")
    response = client_as("reviewer").get(f"/workspace/review/victims/{pair}?lang=ar")
    assert response.status_code == 200
    page = text(response)
    assert '<html lang="ar" dir="rtl">' in page
    assert '<span class="name" dir="ltr">Jasim Mohammad al-Khalaf</span>' in page


# -- duplicate incidents -----------------------------------------------------------------------

def test_a_merge_through_the_page_and_a_refused_one(workspace: str) -> None:
    from civharm.store import models

    mergeable = suggestion("RQ0004", "RQ0008", 0.8)
    refused = suggestion("RQ0001", "RQ0006", 0.6)  # S003 and S006 claim on both
    different = suggestion("RQ0002", "RQ0003", 0.3)
    reviewer = client_as("reviewer")

    listing = text(reviewer.get("/workspace/review/incidents"))
    assert listing.index("RQ0008") < listing.index("RQ0006") < listing.index("RQ0003")
    shown = reviewer.get(f"/workspace/review/incidents/{refused}")
    assert shown.status_code == 200
    page = text(shown)
    assert "120 m apart" in page  # the suggestion's reasons
    assert "المشلب، الرقة" in page and "Hisham bin Abdul Malik, Raqqa" in page
    assert "Khalil Mahmoud al-Sawwaf" in page  # RQ0001's victims
    assert "m apart." in page  # the distance between the two points

    refusal = reviewer.post(f"/workspace/review/incidents/{refused}", {"action": "keep_first"})
    assert refusal.status_code == 409
    assert "Nothing was changed." in text(refusal)
    assert "make claims on both RQ0001 and RQ0006" in text(refusal)
    assert models.Incident.objects.filter(code__in=["RQ0001", "RQ0006"]).count() == 2
    assert models.DuplicateSuggestion.objects.filter(pk=refused, state="open").exists()

    merged = reviewer.post(f"/workspace/review/incidents/{mergeable}", {"action": "keep_second"})
    assert merged.status_code == 302
    assert not models.Incident.objects.filter(code="RQ0004").exists()
    kept = models.Incident.objects.get(code="RQ0008")
    assert "RQ0004" in kept.previous_codes
    assert kept.claims.filter(source__key="S004").exists()
    merge_entry = next(iter(audit.lines(action="incident.merge")))
    assert merge_entry.actor == actor("reviewer") and merge_entry.target == "incident:RQ0008"
    assert "RQ0004 was merged into RQ0008" in text(reviewer.get(merged["Location"]))

    dismissed = reviewer.post(f"/workspace/review/incidents/{different}", {"action": "dismiss"})
    assert dismissed.status_code == 302
    assert "RQ0002 and RQ0003 are recorded as different events" in text(
        reviewer.get(dismissed["Location"]))
    assert models.DuplicateSuggestion.objects.get(pk=different).state == "dismissed"
    assert {e.actor for e in audit.lines(action="incident.not_duplicate")} == {actor("reviewer")}
    assert reviewer.post(f"/workspace/review/incidents/{refused}",
                         {"action": "delete"}).status_code == 400
    listing = text(reviewer.get("/workspace/review/incidents"))
    assert "RQ0006" in listing and "RQ0002" not in listing


# -- witnesses ---------------------------------------------------------------------------------

@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from civharm.services.witnesses import make_key_file

    vault = tmp_path / f"vault-{uuid.uuid4().hex[:6]}"
    vault.mkdir(mode=0o700)
    key = vault / "witness.key"
    make_key_file(key)
    monkeypatch.setenv("CIVHARM_SECRET_KEY_FILE", str(key))
    return key


def test_only_the_witness_handler_sees_witness_identities(workspace: str, key_file: Path) -> None:
    from civharm.services.witnesses import add_witness

    canary = f"CANARY{uuid.uuid4().hex.upper()}"
    add_witness("RQ0007", f"{canary}-name", contact=f"{canary}-contact", home=f"{canary}-home",
                statement=f"I saw it. {canary}-statement", code="W-TEST1")

    handler = client_as("witness_handler")
    listed = handler.get("/workspace/witnesses")
    assert listed.status_code == 200
    assert "W-TEST1" in text(listed) and canary not in text(listed)
    assert "no-store" in listed["Cache-Control"]
    opened = handler.post("/workspace/witnesses", {"open": "identities"})
    assert opened.status_code == 200
    page = text(opened)
    for part in ("name", "contact", "home", "statement"):
        assert f"{canary}-{part}" in page
    assert "no-store" in opened["Cache-Control"]
    openings = list(audit.lines(action="witness.identity_opened"))
    assert [(e.actor, e.target) for e in openings] == [(actor("witness_handler"),
                                                        "witness:W-TEST1")]
    assert all(canary not in audit.canonical_details(e.details) for e in audit.lines())

    # Adding one through the form.
    added = handler.post("/workspace/witnesses/new", {
        "incident": "RQ0003", "code": "W-TEST2", "name": f"{canary}-second",
        "contact": "", "home": "", "statement": ""})
    assert added.status_code == 302
    assert "W-TEST2" in text(handler.get("/workspace/witnesses"))
    unknown = handler.post("/workspace/witnesses/new", {"incident": "NOPE", "name": "someone"})
    assert unknown.status_code == 400 and "no incident with this code" in text(unknown)

    # Everyone else: refused, audited, and the canary nowhere.
    for role in ("admin", "analyst", "reviewer", "viewer"):
        browser = client_as(role)
        for method, url, data in (("get", "/workspace/witnesses", None),
                                  ("post", "/workspace/witnesses", {"open": "identities"}),
                                  ("get", "/workspace/witnesses/new", None),
                                  ("post", "/workspace/witnesses/new",
                                   {"incident": "RQ0001", "name": f"{canary}-intruder"})):
            response = getattr(browser, method)(url, data or {})
            assert response.status_code == 403, (role, method, url)
            assert canary not in text(response) and "W-TEST1" not in text(response)
        assert len(refusals(role)) == 4
    anonymous = client_as(None)
    for response in (anonymous.get("/workspace/witnesses"),
                     anonymous.post("/workspace/witnesses", {"open": "identities"})):
        assert response.status_code in (302, 403)
        assert canary not in text(response)
    from civharm.store import models

    assert set(models.Witness.objects.values_list("code", flat=True)) == {"W-TEST1", "W-TEST2"}
    assert len(list(audit.lines(action="witness.identity_opened"))) == 1


def test_without_a_key_the_witness_pages_say_what_the_administrator_must_do(
        workspace: str) -> None:
    handler = client_as("witness_handler")
    for response in (handler.get("/workspace/witnesses"),
                     handler.post("/workspace/witnesses", {"open": "identities"}),
                     handler.get("/workspace/witnesses/new")):
        assert response.status_code == 200
        assert "CIVHARM_SECRET_KEY_FILE" in text(response)
        assert "civharm keygen" in text(response)
    refused = handler.post("/workspace/witnesses/new", {"incident": "RQ0001", "name": "someone"})
    assert refused.status_code == 400
    from civharm.store import models

    assert not models.Witness.objects.exists()


# -- demo accounts -----------------------------------------------------------------------------

def test_demo_accounts_only_in_a_simulated_database(workspace: str, tmp_path: Path) -> None:
    from civharm.services.demo_accounts import ACCOUNTS_FILE, create_demo_accounts
    from civharm.services.flags import mark_simulated

    with pytest.raises(UserError, match="simulated"):
        create_demo_accounts(tmp_path / "demo-data")
    assert not (tmp_path / "demo-data" / ACCOUNTS_FILE).exists()

    mark_simulated()
    made = create_demo_accounts(tmp_path / "demo-data")
    assert sorted(role for _, role, _ in made) == sorted(ROLES)
    written = tmp_path / "demo-data" / ACCOUNTS_FILE
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o600
    content = written.read_text(encoding="utf-8")
    for username, role, password in made:
        assert f"{username}\t{role}\t{password}" in content
        assert accounts.authenticate(username, password).role == role
    # Again: the same accounts, new passwords, the file still private.
    again = create_demo_accounts(tmp_path / "demo-data")
    assert [a[0] for a in again] == [a[0] for a in made]
    assert all(new[2] != old[2] for new, old in zip(again, made, strict=True))
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o600
    assert again[2][2] in written.read_text(encoding="utf-8")
