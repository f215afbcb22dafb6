"""Who may do what: the one function that decides every permission in civharm.

:func:`decide` is the only place a permission is granted. It denies by default: an unknown
role, an unknown action, or an action a role is not given, is refused with a reason. Object-
level rules come on top of the role's actions: a record that is not public is hidden from the
public, and anything confidential (witness identities, interviews and the evidence that rests
on them) is open only to the witness-handler role, whatever else a role may do.

API tokens narrow their owner's role: a token may do what its scopes name *and* its owner's
role allows, never more.

Pure code: services call it with plain values and record the refusals in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from civharm.domain.vocabulary import Vocabulary


class Role(Vocabulary):
    """What a person does in an investigation. ``public`` is everyone who is not signed in."""

    ADMIN = "admin"
    ANALYST = "analyst"
    REVIEWER = "reviewer"
    WITNESS_HANDLER = "witness_handler"
    VIEWER = "viewer"
    VOLUNTEER = "volunteer"
    PUBLIC = "public"

    @property
    def definition(self) -> str:
        return ROLE_DEFINITIONS[self]

    @classmethod
    def _aliases(cls) -> dict[str, Role]:
        return {"witness_handler": cls.WITNESS_HANDLER, "handler": cls.WITNESS_HANDLER,
                "anonymous": cls.PUBLIC}


class Action(Vocabulary):
    """Everything civharm can be asked to do that a permission guards."""

    VIEW_PUBLIC = "view_public"              # published incidents, figures, public sources
    EXPORT_PUBLIC = "export_public"          # the allow-listed public exports
    VIEW_INTERNAL = "view_internal"          # unpublished records and working figures
    EXPORT_INTERNAL = "export_internal"      # full exports (never interviews or identities)
    EDIT_RECORDS = "edit_records"            # create, change, delete incidents and their parts
    IMPORT = "import"                        # bulk imports from files
    GRADE = "grade"                          # decide an incident's grade
    MERGE = "merge"                          # merge or separate incidents and victims
    REVIEW = "review"                        # answer the victim-linkage review queue
    ESTIMATE = "estimate"                    # run and store estimates
    VIEW_EVIDENCE = "view_evidence"          # see evidence files' records and contents
    ADD_EVIDENCE = "add_evidence"            # store evidence files and derived copies
    VIEW_WITNESSES = "view_witnesses"        # open witness identities and interviews
    EDIT_WITNESSES = "edit_witnesses"        # add or change witnesses
    MANAGE_USERS = "manage_users"            # add users, change roles, disable, issue tokens
    VIEW_AUDIT = "view_audit"                # read and verify the audit log
    BACKUP = "backup"                        # make and restore backups, verify the store
    DATE_BUILDINGS = "date_buildings"        # answer building-dating tasks (and see their images)


ROLE_DEFINITIONS: dict[Role, str] = {
    Role.ADMIN: "Runs the installation: users, roles, backups, the audit log, and every "
                "action on the record. Does not see witness identities, and leaves dating "
                "buildings to volunteers.",
    Role.ANALYST: "Builds the record: incidents, sources, claims, victims, imports, evidence "
                  "and estimates.",
    Role.REVIEWER: "Decides: grades incidents, merges and separates incidents and victims, "
                   "answers the review queue.",
    Role.WITNESS_HANDLER: "The only role that sees witness identities, contacts and "
                          "interviews, and adds witnesses.",
    Role.VIEWER: "Reads the internal record and its evidence; changes nothing.",
    Role.VOLUNTEER: "Dates destroyed buildings on satellite images, one task at a time; sees "
                    "nothing of the internal record.",
    Role.PUBLIC: "Anyone not signed in: the published record only.",
}

_PUBLIC = frozenset({Action.VIEW_PUBLIC, Action.EXPORT_PUBLIC})
_READ = _PUBLIC | {Action.VIEW_INTERNAL, Action.EXPORT_INTERNAL, Action.VIEW_EVIDENCE}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.PUBLIC: _PUBLIC,
    Role.VIEWER: _READ,
    Role.VOLUNTEER: _PUBLIC | {Action.DATE_BUILDINGS},
    Role.ANALYST: _READ | {Action.EDIT_RECORDS, Action.IMPORT, Action.ADD_EVIDENCE,
                           Action.ESTIMATE},
    Role.REVIEWER: _READ | {Action.GRADE, Action.MERGE, Action.REVIEW},
    Role.WITNESS_HANDLER: _READ | {Action.VIEW_WITNESSES, Action.EDIT_WITNESSES},
    Role.ADMIN: frozenset(Action) - {Action.VIEW_WITNESSES, Action.EDIT_WITNESSES,
                                     Action.DATE_BUILDINGS},
}


@dataclass(frozen=True, slots=True)
class Subject:
    """The thing an action is about, as far as permissions care.

    ``public``: published (a record an analyst has not marked private).
    ``confidential``: a witness's identity or interview, or evidence resting on them.
    """

    kind: str
    public: bool = True
    confidential: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def decide(role: Role | str | None, action: Action | str, subject: Subject | None = None,
           scopes: Iterable[str] | None = None) -> Decision:
    """May someone with ``role`` (through a token with ``scopes``, if any) do ``action`` on
    ``subject``? Denied unless a rule below allows it.

    A token's scopes narrow everything its owner's role allows, the object-level rules
    included: a token not scoped to see witnesses does not open confidential subjects, and a
    token not scoped to the internal record does not see unpublished ones, whatever its
    owner's role may do.
    """
    try:
        who = Role(role) if role is not None else Role.PUBLIC
    except ValueError:
        return Decision(False, f"unknown role {role!r}")
    try:
        what = Action(action)
    except ValueError:
        return Decision(False, f"unknown action {action!r}")
    allowed = ROLE_ACTIONS.get(who, frozenset())
    if what not in allowed:
        return Decision(False, f"the {who.value} role may not {what.value}")
    if scopes is not None:
        if isinstance(scopes, str | bytes):  # a bare string is not a list of scopes
            return Decision(False, "the token's scopes are malformed")
        named = {scope for scope in scopes if isinstance(scope, str)}
        if what.value not in named:
            return Decision(False, f"the token's scopes do not include {what.value}")
        allowed = frozenset(a for a in allowed if a.value in named)
    if subject is not None:
        if subject.confidential and Action.VIEW_WITNESSES not in allowed:
            if Action.VIEW_WITNESSES in ROLE_ACTIONS[who]:
                return Decision(False, f"this {subject.kind} is confidential and the token's "
                                       f"scopes do not include {Action.VIEW_WITNESSES.value}")
            return Decision(False, f"this {subject.kind} is confidential: only the "
                                   f"{Role.WITNESS_HANDLER.value} role may see it")
        if not subject.public and Action.VIEW_INTERNAL not in allowed:
            if Action.VIEW_INTERNAL in ROLE_ACTIONS[who]:
                return Decision(False, f"this {subject.kind} is not published and the token's "
                                       f"scopes do not include {Action.VIEW_INTERNAL.value}")
            return Decision(False, f"this {subject.kind} is not published")
    return Decision(True, f"the {who.value} role may {what.value}")


def ungrantable_scopes(role: Role | str, scopes: Iterable[str]) -> list[str]:
    """The scopes in ``scopes`` that a token of someone with ``role`` may not be given
    (unknown actions, and actions the role does not have); empty when all may be."""
    return [scope for scope in scopes if not decide(role, scope)]


def actions_of(role: Role | str) -> frozenset[Action]:
    """What a role may do, for help texts and the user list."""
    try:
        return ROLE_ACTIONS[Role(role)]
    except ValueError:
        return frozenset()
