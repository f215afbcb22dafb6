"""``backup`` and ``restore``: one file holding the database and the evidence store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from civharm.cli.context import State, err, open_database, out
from civharm.services.progress import Progress

_UNITS = {"database": "database", "hashing": "evidence files", "writing": "evidence files",
          "reading": "archive members", "checking": "checks"}


@contextmanager
def _progress() -> Iterator[Progress]:
    """Live bars on a terminal; in logs and scripts, one line as each stage starts."""
    if err.is_terminal:
        from civharm.cli.progress import progress_bar

        with progress_bar() as bar:
            yield bar
        return
    started: set[str] = set()

    def announce(stage: str, done: int, total: int) -> None:
        if stage not in started and total:
            started.add(stage)
            err.print(f"{stage} {total:,} {_UNITS.get(stage, 'items')}…", markup=False)

    yield announce


def _size(number: int) -> str:
    value = float(number)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{number} bytes"


def backup(
    ctx: typer.Context,
    out_path: Annotated[Path, typer.Argument(metavar="OUT", help="The backup file to write "
                                             "(it must not exist yet).", show_default=False)],
) -> None:
    """Back up the database and its evidence store into one file (never the secret key)."""
    open_database(ctx)
    from civharm.services.backup import KEY_REMINDER, make_backup

    with _progress() as progress:
        made = make_backup(out_path, progress)
    rows = sum(made.tables.values())
    out.print(f"Wrote {made.path} ({_size(made.size)}), a backup of the "
              f"{'SQLite' if made.backend == 'sqlite' else 'PostgreSQL'} database:", markup=False)
    out.print(f"  tables          {len(made.tables):>9,} ({rows:,} rows)", markup=False)
    for name in ("civharm_incident", "civharm_source", "civharm_claim", "civharm_victim",
                 "civharm_witness", "civharm_evidencefile"):
        if name in made.tables:
            label = name.removeprefix("civharm_")
            out.print(f"    {label:<14}{made.tables[name]:>9,}", markup=False)
    out.print(f"  evidence files  {made.evidence_files:>9,} ({_size(made.evidence_bytes)})",
              markup=False)
    out.print(f"  audit log       {made.audit_entries:>9,} entries, head {made.audit_head}",
              markup=False)
    if made.skipped:
        err.print(f"Left out {len(made.skipped)} file(s) in the evidence folder that are not "
                  f"evidence (the first: {made.skipped[0]}).", markup=False)
    out.print("Write the audit head down somewhere else: a restore checks the log against it.",
              markup=False)
    out.print(KEY_REMINDER, markup=False)


def restore(
    ctx: typer.Context,
    in_path: Annotated[Path, typer.Argument(metavar="IN", help="A backup file made with "
                                            "'civharm backup'.", show_default=False)],
    to: Annotated[str | None, typer.Option(
        "--to", metavar="DB", help="The new, empty database to restore into. Default: the "
        "global --db.", show_default=False)] = None,
) -> None:
    """Check a backup and restore it into a new, empty database and evidence folder."""
    from civharm.config import Settings
    from civharm.services.backup import KEY_REMINDER, restore_backup

    state: State = ctx.find_root().obj
    target = to or state.db or Settings.from_env().database_url
    with _progress() as progress:
        restored = restore_backup(in_path, target, progress)
    state.opened = restored.target
    rows = sum(restored.tables.values())
    out.print(f"Restored the backup made {restored.created_at} into {restored.target}:",
              markup=False)
    out.print(f"  tables          {len(restored.tables):>9,} ({rows:,} rows, every count "
              "checked)", markup=False)
    out.print(f"  evidence files  {restored.evidence_files:>9,} in {restored.evidence_folder} "
              "(every hash checked)", markup=False)
    out.print(f"  audit log       {restored.audit_entries:>9,} entries, chain intact up to head "
              f"{restored.audit_head}", markup=False)
    out.print(KEY_REMINDER, markup=False)
