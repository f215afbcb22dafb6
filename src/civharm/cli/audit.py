"""``civharm audit``: check the hash-chained audit log, print its head, list its entries."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from civharm.cli.context import err, open_database, out

audit_app = typer.Typer(
    help="The audit log: every change, who made it and when, in a hash chain that shows "
    "any tampering.",
    no_args_is_help=True,
)


@audit_app.command()
def verify(
    ctx: typer.Context,
    expect_head: Annotated[
        str | None,
        typer.Option("--expect-head", help="A head hash written down earlier (`civharm audit "
                     "head`): the chain must still pass through it, which catches entries cut "
                     "off the end.", show_default=False),
    ] = None,
) -> None:
    """Re-hash the whole log. Exits 1 and names the first broken entry when it does not hold."""
    open_database(ctx)
    from civharm.services import audit
    from civharm.store.models import AuditEntry

    wanted = expect_head.strip().lower() if expect_head else None
    check = audit.verify(expected_head=wanted)
    if check.first_broken is not None:
        entry = AuditEntry.objects.filter(pk=check.first_broken).values(
            "at", "action", "target").first() or {}
        at = entry["at"].isoformat(timespec="seconds") if entry.get("at") else "?"
        err.print(f"audit log BROKEN at entry {check.first_broken} ({at}, "
                  f"{entry.get('action', '?')} {entry.get('target', '')}".rstrip()
                  + f"): {check.reason}.", markup=False)
        err.print(f"{check.entries - 1:,} entries before it hold; nothing after it can be "
                  "trusted until it is explained.", markup=False)
        raise typer.Exit(1)
    if not check.head_matches:
        assert wanted is not None
        # An intact chain that passes through the head written down holds everything that
        # was there then: the log has only grown since.
        passed = audit.entry_with_hash(wanted)
        if passed is None:
            err.print(f"audit log does not match the expected head: {check.reason}.",
                      markup=False)
            raise typer.Exit(1)
        grown = AuditEntry.objects.filter(pk__gt=passed).count()
        out.print(f"audit log intact: {check.entries:,} entries checked; the expected head is "
                  f"entry {passed}, and {grown:,} "
                  f"{'entry was' if grown == 1 else 'entries were'} added after it; head "
                  f"{check.head}", markup=False)
        return
    out.print(f"audit log intact: {check.entries:,} entries checked; head {check.head}",
              markup=False)


@audit_app.command()
def head(ctx: typer.Context) -> None:
    """The number of entries and the newest entry's hash: write it down somewhere else."""
    open_database(ctx)
    from civharm.services import audit

    count, newest = audit.head()
    out.print(f"{count} entries; head {newest}", markup=False)


@audit_app.command("list")
def list_(
    ctx: typer.Context,
    target: Annotated[str, typer.Option(help="Only entries about this target, e.g. "
                                        "incident:RQ0042.", show_default=False)] = "",
    action: Annotated[str, typer.Option(help="Only this action, e.g. incident.grade.",
                                        show_default=False)] = "",
    limit: Annotated[int, typer.Option(help="Show at most this many, newest first; 0 for "
                                       "all.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Entries, newest first."""
    open_database(ctx)
    from civharm.services import audit

    shown = audit.lines(target=target or None, action=action or None, limit=limit or None)
    if as_json:
        for line in shown:
            out.print(json.dumps({
                "id": line.id, "at": line.at.isoformat(), "actor": line.actor,
                "action": line.action, "target": line.target, "details": line.details,
                "hash": line.entry_hash}, ensure_ascii=False), markup=False)
        return
    shown_any = False
    for line in shown:
        shown_any = True
        details = json.dumps(line.details, ensure_ascii=False, sort_keys=True)
        out.print(f"{line.id:>6}  {line.at.isoformat(timespec='seconds')}  {line.actor}  "
                  f"{line.action}  {line.target or '-'}  {details}", markup=False)
    if not shown_any:
        out.print("No audit entries.")
