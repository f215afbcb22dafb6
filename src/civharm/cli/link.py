"""``civharm link``: find the persons named on several victim lists: in CSV files (no
database needed), or among the database's victim records."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from civharm.cli.context import err, open_database, out, simulated_banner

if TYPE_CHECKING:
    from civharm.analysis.linkage import LinkageSettings, TrainedModel

link_app = typer.Typer(help="Link named victims across lists: which records name one person.",
                       no_args_is_help=True)


@link_app.command("victims")
def victims(
    ctx: typer.Context,
    lists: Annotated[list[Path] | None, typer.Argument(
        metavar="[LISTS.csv...]", show_default=False,
        help="CSV lists with columns source,record_id,name and optionally sex,age,date_of_death,"
             "place (also name_alt, age_min, age_max). Names in any script. Without lists, "
             "the database's victim records are linked into people.")] = None,
    out_path: Annotated[Path | None, typer.Option(
        "--out", metavar="CLUSTERS.csv", show_default=False,
        help="With lists: where to write source,record_id,person_id, one row per input record; "
             "one person_id per person.")] = None,
    threshold: Annotated[float | None, typer.Option(
        help="Match probability from which two records are one person (0 to 1). Default: the "
             "engine's (0.7).", show_default=False)] = None,
    backend: Annotated[str, typer.Option(help="duckdb, or spark for very large lists.")] = "duckdb",
    model: Annotated[Path | None, typer.Option(
        "--model", metavar="PATH", help="Reuse a trained model (Splink JSON from --save-model) "
        "instead of training on these lists.", show_default=False)] = None,
    save_model: Annotated[Path | None, typer.Option(
        "--save-model", metavar="PATH", help="Write the trained model here for reuse.",
        show_default=False)] = None,
) -> None:
    """Link victim records across lists (and duplicates within a list) with Arabic-aware
    probabilistic record linkage, and write each record's person id. Without lists, link
    the database's records into people, keeping analysts' decisions and queueing uncertain
    pairs for `civharm review`."""
    from civharm.analysis.linkage import (
        ConflictingDecisions,
        LinkageInputError,
        link,
        read_victim_lists,
        write_clusters,
    )
    from civharm.cli.progress import progress_bar
    from civharm.services.errors import UserError

    if threshold is not None and not 0 < threshold < 1:
        raise UserError(f"--threshold {threshold:g} must be between 0 and 1")
    if backend not in ("duckdb", "spark"):
        raise UserError(f"--backend {backend!r} must be duckdb or spark")
    if not lists:
        if out_path is not None:
            raise UserError("--out goes with lists to link; without lists the database is linked")
        _link_database(ctx, threshold, backend, model, save_model)
        return
    if out_path is None:
        raise UserError("give --out CLUSTERS.csv for the person ids of the lists' records")
    if not out_path.parent.is_dir():
        raise UserError(f"cannot write {out_path}: folder {out_path.parent} does not exist")
    try:
        records = read_victim_lists(lists)
    except LinkageInputError as error:
        raise UserError(str(error)) from None
    if not records:
        raise UserError("the lists hold no records")
    trained = _trained(model)
    settings = _settings(threshold, backend)
    with progress_bar() as progress:
        try:
            result = link(records, settings, trained, progress=progress)
        except (LinkageInputError, ConflictingDecisions) as error:
            raise UserError(str(error)) from None
    write_clusters(out_path, records, result.clusters)
    if save_model is not None:
        result.model.save(save_model)
    persons = result.persons()
    sources = {r.source for r in records}
    duplicates = sum(1 for keys in persons.values() if len({k[0] for k in keys}) < len(keys))
    out.print(f"Linked {len(records):,} records from {len(sources):,} list(s) into {len(persons):,} "
              f"persons; {duplicates:,} person(s) appear twice on one list. Wrote {out_path}.",
              markup=False)
    if len(result.uncertain):
        out.print(f"{len(result.uncertain):,} pair(s) scored between {settings.review_band[0]:g} and "
                  f"{settings.review_band[1]:g}: worth a reviewer's look.", markup=False)
    for note in result.model.notes:
        err.print(f"note: {note}", markup=False)


def _trained(model: Path | None) -> TrainedModel | None:
    """The model saved at ``model`` (--model), or None to train afresh."""
    from civharm.analysis.linkage import TrainedModel
    from civharm.services.errors import UserError

    if model is None:
        return None
    try:
        return TrainedModel.load(model)
    except ValueError as error:
        raise UserError(str(error)) from None


def _settings(threshold: float | None, backend: str) -> LinkageSettings:
    from civharm.analysis.linkage import LinkageSettings

    return LinkageSettings(backend=backend) if threshold is None else \
        LinkageSettings(threshold=threshold, backend=backend)


def _link_database(ctx: typer.Context, threshold: float | None, backend: str, model: Path | None,
                   save_model: Path | None) -> None:
    from civharm.cli.progress import progress_bar

    trained = _trained(model)
    open_database(ctx)
    from civharm.services.linkage import link_victims

    settings = _settings(threshold, backend)
    with progress_bar() as progress:
        report = link_victims(settings, trained, progress=progress, keep_model=save_model)
    simulated_banner()
    out.print(f"Linked {report.records:,} named victim records into {report.people:,} people "
              f"({report.kept_keys:,} kept their person key, {report.new_keys:,} new); "
              f"{report.decisions_obeyed:,} analyst decision(s) obeyed; {report.in_review:,} "
              "uncertain pair(s) wait in the review queue (civharm review next).", markup=False)
