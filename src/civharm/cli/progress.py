"""Rich progress bars for long services, on standard error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from civharm.cli.context import err
from civharm.services.progress import Progress as ProgressCallback


@contextmanager
def progress_bar() -> Iterator[ProgressCallback]:
    columns = (
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    if not err.is_terminal:
        # Logs and scripts get one line as each stage starts instead of a live bar.
        started: set[str] = set()

        def announce(stage: str, done: int, total: int) -> None:
            if stage not in started:
                started.add(stage)
                err.print(f"{stage} {total:,} {'files' if stage == 'reading' else 'records'}…")

        yield announce
        return
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update
