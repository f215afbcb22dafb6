"""User accounts, sign-in and its throttle, API tokens and the permission gate, on the
database: the services in-process on a new database per test, and the ``user`` commands as a
user runs them. Every change must leave an audit entry and the audit chain intact."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from civharm.domain.permissions import Action, Role, Subject
from civharm.services import accounts, audit
from civharm.services.access import PUBLIC, Principal, principal_for, require
from civharm.services.errors import NotFound, PermissionDenied, UserError
from conftest import BACKEND, civharm, django_on

PASSWORD = "tangerine-orbit-cascade-41"
OTHER_PASSWORD = "quiet-harbour-lantern-77"


@pytest.fixture
def store(new_database: Callable[[], str], django_db_blocker: Any,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new, migrated database on the backend under test, open in this process.

    Argon2id here costs far less memory and time than in production, so that the dozens of
    sign-ins below stay fast; the commands run by ``test_user_commands`` hash for real."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    monkeypatch.setattr(Argon2PasswordHasher, "memory_cost", 1024)
    monkeypatch.setattr(Argon2PasswordHasher, "time_cost", 1)
    monkeypatch.setattr(Argon2PasswordHasher, "parallelism", 1)
    from django.db import connection

    url = new_database()
    with django_db_blocker.unblock(), django_on(url, create=True):
        assert connection.vendor == BACKEND
        yield url


def _entries(action: str | None = None, target: str | None = None) -> list[audit.AuditLine]:
    return list(audit.lines(target=target, action=action, newest_first=False))


def _assert_chain_intact() -> None:
    check = audit.verify()
    assert check.intact, check.reason
    assert check.entries > 0


class Clock:
    """A clock the test moves by hand, starting now."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **amount: float) -> None:
        self.now += timedelta(**amount)


# -- users -------------------------------------------------------------------------------------

def test_add_user_hashes_with_argon2id_and_audits(store: str) -> None:
    from django.contrib.auth.models import User

    assert accounts.add_user("analyst1", "analyst", PASSWORD) is None
    stored = User.objects.get(username="analyst1")
    assert stored.password.startswith("argon2$argon2id$")
    assert PASSWORD not in stored.password
    assert stored.account.role == "analyst"  # type: ignore[attr-defined]

    generated = accounts.add_user("reviewer1", "Reviewer")
    assert generated is not None and len(generated) >= 20
    assert accounts.authenticate("reviewer1", generated).user.username == "reviewer1"
    assert accounts.add_user("handler1", "witness-handler", OTHER_PASSWORD) is None

    added = _entries("user.add")
    assert [(e.target, e.details["role"], e.details["password"]) for e in added] == [
        ("user:analyst1", "analyst", "given"), ("user:reviewer1", "reviewer", "generated"),
        ("user:handler1", "witness_handler", "given")]
    assert all(e.actor == audit.cli_actor() for e in added)
    everything = json.dumps([e.details for e in _entries()])
    assert PASSWORD not in everything and generated not in everything
    _assert_chain_intact()


def test_bad_user_names_are_refused(store: str) -> None:
    for name in ["", "a", "two words", "admin;drop", "émile", "-lead", "x" * 65, "new\nline"]:
        with pytest.raises(UserError, match="cannot be a user name"):
            accounts.add_user(name, "viewer", PASSWORD)
    assert accounts.list_users() == []
    assert _entries() == []


def test_roles_passwords_and_duplicates_are_checked(store: str) -> None:
    accounts.add_user("viewer1", "viewer", PASSWORD)
    with pytest.raises(UserError, match="already a user 'viewer1'"):
        accounts.add_user("Viewer1", "viewer", PASSWORD)
    with pytest.raises(UserError, match="public role is everyone not signed in"):
        accounts.add_user("viewer2", "public", PASSWORD)
    with pytest.raises(UserError, match="unknown role 'boss'"):
        accounts.add_user("viewer2", "boss", PASSWORD)
    for weak, reason in [("short1", "at least 12"), ("password1234", "common"),
                         ("viewer2-is-my-name", "user name"), (" padded-password ", "spaces"),
                         ("x" * 2000, "at most")]:
        with pytest.raises(UserError, match=reason):
            accounts.add_user("viewer2", "viewer", weak)
    with pytest.raises(NotFound, match="no user 'nobody'"):
        accounts.set_role("nobody", "viewer")
    assert [u.username for u in accounts.list_users()] == ["viewer1"]
    assert len(_entries()) == 1


def test_list_set_role_disable_enable_and_password(store: str) -> None:
    clock = Clock()
    accounts.add_user("admin1", "admin", PASSWORD)
    accounts.add_user("analyst1", "analyst", PASSWORD)
    accounts.issue_token("analyst1", "scripts", ["view_internal"])
    accounts.issue_token("analyst1", "old", ["view_internal"], expires_in_days=1)
    accounts.authenticate("analyst1", PASSWORD, clock=clock)
    clock.advance(days=2)

    lines = {u.username: u for u in accounts.list_users(clock=clock)}
    assert set(lines) == {"admin1", "analyst1"}
    assert lines["analyst1"].role == "analyst" and lines["analyst1"].active
    assert lines["analyst1"].tokens == 1  # the expired one does not count
    assert lines["analyst1"].last_login is not None and lines["admin1"].last_login is None

    accounts.set_role("analyst1", "reviewer")
    with pytest.raises(UserError, match="already has the reviewer role"):
        accounts.set_role("analyst1", "reviewer")
    accounts.disable("analyst1")
    with pytest.raises(UserError, match="already disabled"):
        accounts.disable("analyst1")
    with pytest.raises(accounts.SignInFailed):
        accounts.authenticate("analyst1", PASSWORD)
    assert not {u.username: u for u in accounts.list_users()}["analyst1"].active
    accounts.enable("analyst1")
    assert accounts.authenticate("analyst1", PASSWORD).role == "reviewer"

    generated = accounts.set_password("analyst1")
    assert generated is not None
    with pytest.raises(accounts.SignInFailed):
        accounts.authenticate("analyst1", PASSWORD)
    accounts.authenticate("analyst1", generated)
    accounts.set_password("analyst1", OTHER_PASSWORD)
    accounts.authenticate("analyst1", OTHER_PASSWORD)

    changes = [(e.action, e.details) for e in _entries(target="user:analyst1")
               if e.action.startswith("user.") and e.action != "user.add"]
    assert changes == [("user.role", {"from": "analyst", "to": "reviewer"}),
                       ("user.disable", {}), ("user.enable", {}),
                       ("user.password", {"password": "generated"}),
                       ("user.password", {"password": "given"})]
    _assert_chain_intact()


def test_the_last_active_admin_cannot_be_disabled_or_demoted(store: str) -> None:
    accounts.add_user("admin1", "admin", PASSWORD)
    with pytest.raises(UserError, match="last active admin"):
        accounts.set_role("admin1", "analyst")
    with pytest.raises(UserError, match="last active admin"):
        accounts.disable("admin1")
    accounts.add_user("admin2", "admin", PASSWORD)
    accounts.disable("admin2")  # a disabled admin is no admin to fall back on
    with pytest.raises(UserError, match="last active admin"):
        accounts.set_role("admin1", "viewer")
    accounts.enable("admin2")
    accounts.set_role("admin1", "viewer")
    with pytest.raises(UserError, match="admin2 is the last active admin"):
        accounts.disable("admin2")
    roles = {u.username: (u.role, u.active) for u in accounts.list_users()}
    assert roles == {"admin1": ("viewer", True), "admin2": ("admin", True)}
    assert [e.action for e in _entries() if e.action != "user.add"] == [
        "user.disable", "user.enable", "user.role"]
    _assert_chain_intact()


# -- signing in --------------------------------------------------------------------------------

def test_sign_in_says_the_same_whatever_was_wrong(store: str) -> None:
    accounts.add_user("analyst1", "analyst", PASSWORD)
    accounts.add_user("viewer1", "viewer", PASSWORD)
    accounts.add_user("admin1", "admin", PASSWORD)
    accounts.disable("viewer1")
    messages = set()
    for name, password in [("nobody", PASSWORD), ("analyst1", "wrong-password-123"),
                           ("viewer1", PASSWORD), ("ANALYST1", PASSWORD), ("analyst1", "")]:
        with pytest.raises(accounts.SignInFailed) as refused:
            accounts.authenticate(name, password, remote="192.0.2.7")
        messages.add(str(refused.value))
    assert messages == {accounts.SIGN_IN_FAILED}

    account = accounts.authenticate("analyst1", PASSWORD, remote="192.0.2.7")
    assert account.user.username == "analyst1" and account.user.last_login is not None
    failed = _entries("login.failed")
    assert [(e.target, e.details["reason"]) for e in failed] == [
        ("user:nobody", "unknown user"), ("user:analyst1", "wrong password"),
        ("user:viewer1", "disabled"), ("user:ANALYST1", "unknown user"),
        ("user:analyst1", "wrong password")]
    assert all(e.details["remote"] == "192.0.2.7" for e in failed)
    [login] = _entries("login")
    assert (login.actor, login.target) == ("user:analyst1", "user:analyst1")
    _assert_chain_intact()


def test_sign_in_is_throttled_after_five_failures_in_fifteen_minutes(store: str) -> None:
    from django.db import connections

    accounts.add_user("analyst1", "analyst", PASSWORD)
    accounts.add_user("reviewer1", "reviewer", PASSWORD)
    for _ in range(accounts.THROTTLE_FAILURES):
        with pytest.raises(accounts.SignInFailed):
            accounts.authenticate("analyst1", "wrong-password-123")
    clock = Clock()
    # Counted from the audit log: a new connection (another process, a restart) sees them.
    connections.close_all()
    with pytest.raises(accounts.SignInThrottled, match="try again in 15 minutes"):
        accounts.authenticate("analyst1", PASSWORD, clock=clock)
    clock.advance(minutes=10)
    with pytest.raises(accounts.SignInThrottled, match="try again in 5 minutes"):
        accounts.authenticate("analyst1", PASSWORD, clock=clock)
    # Another user name is not affected; an unknown one is throttled just the same.
    accounts.authenticate("reviewer1", PASSWORD, clock=clock)
    for _ in range(accounts.THROTTLE_FAILURES):
        with pytest.raises(accounts.SignInFailed):
            accounts.authenticate("ghost", PASSWORD, clock=clock)
    with pytest.raises(accounts.SignInThrottled):
        accounts.authenticate("ghost", PASSWORD, clock=clock)
    assert [e.target for e in _entries("login.throttled")] == [
        "user:analyst1", "user:analyst1", "user:ghost"]

    # Once the window has passed, the right password works (throttled tries do not count).
    clock.advance(minutes=6)
    assert accounts.authenticate("analyst1", PASSWORD, clock=clock).user.username == "analyst1"
    # A successful sign-in starts the count afresh.
    for _ in range(accounts.THROTTLE_FAILURES - 1):
        with pytest.raises(accounts.SignInFailed):
            accounts.authenticate("reviewer1", "wrong-password-123")
    accounts.authenticate("reviewer1", PASSWORD)
    for _ in range(accounts.THROTTLE_FAILURES - 1):
        with pytest.raises(accounts.SignInFailed):
            accounts.authenticate("reviewer1", "wrong-password-123")
    assert accounts.throttled_until("reviewer1") is None
    with pytest.raises(accounts.SignInFailed):
        accounts.authenticate("reviewer1", "wrong-password-123")
    assert accounts.throttled_until("reviewer1") is not None
    _assert_chain_intact()


# -- API tokens --------------------------------------------------------------------------------

def test_a_token_is_shown_once_and_only_its_digest_is_stored(store: str) -> None:
    from civharm.store.models import ApiToken, AuditEntry

    accounts.add_user("analyst1", "analyst", PASSWORD)
    token = accounts.issue_token("analyst1", "nightly import", ["import", "view-internal"],
                                 expires_in_days=30)
    assert token.startswith("chm_") and len(token) > 40
    row = ApiToken.objects.get()
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert row.prefix == token[:12] and row.scopes == ["view_internal", "import"]
    stored = json.dumps(list(ApiToken.objects.values()), default=str)
    stored += json.dumps(list(AuditEntry.objects.values()), default=str)
    assert token not in stored and token[12:] not in stored
    listed = accounts.list_tokens("analyst1")
    assert [(t.prefix, t.name, t.state, t.scopes) for t in listed] == [
        (token[:12], "nightly import", "active", ("view_internal", "import"))]
    assert listed[0].expires is not None and listed[0].last_used is None

    principal = accounts.authenticate_token(token)
    assert principal == Principal(actor=f"user:analyst1/token:{token[:12]}", role=Role.ANALYST,
                                  scopes=("view_internal", "import"), account_id=row.account_id)
    assert ApiToken.objects.get().last_used_at is not None
    require(principal, Action.IMPORT)
    with pytest.raises(PermissionDenied, match="scopes do not include edit_records"):
        require(principal, Action.EDIT_RECORDS)  # the role may, the token may not
    with pytest.raises(PermissionDenied, match="analyst role may not grade"):
        require(principal, Action.GRADE)
    [added] = _entries("token.add")
    assert added.details == {"name": "nightly import", "prefix": token[:12],
                             "scopes": ["view_internal", "import"],
                             "expires_at": listed[0].expires.isoformat()}
    _assert_chain_intact()


def test_token_scopes_are_checked_against_the_owners_role(store: str) -> None:
    accounts.add_user("analyst1", "analyst", PASSWORD)
    accounts.add_user("admin1", "admin", PASSWORD)
    with pytest.raises(UserError, match="analyst role may not manage_users"):
        accounts.issue_token("analyst1", "too much", ["import", "manage_users"])
    with pytest.raises(UserError, match="admin role may not view_witnesses"):
        accounts.issue_token("admin1", "too much", ["view_witnesses"])
    with pytest.raises(UserError, match="unknown scope 'fly'"):
        accounts.issue_token("analyst1", "bad", ["fly"])
    with pytest.raises(UserError, match="at least one scope"):
        accounts.issue_token("analyst1", "none", [])
    with pytest.raises(UserError, match="1 to 3650 days"):
        accounts.issue_token("analyst1", "forever", ["import"], expires_in_days=0)
    with pytest.raises(UserError, match="name of 1 to 100"):
        accounts.issue_token("analyst1", "  ", ["import"])
    with pytest.raises(NotFound):
        accounts.issue_token("nobody", "x", ["import"])
    accounts.issue_token("analyst1", "ci", ["import"])
    with pytest.raises(UserError, match="already has a token named 'ci'"):
        accounts.issue_token("analyst1", "ci", ["import"])
    assert [t.name for t in accounts.list_tokens()] == ["ci"]


def test_revoked_expired_and_disabled_owners_tokens_are_refused(store: str) -> None:
    from civharm.store.models import ApiToken

    clock = Clock()
    accounts.add_user("admin1", "admin", PASSWORD)
    accounts.add_user("analyst1", "analyst", PASSWORD)
    accounts.add_user("reviewer1", "reviewer", PASSWORD)
    revoked = accounts.issue_token("analyst1", "laptop", ["view_internal"])
    expiring = accounts.issue_token("analyst1", "short", ["view_internal"], expires_in_days=1,
                                    clock=clock)
    owned = accounts.issue_token("reviewer1", "laptop", ["grade"])

    with pytest.raises(UserError, match="2 tokens match 'laptop'"):
        accounts.revoke_token("laptop")
    line = accounts.revoke_token("laptop", "analyst1")
    assert (line.prefix, line.state, line.username) == (revoked[:12], "revoked", "analyst1")
    with pytest.raises(UserError, match="already revoked"):
        accounts.revoke_token(revoked[:12])
    with pytest.raises(NotFound):
        accounts.revoke_token("chm_nothing")

    accounts.authenticate_token(expiring, clock=clock)
    clock.advance(days=1, seconds=1)
    accounts.authenticate_token(owned, clock=clock)
    accounts.disable("reviewer1")
    for token in (revoked, expiring, owned, "chm_" + "x" * 43, "not-a-token", ""):
        with pytest.raises(accounts.TokenRefused) as refused:
            accounts.authenticate_token(token, clock=clock)
        assert str(refused.value) == accounts.TOKEN_REFUSED
        assert token not in str(refused.value) or not token
    assert [(e.actor, e.details["reason"]) for e in _entries("token.refused")] == [
        (f"token:{revoked[:12]}", "revoked"), (f"token:{expiring[:12]}", "expired"),
        (f"token:{owned[:12]}", "owner disabled")]
    states = {t.prefix: t.state for t in accounts.list_tokens(clock=clock)}
    assert states == {revoked[:12]: "revoked", expiring[:12]: "expired", owned[:12]: "active"}
    accounts.enable("reviewer1")
    accounts.authenticate_token(owned, clock=clock)
    # Revoking with the token itself works too.
    accounts.revoke_token(owned)
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1
    _assert_chain_intact()


# -- the permission gate -----------------------------------------------------------------------

def test_require_allows_or_records_the_refusal(store: str) -> None:
    from civharm.store.models import Account

    accounts.add_user("admin1", "admin", PASSWORD)
    accounts.add_user("analyst1", "analyst", PASSWORD)
    admin = principal_for(Account.objects.get(user__username="admin1"))
    analyst = principal_for(Account.objects.get(user__username="analyst1"))
    assert admin.actor == "user:admin1" and admin.role is Role.ADMIN and admin.scopes is None

    assert require(PUBLIC, Action.VIEW_PUBLIC).allowed
    assert require(analyst, Action.VIEW_INTERNAL, Subject("incident", public=False))
    with pytest.raises(PermissionDenied, match="not published"):
        require(PUBLIC, Action.VIEW_PUBLIC, Subject("incident", public=False),
                target="incident:RQ0001")
    with pytest.raises(PermissionDenied, match="confidential"):
        require(admin, Action.VIEW_EVIDENCE, Subject("witness", confidential=True))
    denied = _entries("access.denied")
    assert [(e.actor, e.target, e.details["action"], e.details["subject"]) for e in denied] == [
        ("public", "incident:RQ0001", "view_public", "incident"),
        ("user:admin1", "", "view_evidence", "witness")]

    # Services acting for someone signed in check their permission the same way.
    with pytest.raises(PermissionDenied, match="analyst role may not manage_users"):
        accounts.add_user("viewer1", "viewer", PASSWORD, by=analyst)
    with pytest.raises(PermissionDenied):
        accounts.issue_token("analyst1", "self", ["import"], by=analyst)
    assert "viewer1" not in {u.username for u in accounts.list_users()}
    accounts.add_user("viewer1", "viewer", PASSWORD, by=admin)
    assert _entries("user.add")[-1].actor == "user:admin1"
    assert len(_entries("access.denied")) == 4

    accounts.disable("analyst1", by=admin)
    with pytest.raises(PermissionDenied, match="disabled"):
        principal_for(Account.objects.get(user__username="analyst1"))
    _assert_chain_intact()


# -- the command line --------------------------------------------------------------------------

def test_user_commands(fresh_database_url: str, tmp_path: Path, django_db_blocker: Any) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    added = civharm("user", "add", "admin1", "--role", "admin", db=db, check=True)
    [shown] = [line for line in added.stdout.splitlines() if line.startswith("password for")]
    generated = shown.split(": ", 1)[1]
    assert len(generated) >= 20 and "shown once" in added.stderr

    password_file = tmp_path / "password.txt"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    given = civharm("user", "add", "analyst1", "--role", "analyst", "--password-file",
                    str(password_file), db=db, check=True)
    assert PASSWORD not in given.stdout + given.stderr

    issued = civharm("user", "token", "add", "analyst1", "--name", "ci", "--scope", "import",
                     "--scope", "view_internal", "--expires-days", "30", db=db, check=True)
    token = issued.stdout.strip()
    assert token.startswith("chm_") and "shown once" in issued.stderr

    users = json.loads(civharm("user", "list", "--json", db=db, check=True).stdout)
    assert [(u["username"], u["role"], u["active"], u["tokens"]) for u in users] == [
        ("admin1", "admin", True, 0), ("analyst1", "analyst", True, 1)]
    listed = civharm("user", "token", "list", "--json", db=db, check=True).stdout
    assert token not in listed and token[:12] in listed

    refused = civharm("user", "set-role", "admin1", "viewer", db=db)
    assert refused.returncode == 1
    assert refused.stderr.strip() == ("error: admin1 is the last active admin and cannot be "
                                      "demoted; make another user admin first")
    revoked = civharm("user", "token", "revoke", token[:12], db=db, check=True)
    assert f"Revoked token {token[:12]} (ci) of analyst1" in revoked.stdout

    roles = civharm("user", "roles", check=True).stdout
    for role in Role:
        assert f"{role.value}: {role.definition}" in roles

    # What the commands wrote, read back in this process.
    with django_db_blocker.unblock(), django_on(db):
        from django.contrib.auth.models import User

        assert all(u.password.startswith("argon2$argon2id$") for u in User.objects.all())
        accounts.authenticate("admin1", generated)
        accounts.authenticate("analyst1", PASSWORD)
        with pytest.raises(accounts.TokenRefused):
            accounts.authenticate_token(token)
        assert [e.action for e in _entries()] == [
            "user.add", "user.add", "token.add", "token.revoke", "login", "login",
            "token.refused"]
        assert {e.actor for e in _entries() if e.action.startswith(("user.", "token.a"))} == {
            audit.cli_actor()}
        _assert_chain_intact()
