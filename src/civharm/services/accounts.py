"""User accounts, roles, passwords, sign-in and API tokens.

Every change writes its audit entry in the same transaction. Users are never deleted (the
audit log names them): they are disabled, and a disabled user can neither sign in nor use a
token. The last active admin can be neither disabled nor demoted.

Passwords are hashed by Django with argon2id (the only hasher configured). Sign-in gives the
same answer for an unknown user, a wrong password and a disabled account, and is throttled:
after :data:`THROTTLE_FAILURES` failures for one user name within :data:`THROTTLE_WINDOW`,
further attempts are refused until the window has passed. The failures are counted from the
audit log, so the throttle holds across restarts and across processes.

API tokens are random; only their SHA-256 and a short prefix (to name them) are stored, and
the token itself is shown once. A token may do what its scopes name and its owner's role
allows, never more (see :func:`civharm.domain.permissions.decide`).

Functions that change anything take ``by``: the principal acting, whose permission to manage
users is checked with :func:`civharm.services.access.require`; ``None`` is the local operator
at the command line (audited as ``cli:<os user>``). Functions that depend on the time take
``clock``, so that tests can move it.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from civharm.domain.permissions import Action, Role, ungrantable_scopes
from civharm.services import audit
from civharm.services.access import Principal, principal_for, require, user_actor
from civharm.services.errors import NotFound, UserError

if TYPE_CHECKING:
    from civharm.store.models import Account, ApiToken

Clock = Callable[[], datetime]

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,63}")
PASSWORD_MIN = 12
PASSWORD_MAX = 1024  # hashing is deliberately slow; do not let a request make it slower
THROTTLE_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
TOKEN_MARK = "chm_"  # noqa: S105 - the marker every token starts with, not a secret
TOKEN_PREFIX_LENGTH = 12  # "chm_" and 8 random characters: names a token, cannot use it
TOKEN_MAX_DAYS = 3650
SIGN_IN_FAILED = "unknown user name or wrong password"
TOKEN_REFUSED = ("this API token is not valid: it is unknown, revoked or expired, or its "  # noqa: S105
                 "owner is disabled")


class SignInFailed(UserError):
    """Unknown user, wrong password or disabled account: one message for all three."""


class SignInThrottled(UserError):
    """Too many recent failures for this user name."""


class TokenRefused(UserError):
    """The API token cannot be used."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class UserLine:
    username: str
    role: str
    active: bool
    created: datetime
    last_login: datetime | None
    tokens: int  # usable tokens: neither revoked nor expired


@dataclass(frozen=True, slots=True)
class TokenLine:
    prefix: str
    name: str
    username: str
    scopes: tuple[str, ...]
    created: datetime
    expires: datetime | None
    revoked: datetime | None
    last_used: datetime | None
    state: str  # "active", "expired" or "revoked"


def user_target(username: str) -> str:
    """How the audit log names a user (and a sign-in attempt's user name)."""
    shown = "".join(ch if ch.isprintable() else "?" for ch in username[:150])
    return f"user:{shown}"


# -- validation ------------------------------------------------------------------------------

def validate_username(username: str) -> str:
    name = username.strip()
    if not USERNAME.fullmatch(name):
        raise UserError(
            f"{username!r} cannot be a user name: use 2 to 64 letters (a-z, A-Z), digits, dots, "
            "hyphens or underscores, starting with a letter or digit")
    return name


def validate_password(password: str, username: str = "") -> None:
    """Refuse a password that is short, over-long, padded, the user name, or common."""
    if len(password) < PASSWORD_MIN:
        raise UserError(f"a password needs at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise UserError(f"a password may have at most {PASSWORD_MAX} characters")
    if password != password.strip():
        raise UserError("a password may not begin or end with spaces or line breaks")
    if username and username.casefold() in password.casefold():
        raise UserError("a password may not contain the user name")
    from django.contrib.auth.password_validation import CommonPasswordValidator
    from django.core.exceptions import ValidationError

    try:
        CommonPasswordValidator().validate(password)
    except ValidationError:
        raise UserError("that password is on the list of common passwords") from None


def generate_password() -> str:
    """A random password of 24 URL-safe characters (144 bits)."""
    return secrets.token_urlsafe(18)


def parse_role(text: Role | str) -> Role:
    """A role a signed-in user may hold (``public`` is everyone who is not signed in)."""
    try:
        role = Role.parse(str(text))
    except ValueError:
        raise UserError(f"unknown role {str(text)!r}; the roles are: {_user_roles()}") from None
    if role is Role.PUBLIC:
        raise UserError(f"the public role is everyone not signed in; a user needs one of: "
                        f"{_user_roles()}")
    return Role(role)


def _user_roles() -> str:
    return ", ".join(role.value for role in Role if role is not Role.PUBLIC)


def parse_scopes(scopes: Iterable[str]) -> list[str]:
    """Action values, as people type them, in the order of :class:`Action`, each once."""
    chosen: set[Action] = set()
    for text in scopes:
        try:
            chosen.add(Action(Action.parse(text)))
        except ValueError:
            raise UserError(f"unknown scope {text!r}; scopes are actions: "
                            f"{', '.join(a.value for a in Action)}") from None
    if not chosen:
        raise UserError("a token needs at least one scope")
    return [action.value for action in Action if action in chosen]


# -- who is acting -----------------------------------------------------------------------------

def _acting(by: Principal | None) -> str:
    """The audit actor of a change to accounts, after checking that ``by`` may make it."""
    if by is None:
        return audit.cli_actor()
    require(by, Action.MANAGE_USERS, target="users")
    return by.actor


def _account(username: str, *, lock: bool = False) -> Account:
    from civharm.store.models import Account

    query = Account.objects.select_related("user")
    if lock:
        query = query.select_for_update()
    found = query.filter(user__username=username.strip()).first()
    if found is None:
        raise NotFound(f"there is no user {username.strip()!r}")
    return found


def _keep_an_admin(account: Account, change: str) -> None:
    """Refuse to ``change`` the only active admin. Locks the active admins' rows, so that two
    concurrent changes cannot each leave the other to be the last one."""
    from civharm.store.models import Account

    if account.role != Role.ADMIN.value or not account.user.is_active:
        return
    admins = list(Account.objects.select_for_update()
                  .filter(role=Role.ADMIN.value, user__is_active=True)
                  .values_list("pk", flat=True))
    if admins == [account.pk]:
        raise UserError(f"{account.user.username} is the last active admin and cannot be "
                        f"{change}; make another user admin first")


# -- users -------------------------------------------------------------------------------------

def add_user(username: str, role: Role | str, password: str | None = None, *,
             by: Principal | None = None) -> str | None:
    """Add a user. Without ``password``, a strong one is generated and returned (to be shown
    once); with one, it is checked and None is returned."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.db import IntegrityError, transaction

    from civharm.store.models import Account

    actor = _acting(by)
    name = validate_username(username)
    chosen = parse_role(role)
    generated = None
    if password is None:
        password = generated = generate_password()
    else:
        validate_password(password, name)
    hashed = make_password(password)  # slow: outside the transaction
    try:
        with transaction.atomic():
            clash = User.objects.filter(username__iexact=name).values_list("username",
                                                                           flat=True).first()
            if clash is not None:
                raise UserError(f"there is already a user {clash!r}"
                                + ("" if clash == name else " (user names ignore case)"))
            user = User.objects.create(username=name, password=hashed, is_active=True)
            Account.objects.create(user=user, role=chosen.value)
            audit.record("user.add", actor=actor, target=user_target(name),
                         details={"role": chosen.value,
                                  "password": "generated" if generated else "given"})
    except IntegrityError:
        raise UserError(f"there is already a user {name!r}") from None
    return generated


def list_users(clock: Clock = utc_now) -> list[UserLine]:
    from django.db.models import Count, Q

    from civharm.store.models import Account

    now = clock()
    usable = Q(tokens__revoked_at__isnull=True) & (
        Q(tokens__expires_at__isnull=True) | Q(tokens__expires_at__gt=now))
    rows = (Account.objects.select_related("user").annotate(live=Count("tokens", filter=usable))
            .order_by("user__username"))
    return [UserLine(username=row.user.username, role=row.role, active=row.user.is_active,
                     created=row.created_at, last_login=row.user.last_login, tokens=row.live)
            for row in rows]


def set_role(username: str, role: Role | str, *, by: Principal | None = None) -> None:
    from django.db import transaction

    actor = _acting(by)
    chosen = parse_role(role)
    with transaction.atomic():
        account = _account(username, lock=True)
        if account.role == chosen.value:
            raise UserError(f"{account.user.username} already has the {chosen.value} role")
        if chosen is not Role.ADMIN:
            _keep_an_admin(account, "demoted")
        previous = account.role
        account.role = chosen.value
        account.save(update_fields=["role"])
        audit.record("user.role", actor=actor, target=user_target(account.user.username),
                     details={"from": previous, "to": chosen.value})


def disable(username: str, *, by: Principal | None = None) -> None:
    """Disable a user: no sign-in, no token works. The user and their history stay."""
    from django.db import transaction

    actor = _acting(by)
    with transaction.atomic():
        account = _account(username, lock=True)
        if not account.user.is_active:
            raise UserError(f"{account.user.username} is already disabled")
        _keep_an_admin(account, "disabled")
        account.user.is_active = False
        account.user.save(update_fields=["is_active"])
        audit.record("user.disable", actor=actor, target=user_target(account.user.username))


def enable(username: str, *, by: Principal | None = None) -> None:
    """Let a disabled user sign in again (their unexpired, unrevoked tokens work again too)."""
    from django.db import transaction

    actor = _acting(by)
    with transaction.atomic():
        account = _account(username, lock=True)
        if account.user.is_active:
            raise UserError(f"{account.user.username} is not disabled")
        account.user.is_active = True
        account.user.save(update_fields=["is_active"])
        audit.record("user.enable", actor=actor, target=user_target(account.user.username))


def set_password(username: str, password: str | None = None, *,
                 by: Principal | None = None) -> str | None:
    """Reset a user's password; without one, generate it and return it (to be shown once)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    actor = _acting(by)
    name = _account(username).user.username
    generated = None
    if password is None:
        password = generated = generate_password()
    else:
        validate_password(password, name)
    hashed = make_password(password)
    with transaction.atomic():
        account = _account(name, lock=True)
        account.user.password = hashed
        account.user.save(update_fields=["password"])
        audit.record("user.password", actor=actor, target=user_target(name),
                     details={"password": "generated" if generated else "given"})
    return generated


# -- signing in --------------------------------------------------------------------------------

def _remote_actor(remote: str) -> str:
    return f"remote:{remote[:100]}" if remote else "remote:unknown"


def throttled_until(username: str, clock: Clock = utc_now) -> datetime | None:
    """When sign-in for ``username`` opens again, or None if it is open now.

    Counts the failures since the last successful sign-in within the window, newest first,
    from the audit log. Throttled attempts do not count: waiting out the window always works.
    """
    from civharm.store.models import AuditEntry

    now = clock()
    recent = (AuditEntry.objects
              .filter(target=user_target(username), action__in=("login", "login.failed"),
                      at__gt=now - THROTTLE_WINDOW)
              .order_by("-id").values_list("action", "at")[:THROTTLE_FAILURES])
    failures: list[datetime] = []
    for action, at in recent:
        if action == "login":
            break
        failures.append(at)
    if len(failures) < THROTTLE_FAILURES:
        return None
    return failures[-1] + THROTTLE_WINDOW


def authenticate(username: str, password: str, remote: str = "",
                 clock: Clock = utc_now) -> Account:
    """The account of a user signing in with ``password``, or :class:`SignInFailed` (one
    message whatever was wrong) or :class:`SignInThrottled`. Every attempt is audited:
    "login", "login.failed" or "login.throttled", with the remote address given. Call it
    outside a transaction, so that the entry of a failure is kept."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.db import transaction

    target = user_target(username)
    opens = throttled_until(username, clock)
    if opens is not None:
        audit.record_refusal("login.throttled", actor=_remote_actor(remote), target=target,
                             details={"remote": remote, "until": opens.isoformat()})
        minutes = max(1, math.ceil((opens - clock()).total_seconds() / 60))
        raise SignInThrottled(f"too many failed sign-ins for this user name; try again in "
                              f"{minutes} minute{'s' if minutes != 1 else ''}")
    user = User.objects.filter(username=username).select_related("account").first()
    reason = ""
    if user is None or not hasattr(user, "account"):
        make_password(password[:PASSWORD_MAX])  # take as long as a real check would
        reason = "unknown user"
    elif len(password) > PASSWORD_MAX:
        make_password(password[:PASSWORD_MAX])
        reason = "wrong password"
    elif not user.check_password(password):
        reason = "wrong password"
    elif not user.is_active:
        reason = "disabled"
    if reason:
        audit.record_refusal("login.failed", actor=_remote_actor(remote), target=target,
                             details={"reason": reason, "remote": remote})
        raise SignInFailed(SIGN_IN_FAILED)
    assert user is not None
    with transaction.atomic():
        user.last_login = clock()
        user.save(update_fields=["last_login"])
        audit.record("login", actor=user_actor(user.username), target=target,
                     details={"remote": remote})
    account: Account = user.account
    return account


# -- API tokens --------------------------------------------------------------------------------

def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(username: str, name: str, scopes: Iterable[str],
                expires_in_days: int | None = None, *, by: Principal | None = None,
                clock: Clock = utc_now) -> str:
    """Make an API token for ``username`` and return it: the only time it is seen. Its scopes
    must be actions, each allowed to the owner's role."""
    from django.db import transaction

    from civharm.store.models import ApiToken

    actor = _acting(by)
    label = " ".join(name.split())
    if not label or len(label) > 100:
        raise UserError("a token needs a name of 1 to 100 characters, to tell it from others")
    chosen = parse_scopes(scopes)
    if expires_in_days is not None and not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        raise UserError(f"a token expires after 1 to {TOKEN_MAX_DAYS} days")
    token = TOKEN_MARK + secrets.token_urlsafe(32)
    prefix = token[:TOKEN_PREFIX_LENGTH]
    now = clock()
    expires = now + timedelta(days=expires_in_days) if expires_in_days else None
    with transaction.atomic():
        account = _account(username, lock=True)
        owner = account.user.username
        if not account.user.is_active:
            raise UserError(f"{owner} is disabled; enable them before issuing a token")
        refused = ungrantable_scopes(account.role, chosen)
        if refused:
            raise UserError(f"the {account.role} role may not {', '.join(refused)}, so a token "
                            f"of {owner} cannot have {'that scope' if len(refused) == 1 else 'those scopes'}")
        if account.tokens.filter(name=label, revoked_at__isnull=True).exists():
            raise UserError(f"{owner} already has a token named {label!r}; revoke it or "
                            "choose another name")
        ApiToken.objects.create(account=account, name=label, prefix=prefix,
                                digest=token_digest(token), scopes=chosen, expires_at=expires)
        audit.record("token.add", actor=actor, target=user_target(owner),
                     details={"name": label, "prefix": prefix, "scopes": chosen,
                              "expires_at": expires.isoformat() if expires else None})
    return token


def _token_line(row: ApiToken, now: datetime) -> TokenLine:
    if row.revoked_at is not None:
        state = "revoked"
    elif row.expires_at is not None and row.expires_at <= now:
        state = "expired"
    else:
        state = "active"
    scopes = tuple(str(s) for s in row.scopes) if isinstance(row.scopes, list) else ()
    return TokenLine(prefix=row.prefix, name=row.name, username=row.account.user.username,
                     scopes=scopes, created=row.created_at, expires=row.expires_at,
                     revoked=row.revoked_at, last_used=row.last_used_at, state=state)


def list_tokens(username: str | None = None, clock: Clock = utc_now) -> list[TokenLine]:
    from civharm.store.models import ApiToken

    query = ApiToken.objects.select_related("account__user")
    if username:
        query = query.filter(account=_account(username))
    now = clock()
    return [_token_line(row, now)
            for row in query.order_by("account__user__username", "created_at", "id")]


def revoke_token(prefix_or_name: str, username: str | None = None, *,
                 by: Principal | None = None, clock: Clock = utc_now) -> TokenLine:
    """Revoke one token, named by its prefix, its name (with ``username`` when several users
    have a token of that name) or the token itself."""
    from django.db import transaction
    from django.db.models import Q

    from civharm.store.models import ApiToken

    actor = _acting(by)
    text = prefix_or_name.strip()
    if not text:
        raise UserError("name the token to revoke by its prefix or its name")
    if text.startswith(TOKEN_MARK) and len(text) > TOKEN_PREFIX_LENGTH:
        match = Q(digest=token_digest(text))
    else:
        match = Q(prefix=text) | Q(name=text)
    with transaction.atomic():
        query = ApiToken.objects.select_for_update().filter(match)
        if username:
            query = query.filter(account__user__username=username.strip())
        rows = list(query.select_related("account__user"))
        live = [row for row in rows if row.revoked_at is None]
        if not live:
            if rows:
                raise UserError(f"the token {text!r} is already revoked")
            raise NotFound(f"there is no token {text!r}; 'civharm user token list' shows them")
        if len(live) > 1:
            shown = ", ".join(f"{row.prefix} of {row.account.user.username}" for row in live)
            raise UserError(f"{len(live)} tokens match {text!r} ({shown}); give the prefix")
        row = live[0]
        row.revoked_at = clock()
        row.save(update_fields=["revoked_at"])
        audit.record("token.revoke", actor=actor, target=user_target(row.account.user.username),
                     details={"name": row.name, "prefix": row.prefix})
        return _token_line(row, row.revoked_at)


def authenticate_token(token: str, clock: Clock = utc_now) -> Principal:
    """The principal of a request carrying ``token``, or :class:`TokenRefused`.

    The token is found by its SHA-256, so nothing secret is compared byte by byte. A known
    token refused (revoked, expired, owner disabled) is audited as "token.refused"; unknown
    tokens are not, so that garbage cannot fill the log."""
    from civharm.store.models import ApiToken

    if not isinstance(token, str) or not token.startswith(TOKEN_MARK) or len(token) > 200:
        raise TokenRefused(TOKEN_REFUSED)
    row = (ApiToken.objects.select_related("account__user")
           .filter(digest=token_digest(token)).first())
    if row is None:
        raise TokenRefused(TOKEN_REFUSED)
    now = clock()
    owner = row.account.user
    reason = ("revoked" if row.revoked_at is not None else
              "expired" if row.expires_at is not None and row.expires_at <= now else
              "owner disabled" if not owner.is_active else "")
    if reason:
        audit.record_refusal("token.refused", actor=f"token:{row.prefix}",
                             target=user_target(owner.username),
                             details={"reason": reason, "name": row.name})
        raise TokenRefused(TOKEN_REFUSED)
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    scopes: list[Any] = row.scopes if isinstance(row.scopes, list) else []
    return principal_for(row.account, scopes=[str(s) for s in scopes], token_prefix=row.prefix)
