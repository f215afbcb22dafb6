"""Entry point: global options, top-level commands, and the error boundary."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from civharm import __version__
from civharm.cli import audit as audit_cli
from civharm.cli import backup as backup_cli
from civharm.cli import damage as damage_cli
from civharm.cli import demo, estimate, geo, link, match, parse, records, review, users, witness
from civharm.cli import evidence as evidence_cli
from civharm.cli import serve as serve_cli
from civharm.cli.context import State, err, open_database, out, simulated_banner

app = typer.Typer(
    name="civharm",
    help="Civilian-harm monitoring: incidents, sources, victims and the belligerent's own "
    "records, graded, linked and estimated.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(records.incident_app, name="incident")
app.add_typer(records.claim_app, name="claim")
app.add_typer(records.source_app, name="source")
app.add_typer(records.victim_app, name="victim")
app.add_typer(parse.parse_app, name="parse")
app.add_typer(match.match_app, name="match")
app.add_typer(estimate.estimate_app, name="estimate")
app.add_typer(geo.geo_app, name="geo")
app.add_typer(demo.demo_app, name="demo")
app.add_typer(link.link_app, name="link")
app.add_typer(review.review_app, name="review")
app.add_typer(witness.witness_app, name="witness")
app.add_typer(audit_cli.audit_app, name="audit")
app.add_typer(damage_cli.damage_app, name="damage")
app.command()(witness.keygen)
app.command()(backup_cli.backup)
app.command()(backup_cli.restore)
app.add_typer(evidence_cli.evidence_app, name="evidence")
app.add_typer(users.user_app, name="user")
app.command("verify")(evidence_cli.verify)
app.command("serve")(serve_cli.serve)


def _version(value: bool) -> None:
    if value:
        out.print(f"civharm {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database: a SQLite file path or a postgresql:// URL. "
            "Default: $CIVHARM_DATABASE_URL, else ./civharm.db.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    ctx.obj = State(db=db)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the database, or upgrade it to the newest schema."""
    description = open_database(ctx, create=True)
    from civharm.services import database

    applied = database.initialise()
    if applied:
        out.print(f"{description}: applied {len(applied)} migration(s); ready.")
    else:
        out.print(f"{description}: already up to date.")


@app.command("import")
def import_(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="CSV, XLSX or JSON files.", show_default=False)],
    kind: Annotated[
        str | None,
        typer.Option(help="What the files hold, when their names do not say: incidents, "
                     "sources, claims, victims, verdicts, declared_strikes or airwars."),
    ] = None,
) -> None:
    """Import records. Every row is checked first; a file with any problem writes nothing."""
    open_database(ctx)
    from civharm.cli.progress import progress_bar
    from civharm.services.importing import import_files

    with progress_bar() as progress:
        report = import_files(files, kind, progress)
    if not report.changed:
        out.print(f"Nothing changed: {report.rows} rows in {len(report.files)} file(s) "
                  "are already in the database.")
        return
    out.print(f"Imported {report.rows} rows from {len(report.files)} file(s):")
    for kind_name, counts in report.counts.items():
        out.print(f"  {kind_name:<17} {counts['created']:>7} new {counts['updated']:>7} updated "
                  f"{counts['unchanged']:>7} unchanged")
    if report.assessments_added:
        out.print(f"  {'assessments':<17} {report.assessments_added:>7} new")


@app.command()
def export(
    ctx: typer.Context,
    out_path: Annotated[Path, typer.Argument(metavar="OUT", help="File, or folder for CSV.")],
    fmt: Annotated[str, typer.Option("--format", help="csv, json or geojson.")] = "json",
) -> None:
    """Write the public data. Witnesses and confidential sources are never in it."""
    open_database(ctx)
    from civharm.services.exporting import export as run_export

    simulated_banner()
    written = run_export(fmt, out_path)
    for path in written:
        out.print(f"wrote {path}")


@app.command()
def stats(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The headline figures, stated the way a report leads with them."""
    open_database(ctx)
    from civharm.cli.render import print_stats
    from civharm.services.figures import stats_json

    figures = stats_json()
    if as_json:
        out.print_json(json.dumps(figures, ensure_ascii=False))
        return
    print_stats(figures)


def run() -> None:
    """The console script: run the app, turning every failure into one plain line."""
    from civharm.services.errors import ImportRejected, UserError

    try:
        # Typer reports usage errors itself (exit 2); everything else lands below.
        app()
    except ImportRejected as error:
        for problem in error.problems[:200]:
            err.print(f"  {problem}", markup=False)
        if len(error.problems) > 200:
            err.print(f"  … and {len(error.problems) - 200} more")
        err.print(f"error: {error}", markup=False)
        sys.exit(1)
    except UserError as error:
        err.print(f"error: {error}", markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted; nothing half-written is kept")
        sys.exit(130)
    except Exception as error:  # the last line of defence: no traceback reaches a user
        if os.environ.get("CIVHARM_DEBUG", "").lower() in ("1", "true", "yes"):
            raise
        from civharm.services.failures import keep_failure

        error_id, kept = keep_failure(error)
        where = ("The details are in CIVHARM_LOG_FILE under that id." if kept else
                 "Set CIVHARM_LOG_FILE to keep the details of failures, or run again with "
                 "CIVHARM_DEBUG=1 to see them.")
        err.print(f"error: unexpected failure (error id {error_id}). Imports are all or "
                  f"nothing, so no file was half-written. {where}", markup=False)
        sys.exit(70)
