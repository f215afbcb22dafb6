"""The permission gate: who is asking (a :class:`Principal`) and :func:`require`.

Every request of the web app and the API, and every service that acts for someone signed in,
passes through :func:`require`, which asks :func:`civharm.domain.permissions.decide` (the
one place permissions are decided), records a refusal in the audit log and raises
:class:`~civharm.services.errors.PermissionDenied`. Nothing else grants or refuses access.

The command line is not gated: whoever can run civharm against a database acts on it
directly, as the local operator (see docs/accounts.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from civharm.domain.permissions import Action, Decision, Role, Subject, decide
from civharm.services.errors import PermissionDenied

if TYPE_CHECKING:
    from civharm.store.models import Account


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking, as far as permissions and the audit log care.

    ``actor`` names them in the audit log ("user:analyst1", "user:analyst1/token:chm_AbCd…",
    "public"). ``scopes`` is None for a signed-in person, and the token's scopes for a
    request made with an API token. ``account_id`` is None for the public.
    """

    actor: str
    role: Role | str
    scopes: tuple[str, ...] | None = None
    account_id: int | None = None

    @property
    def signed_in(self) -> bool:
        return self.account_id is not None


PUBLIC = Principal(actor="public", role=Role.PUBLIC)


def user_actor(username: str) -> str:
    return f"user:{username}"


def _role_of(account: Account) -> Role | str:
    # A role the code does not know (a database edited by hand) stays a string, which
    # decide() refuses everything.
    try:
        return Role(account.role)
    except ValueError:
        return account.role


def principal_for(account: Account, scopes: Iterable[str] | None = None,
                  token_prefix: str = "") -> Principal:
    """The principal of a signed-in account (or of one of its tokens, with its scopes).

    A disabled account is refused: a session or token outliving the account's disabling
    must not act for it."""
    if not account.user.is_active:
        raise PermissionDenied(f"the account {account.user.username} is disabled")
    actor = user_actor(account.user.username)
    if token_prefix:
        actor += f"/token:{token_prefix}"
    return Principal(actor=actor, role=_role_of(account),
                     scopes=None if scopes is None else tuple(scopes), account_id=account.pk)


def check(principal: Principal, action: Action | str, subject: Subject | None = None) -> Decision:
    """The decision alone, for showing or hiding a link; nothing is recorded. Use
    :func:`require` before doing anything."""
    return decide(principal.role, action, subject, principal.scopes)


def require(principal: Principal, action: Action | str, subject: Subject | None = None,
            target: str = "") -> Decision:
    """Allow ``principal`` to do ``action`` (on ``subject``), or record the refusal as
    "access.denied" and raise :class:`PermissionDenied` with the decision's reason.

    ``target`` names the record for the audit log ("incident:RQ0042"); call this before
    opening the transaction of the work it guards, so that the refusal's entry is kept.
    """
    decision = decide(principal.role, action, subject, principal.scopes)
    if decision:
        return decision
    from civharm.services.audit import record_refusal

    details: dict[str, object] = {"action": str(getattr(action, "value", action))[:64],
                                  "reason": decision.reason}
    if subject is not None:
        details["subject"] = subject.kind
    record_refusal("access.denied", actor=principal.actor, target=target, details=details)
    raise PermissionDenied(f"permission denied: {decision.reason}")
