"""The one permission function: every role against every action, deny by default, the
object-level rules (confidential, unpublished) and token scopes that narrow but never widen.

Pure: no database. The expected matrix is written out here on purpose, not derived from
ROLE_ACTIONS, so that a change to who may do what has to be made twice to pass.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from civharm.domain.permissions import (
    ROLE_ACTIONS,
    ROLE_DEFINITIONS,
    Action,
    Role,
    Subject,
    actions_of,
    decide,
    ungrantable_scopes,
)

ROOT = Path(__file__).resolve().parent.parent

ALL_ACTIONS = {
    "view_public", "export_public", "view_internal", "export_internal", "edit_records",
    "import", "grade", "merge", "review", "estimate", "view_evidence", "add_evidence",
    "view_witnesses", "edit_witnesses", "manage_users", "view_audit", "backup",
    "date_buildings",
}
READ = {"view_public", "export_public", "view_internal", "export_internal", "view_evidence"}
EXPECTED: dict[str, set[str]] = {
    "public": {"view_public", "export_public"},
    "viewer": READ,
    "analyst": READ | {"edit_records", "import", "add_evidence", "estimate"},
    "reviewer": READ | {"grade", "merge", "review"},
    "witness_handler": READ | {"view_witnesses", "edit_witnesses"},
    "volunteer": {"view_public", "export_public", "date_buildings"},
    "admin": {"view_public", "export_public", "view_internal", "export_internal",
              "edit_records", "import", "grade", "merge", "review", "estimate",
              "view_evidence", "add_evidence", "manage_users", "view_audit", "backup"},
}

CONFIDENTIAL = Subject("witness", confidential=True)
UNPUBLISHED = Subject("incident", public=False)
PUBLISHED = Subject("incident")

roles = st.sampled_from(list(Role))
actions = st.sampled_from(list(Action))
subjects = st.builds(Subject, kind=st.sampled_from(["incident", "source", "witness"]),
                     public=st.booleans(), confidential=st.booleans())
scope_lists = st.lists(st.sampled_from(sorted(ALL_ACTIONS)) | st.text(max_size=12), max_size=8)


def test_the_vocabulary_is_the_one_this_matrix_was_written_for() -> None:
    assert {role.value for role in Role} == set(EXPECTED)
    assert {action.value for action in Action} == ALL_ACTIONS


def test_every_role_against_every_action() -> None:
    for role in Role:
        for action in Action:
            decision = decide(role, action)
            assert decision.allowed == (action.value in EXPECTED[role.value]), (role, action)
            assert bool(decision) == decision.allowed
            assert decision.reason
            # Roles and actions may be given as their plain values, as the database holds them.
            assert decide(role.value, action.value).allowed == decision.allowed
        assert {a.value for a in actions_of(role)} == EXPECTED[role.value]


def test_no_one_signed_in_is_the_public() -> None:
    for action in Action:
        assert decide(None, action).allowed == (action.value in EXPECTED["public"])


def test_admin_runs_the_installation_but_never_sees_witnesses() -> None:
    assert not decide(Role.ADMIN, Action.VIEW_WITNESSES)
    assert not decide(Role.ADMIN, Action.EDIT_WITNESSES)
    assert decide(Role.ADMIN, Action.MANAGE_USERS)


@given(role=st.text(max_size=30) | st.integers() | st.none(), action=actions)
def test_unknown_roles_are_denied_everything(role: object, action: Action) -> None:
    if role is None or role in {r.value for r in Role}:
        return  # None is the public, tested above
    decision = decide(role, action)  # type: ignore[arg-type]
    assert not decision.allowed
    assert "unknown role" in decision.reason


@given(role=roles, action=st.text(max_size=30) | st.integers() | st.none())
def test_unknown_actions_are_denied_to_every_role(role: Role, action: object) -> None:
    if action in ALL_ACTIONS:
        return
    decision = decide(role, action)  # type: ignore[arg-type]
    assert not decision.allowed
    assert "unknown action" in decision.reason


def test_near_misses_are_not_roles_or_actions() -> None:
    for role in ("Admin", " admin", "admin ", "ADMIN", "administrator", "witness-handler",
                 "handler", "anonymous", ""):
        assert not decide(role, Action.VIEW_PUBLIC), role
    for action in ("View_Public", "view-public", "viewpublic", " view_public", "*", "all"):
        assert not decide(Role.ADMIN, action), action


def test_confidential_subjects_only_for_the_witness_handler() -> None:
    for role in Role:
        for action in Action:
            allowed = decide(role, action, CONFIDENTIAL).allowed
            expected = role is Role.WITNESS_HANDLER and action.value in EXPECTED[role.value]
            assert allowed == expected, (role, action)
    reason = decide(Role.ADMIN, Action.VIEW_EVIDENCE, CONFIDENTIAL).reason
    assert "confidential" in reason


def test_unpublished_subjects_are_hidden_from_the_public() -> None:
    for action in Action:
        assert not decide(Role.PUBLIC, action, UNPUBLISHED), action
        assert not decide(None, action, UNPUBLISHED), action
    assert decide(Role.PUBLIC, Action.VIEW_PUBLIC, PUBLISHED)
    assert "not published" in decide(Role.PUBLIC, Action.VIEW_PUBLIC, UNPUBLISHED).reason
    for role in (Role.VIEWER, Role.ANALYST, Role.REVIEWER, Role.WITNESS_HANDLER, Role.ADMIN):
        assert decide(role, Action.VIEW_INTERNAL, UNPUBLISHED), role
        assert decide(role, Action.VIEW_PUBLIC, UNPUBLISHED), role
    # A volunteer sees no more of the record than the public does.
    assert not decide(Role.VOLUNTEER, Action.VIEW_INTERNAL)
    assert not decide(Role.VOLUNTEER, Action.VIEW_PUBLIC, UNPUBLISHED)
    assert not decide(Role.VOLUNTEER, Action.VIEW_EVIDENCE)


@given(role=roles, action=actions, subject=st.none() | subjects, scopes=scope_lists)
def test_token_scopes_narrow_but_never_widen(role: Role, action: Action, subject: Subject | None,
                                            scopes: list[str]) -> None:
    with_token = decide(role, action, subject, scopes)
    without = decide(role, action, subject)
    if with_token:
        assert without, "a token allowed what its owner's role does not"
        assert action.value in scopes, "a token allowed an action outside its scopes"
    if not without:
        assert not with_token


@given(role=roles, action=actions, subject=st.none() | subjects)
def test_a_token_with_every_scope_is_its_owner(role: Role, action: Action,
                                               subject: Subject | None) -> None:
    assert decide(role, action, subject, sorted(ALL_ACTIONS)).allowed == \
        decide(role, action, subject).allowed


def test_scopes_narrow_the_object_rules_too() -> None:
    # A witness handler's token for reading the internal record does not open witnesses.
    narrow = decide(Role.WITNESS_HANDLER, Action.VIEW_EVIDENCE, CONFIDENTIAL,
                    ["view_evidence"])
    assert not narrow and "scopes" in narrow.reason
    assert decide(Role.WITNESS_HANDLER, Action.VIEW_EVIDENCE, CONFIDENTIAL,
                  ["view_evidence", "view_witnesses"])
    # An analyst's token for the public record does not see unpublished records.
    public_only = decide(Role.ANALYST, Action.VIEW_PUBLIC, UNPUBLISHED, ["view_public"])
    assert not public_only and "scopes" in public_only.reason
    assert decide(Role.ANALYST, Action.VIEW_PUBLIC, PUBLISHED, ["view_public"])
    # No scopes at all: nothing.
    for action in Action:
        assert not decide(Role.ADMIN, action, None, [])


def test_malformed_scopes_are_refused() -> None:
    assert not decide(Role.ANALYST, Action.IMPORT, None, "import")
    assert not decide(Role.ANALYST, Action.IMPORT, None, [b"import", 7])  # type: ignore[list-item]
    assert decide(Role.ANALYST, Action.IMPORT, None, ["import", 7])  # type: ignore[list-item]


def test_ungrantable_scopes() -> None:
    assert ungrantable_scopes(Role.ANALYST, ["import", "view_internal"]) == []
    assert ungrantable_scopes(Role.ANALYST, ["import", "manage_users", "fly"]) == \
        ["manage_users", "fly"]
    assert ungrantable_scopes(Role.ADMIN, ["view_witnesses"]) == ["view_witnesses"]
    assert ungrantable_scopes("nobody", ["view_public"]) == ["view_public"]


def test_the_tables_cover_every_role() -> None:
    assert set(ROLE_DEFINITIONS) == set(Role) == set(ROLE_ACTIONS)
    for role in Role:
        assert role.definition


def test_docs_list_every_role_and_action() -> None:
    text = (ROOT / "docs" / "accounts.md").read_text(encoding="utf-8")
    for role in Role:
        row = next((line for line in text.splitlines() if line.startswith(f"| `{role.value}`")),
                   None)
        assert row is not None, f"docs/accounts.md has no row for the {role.value} role"
        for action in Action:
            assert (f"`{action.value}`" in row) == (action in ROLE_ACTIONS[role]), \
                f"docs/accounts.md: the {role.value} row is out of date about {action.value}"
