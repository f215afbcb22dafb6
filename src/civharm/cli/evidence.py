"""The ``evidence`` commands (add, list, get, custody) and ``civharm verify``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from civharm.cli.context import State, err, open_database, out
from civharm.cli.render import print_table

evidence_app = typer.Typer(
    help="The evidence store: files kept by their SHA-256, with a chain of custody of every "
    "add, copy and export in the audit log.",
    no_args_is_help=True,
)


def _database_url(ctx: typer.Context) -> str | None:
    state: State = ctx.find_root().obj
    return state.db


def _size(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(size)


@evidence_app.command("add")
def evidence_add(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Files to add.",
                                                show_default=False)],
    source: Annotated[str | None, typer.Option("--source", metavar="KEY",
                                               help="Attach the files to this source.",
                                               show_default=False)] = None,
    confidential: Annotated[bool, typer.Option(
        "--confidential", help="Encrypt the files at rest (interview audio, a witness's "
        "photo). Needs the key in CIVHARM_SECRET_KEY_FILE.")] = False,
    derived_from: Annotated[str | None, typer.Option(
        "--derived-from", metavar="SHA", help="The original this working copy was made from "
        "(a redaction, a transcode, a still).", show_default=False)] = None,
    derivation: Annotated[str, typer.Option(
        "--derivation", metavar="TEXT", help="How the working copy was made.",
        show_default=False)] = "",
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT",
                                        help="Why the files are added (kept in their chain "
                                        "of custody).", show_default=False)] = "",
) -> None:
    """Add files to the evidence store. Adding the same bytes again changes nothing."""
    open_database(ctx)
    from civharm.cli.progress import progress_bar
    from civharm.services.evidence import add_files

    with progress_bar() as progress:
        added = add_files(files, progress=progress, source_key=source,
                          confidential=confidential, derived_from=derived_from,
                          derivation=derivation, reason=reason,
                          database_url=_database_url(ctx))
    for item in added:
        if item.action == "evidence.seal":
            what = "sealed (it was stored in the clear before)"
        elif item.action == "evidence.restore":
            what = "restored (the stored copy was missing or altered)"
        elif item.stored_now:
            what = "added" + (", encrypted" if item.confidential else "")
        else:
            what = "already stored; nothing changed"
        if item.linked_source:
            what += f"; attached to source {item.linked_source}"
        out.print(f"{item.sha256}  {item.name}: {what}", markup=False)


@evidence_app.command("list")
def evidence_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List evidence files: stored, or only cited by a source so far."""
    open_database(ctx)
    from civharm.services.evidence import evidence_lines

    lines = evidence_lines()
    if as_json:
        for line in lines:
            out.print(json.dumps(line.as_dict(), ensure_ascii=False), markup=False)
        return
    rows = [{"sha256": line.sha256[:16] + "…", "size": _size(line.size),
             "type": line.media_type,
             "name": "(confidential)" if line.confidential else line.original_name,
             "stored": "yes" if line.stored else "cited only",
             "derived_from": (line.derived_from[:16] + "…") if line.derived_from else "",
             "sources": ", ".join(line.sources)} for line in lines]
    print_table(rows, ["sha256", "size", "type", "name", "stored", "derived_from", "sources"],
                "Evidence files")


@evidence_app.command("get")
def evidence_get(
    ctx: typer.Context,
    sha: Annotated[str, typer.Argument(metavar="SHA", help="The file's SHA-256, or the "
                                       "start of it.", show_default=False)],
    out_path: Annotated[Path, typer.Option("--out", metavar="PATH", help="Where to write the "
                                           "copy (never overwritten).", show_default=False)],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why you take a copy "
                                        "(required; kept in its chain of custody).",
                                        show_default=False)],
) -> None:
    """Copy a file out of the store, checked against its hash; recorded with its reason."""
    open_database(ctx)
    from civharm.services.evidence import get_evidence

    row = get_evidence(sha, out_path, reason=reason, database_url=_database_url(ctx))
    out.print(f"wrote {out_path} ({row.sha256}, checked); recorded in its chain of custody",
              markup=False)


@evidence_app.command("custody")
def evidence_custody(
    ctx: typer.Context,
    sha: Annotated[str, typer.Argument(metavar="SHA", help="The file's SHA-256, or the "
                                       "start of it.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """The chain of custody of a file: every add, derivation, copy and export, oldest first."""
    open_database(ctx)
    from civharm.services.evidence import evidence_custody as custody

    full, lines = custody(sha)
    if as_json:
        for line in lines:
            out.print(json.dumps({"at": line.at.isoformat(), "actor": line.actor,
                                  "action": line.action, "details": line.details,
                                  "entry": line.id}, ensure_ascii=False), markup=False)
        return
    out.print(f"Chain of custody of {full}", markup=False)
    if not lines:
        out.print("  no entries (the file is cited by a source but was never added)")
    for line in lines:
        details = dict(line.details)
        reason = details.pop("reason", "")
        extra = ", ".join(f"{k}={v}" for k, v in sorted(details.items()))
        out.print(f"  {line.at:%Y-%m-%d %H:%M:%S} UTC  {line.action:<18} {line.actor}"
                  f"  reason: {reason or '(none given)'}" + (f"  [{extra}]" if extra else ""),
                  markup=False)


def _names(label: str, items: list[str], advice: str) -> None:
    if not items:
        return
    err.print(f"{label}: {len(items)} — {advice}", markup=False)
    for item in items[:50]:
        err.print(f"  {item}", markup=False)
    if len(items) > 50:
        err.print(f"  … and {len(items) - 50} more", markup=False)


def verify(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
    remove_temp: Annotated[bool, typer.Option(
        "--remove-temp", help="Delete temporary files left by interrupted adds (files no "
        "running process is writing).")] = False,
) -> None:
    """Check the whole installation: every evidence file against its hash, the store against
    the database, the audit chain, and the database itself. Exit status 1 on any problem."""
    open_database(ctx)
    from civharm.cli.progress import progress_bar
    from civharm.services.evidence import remove_stale_temporaries, store_folder, verify_store

    if remove_temp:
        removed = remove_stale_temporaries(store_folder(_database_url(ctx)))
        err.print(f"removed {removed} temporary file(s) left by interrupted adds", markup=False)
    with progress_bar() as progress:
        report = verify_store(_database_url(ctx), progress)
    if as_json:
        out.print(json.dumps(report.as_dict(), ensure_ascii=False), markup=False)
        if not report.ok:
            raise typer.Exit(1)
        return
    _names("MISSING files", report.missing,
           "a row says the file is stored but it is not in the store: restore the store from "
           "a backup, or add the original again")
    _names("ALTERED files", report.altered,
           "the bytes no longer match their hash (or a sealed file does not open): restore it "
           "from a backup, or add the original again; keep the altered copy for inquiry")
    _names("ORPHAN files", report.orphans,
           "in the store with no row saying it is stored: an add interrupted after the bytes "
           "were written (adding the file again adopts it), or a file put there by hand")
    _names("STRAY entries", report.strays,
           "not at an evidence address: something other than civharm wrote there; move it out")
    if report.audit_problem:
        err.print(f"AUDIT LOG BROKEN: {report.audit_problem}", markup=False)
    for problem in report.database_problems:
        err.print(f"DATABASE: {problem}", markup=False)
    out.print(f"evidence store {report.store}: {report.checked} file(s) re-hashed", markup=False)
    if report.unchecked:
        out.print(f"  {len(report.unchecked)} confidential file(s) could not be checked: "
                  f"{report.unchecked_reason}", markup=False)
    if report.temporaries:
        out.print(f"  {len(report.temporaries)} temporary file(s) from interrupted adds in "
                  "tmp/: not evidence, safe to delete (civharm verify --remove-temp)",
                  markup=False)
    if report.never_stored:
        out.print(f"  {report.never_stored} file(s) cited by sources but never added "
                  "(informational)", markup=False)
    out.print(f"audit log: {report.audit_entries} entries, "
              f"{'chain intact' if not report.audit_problem else 'BROKEN'}", markup=False)
    out.print(f"database: {report.database_checked}"
              f"{'' if not report.database_problems else ' — PROBLEMS'}", markup=False)
    if report.ok:
        out.print("verify: everything checks out", markup=False)
        return
    err.print("verify: problems found (see above)", markup=False)
    raise typer.Exit(1)
