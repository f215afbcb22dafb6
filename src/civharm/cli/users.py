"""The ``user`` commands: accounts, roles, passwords and API tokens.

The command line is the local operator: whoever can run civharm against the database acts
on it directly. Roles and tokens govern the web app and the API.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from civharm.cli.context import err, open_database, out
from civharm.cli.render import print_table
from civharm.services.errors import UserError

user_app = typer.Typer(
    help="Add users, set their roles, disable them, reset passwords and issue API tokens. "
    "Users are never deleted: the audit log names them.",
    no_args_is_help=True,
)
token_app = typer.Typer(help="Issue, list and revoke API tokens.", no_args_is_help=True)
user_app.add_typer(token_app, name="token")

PasswordFile = Annotated[
    Path | None,
    typer.Option("--password-file", help="Read the password from the first line of this file "
                 "('-' for standard input). Without it, a strong password is generated and "
                 "shown once.", show_default=False),
]


def _read_password(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"the password file {path} does not exist") from None
    except UnicodeDecodeError:
        raise UserError(f"the password file {path} is not UTF-8 text") from None
    except OSError as error:
        raise UserError(f"cannot read the password file {path}: {error.strerror}") from None
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise UserError(f"the password file {path} is empty; its first line is the password")
    return lines[0]


def _show_password(username: str, password: str) -> None:
    out.print(f"password for {username}: {password}", markup=False)
    err.print("This password is shown once and is not stored anywhere in the clear: hand it "
              "over by a safe channel and ask them to change it.", markup=False)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="User name.", show_default=False)],
    role: Annotated[str, typer.Option("--role", help="admin, analyst, reviewer, "
                                      "witness_handler, viewer or volunteer ('civharm user "
                                      "roles').", show_default=False)],
    password_file: PasswordFile = None,
) -> None:
    """Add a user with a role."""
    password = _read_password(password_file)
    open_database(ctx)
    from civharm.services.accounts import add_user, parse_role

    generated = add_user(name, role, password)
    out.print(f"Added user {name.strip()} with the {parse_role(role).value} role.", markup=False)
    if generated is not None:
        _show_password(name.strip(), generated)


@user_app.command("list")
def user_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List users: role, whether active, when added, last sign-in and usable tokens."""
    open_database(ctx)
    from civharm.services.accounts import list_users

    users = list_users()
    if as_json:
        out.print(json.dumps([{"username": u.username, "role": u.role, "active": u.active,
                               "created": _iso(u.created), "last_login": _iso(u.last_login),
                               "tokens": u.tokens} for u in users], ensure_ascii=False),
                  markup=False)
        return
    rows = [{"user": u.username, "role": u.role, "active": "yes" if u.active else "disabled",
             "created": _when(u.created), "last_login": _when(u.last_login),
             "tokens": u.tokens} for u in users]
    print_table(rows, ["user", "role", "active", "created", "last_login", "tokens"], "Users")


@user_app.command("set-role")
def user_set_role(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", show_default=False)],
    role: Annotated[str, typer.Argument(metavar="ROLE", show_default=False)],
) -> None:
    """Give a user another role. The last active admin cannot be demoted."""
    open_database(ctx)
    from civharm.services.accounts import parse_role, set_role

    set_role(name, role)
    out.print(f"{name.strip()} now has the {parse_role(role).value} role.", markup=False)


@user_app.command("disable")
def user_disable(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", show_default=False)],
) -> None:
    """Disable a user: no sign-in, and none of their tokens works. Nothing is deleted."""
    open_database(ctx)
    from civharm.services.accounts import disable

    disable(name)
    out.print(f"Disabled {name.strip()}; their tokens no longer work.", markup=False)


@user_app.command("enable")
def user_enable(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", show_default=False)],
) -> None:
    """Let a disabled user sign in again."""
    open_database(ctx)
    from civharm.services.accounts import enable

    enable(name)
    out.print(f"Enabled {name.strip()}.", markup=False)


@user_app.command("password")
def user_password(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", show_default=False)],
    password_file: PasswordFile = None,
) -> None:
    """Reset a user's password."""
    password = _read_password(password_file)
    open_database(ctx)
    from civharm.services.accounts import set_password

    generated = set_password(name, password)
    out.print(f"Reset the password of {name.strip()}.", markup=False)
    if generated is not None:
        _show_password(name.strip(), generated)


@user_app.command("roles")
def user_roles(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Each role, what it is for, and the actions it may take."""
    from civharm.domain.permissions import ROLE_ACTIONS, Action, Role

    roles: list[dict[str, Any]] = [
        {"role": role.value, "definition": role.definition,
         "actions": [a.value for a in Action if a in ROLE_ACTIONS[role]]} for role in Role]
    if as_json:
        out.print(json.dumps(roles, ensure_ascii=False), markup=False)
        return
    for entry in roles:
        out.print(f"{entry['role']}: {entry['definition']}", markup=False)
        out.print(f"  may: {', '.join(entry['actions'])}", markup=False)


@token_app.command("add")
def token_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The user the token acts for.",
                                        show_default=False)],
    label: Annotated[str, typer.Option("--name", help="What the token is for, to tell it "
                                       "from others.", show_default=False)],
    scopes: Annotated[list[str], typer.Option("--scope", help="An action the token may take "
                                              "(repeat for several); each must be allowed to "
                                              "the user's role.", show_default=False)],
    expires_days: Annotated[int | None, typer.Option("--expires-days", help="Expire after "
                                                     "this many days; default: never.",
                                                     show_default=False)] = None,
) -> None:
    """Issue an API token. It is shown once; only its SHA-256 is stored."""
    open_database(ctx)
    from civharm.services.accounts import issue_token

    token = issue_token(name, label, scopes, expires_days)
    out.print(token, markup=False)
    err.print("This token is shown once and cannot be recovered: store it now, somewhere "
              "safe. Anyone holding it acts as this user within its scopes. Revoke it with "
              f"'civharm user token revoke {token[:12]}'.", markup=False)


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(metavar="[NAME]", help="Only this user's "
                                               "tokens.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List API tokens by prefix (never the tokens themselves)."""
    open_database(ctx)
    from civharm.services.accounts import list_tokens

    tokens = list_tokens(name)
    if as_json:
        out.print(json.dumps([{"prefix": t.prefix, "name": t.name, "user": t.username,
                               "scopes": list(t.scopes), "created": _iso(t.created),
                               "expires": _iso(t.expires), "revoked": _iso(t.revoked),
                               "last_used": _iso(t.last_used), "state": t.state}
                              for t in tokens], ensure_ascii=False), markup=False)
        return
    rows = [{"prefix": t.prefix, "user": t.username, "name": t.name,
             "scopes": ", ".join(t.scopes),
             "expires": t.expires.strftime("%Y-%m-%d") if t.expires else "never",
             "last_used": _when(t.last_used), "state": t.state} for t in tokens]
    print_table(rows, ["prefix", "user", "name", "state", "expires", "last_used", "scopes"],
                "Tokens")


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    prefix: Annotated[str, typer.Argument(metavar="PREFIX", help="The token's prefix (or its "
                                          "name).", show_default=False)],
    user: Annotated[str | None, typer.Option("--user", help="Whose token, when several "
                                             "users have one of that name.",
                                             show_default=False)] = None,
) -> None:
    """Revoke an API token: it stops working at once."""
    open_database(ctx)
    from civharm.services.accounts import revoke_token

    revoked = revoke_token(prefix, user)
    out.print(f"Revoked token {revoked.prefix} ({revoked.name}) of {revoked.username}.",
              markup=False)
