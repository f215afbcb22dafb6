"""``civharm damage aggregate``: volunteers' dating answers to one destruction window per
building, from files alone (without a database) or from the answers stored in the database;
see docs/damage-dating.md."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated

import typer

from civharm.cli.context import err, open_database, out, read_utf8

OUTPUT_COLUMNS = ("building", "before", "after", "method", "answers", "agreement", "disputed")


def aggregate(
    ctx: typer.Context,
    answers: Annotated[Path | None, typer.Argument(
        help="CSV of answers: task, volunteer, building, dates_shown, answer_before, "
        "answer_after, gold. Without it, the answers stored in the database (given in the "
        "web app or imported with 'damage answers import') are combined.",
        show_default=False)] = None,
    gold: Annotated[Path | None, typer.Option(help="CSV of gold answers: task, building, "
                                              "before, after.")] = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="Write the windows to this "
                                                  "CSV.")] = None,
    truth: Annotated[Path | None, typer.Option(help="Score the windows against a truth table "
                                               "(SiteID, destroyed_on), e.g. a simulation's "
                                               "truth/damage.csv.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    store: Annotated[bool, typer.Option(
        "--store/--no-store", help="From the database: keep the windows there, replacing "
        "those kept before, so that incident pages show them. Ignored with a file.")] = True,
) -> None:
    """Combine volunteers' answers (last image before, first image after the destruction)
    into one window per building: a weighted vote and Dawid–Skene, side by side."""
    from civharm.analysis import volunteer_dating as vd
    from civharm.services.errors import UserError

    if answers is None and gold is not None:
        raise UserError("--gold goes with an answers file; the database's tasks carry their "
                        "own gold answers")
    files = ([(answers, "answers")] if answers else []) + ([(gold, "gold")] if gold else []) \
        + ([(truth, "truth")] if truth else [])
    texts = {kind: (path, read_utf8(path, "CSV")) for path, kind in files}
    try:
        if answers is not None:
            read = vd.read_answers(texts["answers"][1], texts["answers"][0].name)
            known = vd.read_gold(texts["gold"][1], texts["gold"][0].name) if gold else {}
        dates = vd.read_truth(texts["truth"][1], texts["truth"][0].name) if truth else None
    except vd.DatingInputError as error:
        for problem in error.problems:
            err.print(str(problem), markup=False)
        raise UserError(f"{len(error.problems)} problem(s) in the input; nothing aggregated") \
            from None
    if answers is None:
        open_database(ctx)
        from civharm.services.dating_tasks import store_windows, stored_answers

        read, known = stored_answers()
        if not read:
            raise UserError("the database holds no dating answers yet: create tasks with "
                            "'civharm damage tasks create' and let volunteers answer them, "
                            "or give an answers file")
        result = store_windows()[1] if store else vd.aggregate(read, known)
    elif not read:
        raise UserError(f"{answers.name}: no answers")
    else:
        result = vd.aggregate(read, known)
    rows = [w.as_row() for w in result.windows]
    if out_path is not None:
        with open(out_path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=OUTPUT_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    evaluation = vd.evaluate(result.windows, read, dates) if dates is not None else None
    disputed = sum(w.disputed for w in result.windows)
    by_ds = sum(w.method == "dawid-skene" for w in result.windows)
    if as_json:
        document: dict[str, object] = {
            "buildings": len(result.windows), "answers": len(read),
            "volunteers": len(result.scores), "gold_tasks": len(known),
            "disputed": disputed, "dawid_skene_windows": by_ds,
            "prior_accuracy": {"before": result.prior_before, "after": result.prior_after},
            "windows": rows if out_path is None else str(out_path)}
        if evaluation is not None:
            document["evaluation"] = evaluation.as_json()
        out.print(json.dumps(document, ensure_ascii=False), markup=False)
        return
    out.print(f"{len(read):,} answers from {len(result.scores):,} volunteers on "
              f"{len(result.windows):,} buildings ({len(known):,} gold tasks).", markup=False)
    out.print(f"Windows: {by_ds:,} by Dawid–Skene, {len(result.windows) - by_ds:,} by weighted "
              f"vote; {disputed:,} disputed.", markup=False)
    if answers is None and store:
        out.print("Kept in the database: incident pages show these windows for the buildings "
                  "near them.", markup=False)
    if out_path is not None:
        out.print(f"Written to {out_path}.", markup=False)
    else:
        for row in rows:
            out.print(",".join(row[c] for c in OUTPUT_COLUMNS), markup=False)
    if evaluation is not None:
        summary = evaluation.as_json()
        out.print(f"Against the truth: {evaluation.accuracy:.1%} of {evaluation.buildings:,} "
                  f"windows right (weighted vote {evaluation.weighted_accuracy:.1%}"
                  + (f", Dawid–Skene {evaluation.dawid_skene_accuracy:.1%}"
                     if evaluation.dawid_skene_accuracy is not None else "")
                  + f"); mean width {evaluation.mean_width_days:.1f} days.", markup=False)
        if summary["volunteers"]:
            out.print(f"Volunteers with 10+ buildings: {summary['volunteers']}, best "
                      f"{summary['best_volunteer_accuracy']:.1%}, median "
                      f"{summary['median_volunteer_accuracy']:.1%}.", markup=False)
