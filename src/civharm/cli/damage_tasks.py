"""The ``damage tasks`` and ``damage answers`` commands: building-dating tasks for volunteers
and the answers given to them elsewhere. See docs/damage-dating.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from civharm.cli.context import open_database, out

tasks_app = typer.Typer(
    help="Building-dating tasks: volunteers step through a building's images in the web app "
    "and mark the last image before and the first image after its destruction.",
    no_args_is_help=True,
)
answers_app = typer.Typer(help="Volunteers' dating answers given outside the web app.",
                          no_args_is_help=True)


@tasks_app.command("create")
def tasks_create(
    ctx: typer.Context,
    manifest: Annotated[Path, typer.Argument(
        metavar="MANIFEST", help="CSV with one row per image: task, building, taken_on, image "
        "(a PNG or JPEG file, named relative to the manifest's folder).", show_default=False)],
    gold: Annotated[Path | None, typer.Option(
        "--gold", help="CSV of gold answers (task, building, before, after): tasks whose "
        "right answer is known, to score the volunteers.", show_default=False)] = None,
    answers_wanted: Annotated[int, typer.Option(
        "--answers-wanted", help="Volunteers to see each building before it counts as "
        "done.")] = 3,
) -> None:
    """Create dating tasks. Every row, image and gold answer is checked first; a manifest
    with any problem creates nothing, and creating the same tasks again changes nothing. The
    images go into the evidence store."""
    open_database(ctx)
    from civharm.cli.progress import progress_bar
    from civharm.services.dating_tasks import create_tasks

    with progress_bar() as progress:
        made = create_tasks(manifest, gold=gold, answers_wanted=answers_wanted,
                            progress=progress)
    if not made.created:
        out.print(f"Nothing changed: the {made.tasks:,} tasks of {made.file} already exist.",
                  markup=False)
        return
    out.print(f"Created {made.created:,} dating tasks from {made.file} ({made.gold:,} gold, "
              f"{made.unchanged:,} already there), {made.images:,} images "
              f"({made.files_stored:,} files new to the evidence store).", markup=False)


@tasks_app.command("status")
def tasks_status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """How far the volunteers have got: tasks, gold tasks, answers, and tasks with all the
    answers they want."""
    open_database(ctx)
    from civharm.services.dating_tasks import task_summary

    summary = task_summary()
    if as_json:
        out.print(json.dumps(summary.as_json()), markup=False)
        return
    out.print(f"{summary.tasks:,} dating tasks ({summary.gold:,} gold): {summary.answers:,} "
              f"answers from {summary.volunteers:,} volunteers ({summary.web_answers:,} in the "
              f"web app); {summary.complete:,} tasks have all the answers they want.",
              markup=False)


@answers_app.command("import")
def answers_import(
    ctx: typer.Context,
    answers: Annotated[Path, typer.Argument(
        metavar="ANSWERS", help="CSV of answers: task, volunteer, building, dates_shown, "
        "answer_before, answer_after, gold.", show_default=False)],
) -> None:
    """Import answers to tasks already created. All or nothing; importing a file again
    changes nothing."""
    open_database(ctx)
    from civharm.services.dating_tasks import import_answers

    report = import_answers(answers)
    if not report.created:
        out.print(f"Nothing changed: the {report.answers:,} answers in {report.file} are "
                  "already in the database.", markup=False)
        return
    out.print(f"Imported {report.created:,} answers from {report.file} "
              f"({report.unchanged:,} already there).", markup=False)
