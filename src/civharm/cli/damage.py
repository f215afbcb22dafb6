"""The ``damage`` commands: import satellite damage assessments and report damage figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from civharm.cli import damage_dating, damage_tasks
from civharm.cli.context import open_database, out, simulated_banner
from civharm.cli.render import print_table
from civharm.services.errors import UserError

if TYPE_CHECKING:
    from civharm.services.damage import IncidentDamageCheck

damage_app = typer.Typer(
    help="Satellite damage assessments (UNOSAT-style CSV, GeoJSON or shapefile): import them "
    "and count damaged and destroyed sites per imagery date; volunteers' dating tasks and "
    "their destruction windows. See docs/damage.md and docs/damage-dating.md.",
    no_args_is_help=True,
)

BY_CHOICES = ("city", "neighbourhood")


@damage_app.command("import")
def damage_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A .csv, .geojson, or a "
                                         "shapefile (.shp, or a .zip holding one).",
                                         show_default=False)],
    product: Annotated[str, typer.Option("--product", help="The assessment product the file "
                                         "belongs to.")] = "UNOSAT",
    codes: Annotated[
        str | None,
        typer.Option("--codes", help='The product\'s class codes, replacing the default '
                     '"1=destroyed,2=severe,3=moderate,4=possible,6=none,11=possible".',
                     show_default=False),
    ] = None,
) -> None:
    """Import a damage assessment. Every cell is checked first; a file with any problem
    writes nothing, and importing it again changes nothing."""
    from civharm.analysis.damage_assessments import CodesError, parse_codes

    table = None
    if codes is not None:
        try:
            table = parse_codes(codes)
        except CodesError as error:
            raise UserError(f"--codes: {error}") from None
    open_database(ctx)
    from civharm.cli.progress import progress_bar
    from civharm.services.damage import import_damage

    with progress_bar() as progress:
        report = import_damage(file, product=product, codes=table, progress=progress)
    if not report.changed:
        out.print(f"Nothing changed: the {report.observations:,} observations of "
                  f"{report.sites:,} sites in {report.file} are already in the database.",
                  markup=False)
        return
    out.print(f"Imported {report.file} as {report.product}: {report.sites:,} sites, "
              f"{report.observations:,} observations ({report.created:,} new, "
              f"{report.updated:,} updated, {report.unchanged:,} unchanged).", markup=False)


@damage_app.command("stats")
def damage_stats(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help="city, or neighbourhood to add each "
                                    "neighbourhood's figures.")] = "city",
    product: Annotated[str | None, typer.Option("--product", help="Only this product.",
                                                show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Sites assessed, damaged (any class worse than none) and destroyed, per imagery date,
    with their shares of the sites assessed on that date."""
    if by not in BY_CHOICES:
        raise UserError(f"--by must be one of {', '.join(BY_CHOICES)}, not {by!r}")
    open_database(ctx)
    from civharm.services.damage import damage_figures

    simulated_banner()
    figures = damage_figures(product=product, by_neighbourhood=by == "neighbourhood")
    if as_json:
        out.print_json(json.dumps([f.as_json() for f in figures], ensure_ascii=False))
        return
    rows = [{"product": f.product, "area": f.area, "date": f.observed_on.isoformat(),
             "assessed": f"{f.assessed:,}", "damaged": f"{f.damaged:,}",
             "damaged_%": f"{100 * f.damaged_share:.1f}", "destroyed": f"{f.destroyed:,}",
             "destroyed_%": f"{100 * f.destroyed_share:.1f}",
             "destroyed_or_severe_%": f"{100 * f.destroyed_or_severe_share:.1f}"}
            for f in figures]
    products = sorted({f.product for f in figures})
    columns = ["area", "date", "assessed", "damaged", "damaged_%", "destroyed", "destroyed_%",
               "destroyed_or_severe_%"]
    if len(products) == 1:
        print_table(rows, columns, f"Damage assessments ({products[0]})")
    else:
        print_table(rows, ["product", *columns], "Damage assessments")
    if rows:
        out.print("Damaged = any class worse than none (possible, moderate, severe, destroyed). "
                  "Shares are of the sites assessed on that date. An \"uninhabitable\" share "
                  "would be destroyed or severe, not damaged.", markup=False)


@damage_app.command("unmatched")
def damage_unmatched(
    ctx: typer.Context,
    radius: Annotated[float, typer.Option("--radius", help="Metres around the incident.")] = 500,
    days_before: Annotated[int, typer.Option("--days-before", help="Days before the "
                                             "incident's first day.")] = 14,
    days_after: Annotated[int, typer.Option("--days-after", help="Days after the incident's "
                                            "last day.")] = 90,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Incidents placed at neighbourhood level or finer with no site seen destroyed or
    severely damaged near them, for a second look; those no imagery covers are listed as not
    assessed. See docs/damage.md."""
    open_database(ctx)
    from civharm.services.damage import incidents_without_destruction

    simulated_banner()
    report = incidents_without_destruction(radius, days_before, days_after)
    if as_json:
        out.print_json(json.dumps(report.as_json(), ensure_ascii=False))
        return
    out.print(f"{report.checked:,} incidents placed at neighbourhood level or finer "
              f"({report.imprecise:,} others left out): {report.with_destruction:,} with a "
              f"site seen destroyed or severely damaged within {report.radius_m:g} m from "
              f"{report.days_before} days before to {report.days_after} days after.",
              markup=False)
    columns = ["code", "date", "place", "precision", "sites_assessed"]

    def rows(found: list[IncidentDamageCheck]) -> list[dict[str, object]]:
        return [{"code": i.code, "date": i.date_start.isoformat()
                 + ("" if i.date_end == i.date_start else f" – {i.date_end.isoformat()}"),
                 "place": i.place, "precision": i.geo_precision,
                 "sites_assessed": f"{i.sites_assessed:,}"} for i in found]

    print_table(rows(report.unmatched), columns,
                "Incidents with no destruction seen nearby, for a second look")
    print_table(rows(report.not_assessed), columns[:-1],
                "Incidents not assessed (no imagery of their place from their date)")


damage_app.command("aggregate")(damage_dating.aggregate)
damage_app.add_typer(damage_tasks.tasks_app, name="tasks")
damage_app.add_typer(damage_tasks.answers_app, name="answers")
