"""``keygen`` and the ``witness`` commands: add witnesses with sealed identities, list them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from civharm.cli.context import State, err, open_database, out
from civharm.cli.render import print_table
from civharm.services.errors import UserError

witness_app = typer.Typer(
    help="Add and list witnesses. Their identities are stored encrypted with the key in "
    "CIVHARM_SECRET_KEY_FILE; only a pseudonymous code is stored in the clear.",
    no_args_is_help=True,
)


def _database_url(ctx: typer.Context) -> str | None:
    state: State = ctx.find_root().obj
    return state.db


def keygen(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="PATH", help="Where to write the new key file.",
                                         show_default=False)],
) -> None:
    """Write a new secret key file (mode 0600). It never overwrites a file."""
    from civharm.services.witnesses import make_key_file

    key = make_key_file(path, _database_url(ctx))
    out.print(f"wrote key {key.key_id} to {path}", markup=False)
    out.print("Keep it away from the database and its backups, and keep a copy somewhere "
              "safe: without it, witness identities cannot be read by anyone. Use it with "
              f"CIVHARM_SECRET_KEY_FILE={path}", markup=False)


@witness_app.command("add")
def witness_add(
    ctx: typer.Context,
    incident: Annotated[str, typer.Option("--incident", help="Incident code.",
                                          show_default=False)],
    name: Annotated[str, typer.Option("--name", help="The witness's name (stored encrypted).",
                                      show_default=False)],
    contact: Annotated[str, typer.Option("--contact", help="Phone, e-mail or other contact "
                                         "(stored encrypted).", show_default=False)] = "",
    home: Annotated[str, typer.Option("--home", help="Exact home location (stored encrypted).",
                                      show_default=False)] = "",
    statement_file: Annotated[
        Path | None,
        typer.Option("--statement-file", help="UTF-8 text of the interview (stored encrypted).",
                     show_default=False),
    ] = None,
    code: Annotated[str, typer.Option("--code", help="Pseudonymous code; default: a random "
                                      "one.", show_default=False)] = "",
) -> None:
    """Add a witness of an incident. Needs the key in CIVHARM_SECRET_KEY_FILE."""
    statement = ""
    if statement_file is not None:
        try:
            statement = statement_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UserError(f"the statement file {statement_file} does not exist") from None
        except UnicodeDecodeError:
            raise UserError(f"the statement file {statement_file} is not UTF-8 text") from None
        except OSError as error:
            raise UserError(f"cannot read the statement file {statement_file}: "
                            f"{error.strerror}") from None
    open_database(ctx)
    from civharm.services.witnesses import add_witness

    added = add_witness(incident, name, contact=contact, home=home, statement=statement,
                        code=code or None, database_url=_database_url(ctx))
    out.print(f"Added witness {added} to incident {incident}; their identity is encrypted.",
              markup=False)


@witness_app.command("list")
def witness_list(
    ctx: typer.Context,
    show_identities: Annotated[
        bool,
        typer.Option("--show-identities", help="Decrypt and show names, contacts, homes and "
                     "statements. Needs the key in CIVHARM_SECRET_KEY_FILE."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List witnesses by code and incident; identities only with --show-identities and the key."""
    open_database(ctx)
    from civharm.services.witnesses import IDENTITY_FIELDS, witness_lines

    lines = witness_lines(show_identities, _database_url(ctx))
    if show_identities:
        err.print("Showing witness identities: they are shown only to the holder of the key. "
                  "Do not copy them anywhere unencrypted.", markup=False)
    rows: list[dict[str, str]] = []
    for line in lines:
        row = {"code": line.code, "incident": line.incident}
        if line.identity is not None:
            row |= {field: line.identity.get(field, "") for field in IDENTITY_FIELDS}
        rows.append(row)
    if as_json:
        for row in rows:
            out.print(json.dumps(row, ensure_ascii=False), markup=False)
        return
    columns = ["code", "incident"]
    if show_identities:
        columns += list(IDENTITY_FIELDS)
        for row in rows:  # a table shows the start of a statement; --json gives all of it
            first = " ".join(row["statement"].split())
            row["statement"] = first if len(first) <= 60 else first[:59] + "…"
    print_table(rows, columns, "Witnesses")
