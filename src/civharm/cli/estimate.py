"""``civharm estimate``: how many died, documented and undocumented (MSE)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from civharm.cli.context import err, open_database, out, read_utf8, simulated_banner

if TYPE_CHECKING:
    from civharm.analysis.estimation import Comparison, Estimate, LcmcrSettings

estimate_app = typer.Typer(
    help="Estimate the total dead, the undocumented included, by multiple systems estimation. "
    "Without a subcommand: from the database's linked victims, stored with its inputs.",
    invoke_without_command=True,
)

Method = Annotated[str, typer.Option(help="lcmcr (Bayesian latent classes, the default) or loglinear.")]
Seed = Annotated[int, typer.Option(help="Random seed: the same seed gives the same figure.")]
AsJson = Annotated[bool, typer.Option("--json", help="One JSON object.")]
CapturePrior = Annotated[str, typer.Option(
    "--capture-prior", metavar="A,B",
    help="LCMCR's Beta(A, B) prior on each list's chance of naming a person of a hidden "
    "class. The default 0.5,1 leans towards lists that miss people, which keeps the interval "
    "honest when some people are hard to reach; 1,1 is the flat prior of the R package LCMCR, "
    "a check of how much the figure owes to the prior (docs/estimation-validation.md).")]


def _lcmcr_settings(prior: str) -> LcmcrSettings:
    """The default LCMCR settings with the capture prior ``A,B``."""
    import dataclasses
    import math

    from civharm.analysis.estimation.lcmcr import DEFAULT_LCMCR
    from civharm.services.errors import UserError

    parts = [p.strip() for p in prior.split(",")]
    try:
        a, b = (float(p) for p in parts)
    except ValueError:
        raise UserError(f"--capture-prior takes two numbers, A,B (such as 0.5,1), not "
                        f"{prior!r}") from None
    if not all(math.isfinite(v) and v > 0 for v in (a, b)):
        raise UserError("--capture-prior: both numbers must be positive")
    return dataclasses.replace(DEFAULT_LCMCR, capture_a=a, capture_b=b)


def _number(value: float) -> str:
    return "∞" if value == float("inf") else f"{value:,.0f}"


def render(chosen: Estimate, comparison: Comparison, title: str = "") -> None:
    if title:
        out.print(f"[bold]{title}[/]")
    out.print(f"{chosen.observed:,} people documented on {len(chosen.lists)} lists "
              f"({', '.join(chosen.lists)}).", markup=False)
    out.print(f"Estimated total: [bold]{_number(chosen.estimate)}[/] "
              f"({chosen.level:.0%} interval {_number(chosen.lower)}–{_number(chosen.upper)}), "
              f"by {chosen.method}; about {_number(max(chosen.undocumented, 0))} undocumented.")
    others = [e for e in comparison.estimates if e.method != chosen.method]
    for other in others:
        out.print(f"  beside it, {other.method}: {_number(other.estimate)} "
                  f"({_number(other.lower)}–{_number(other.upper)})", markup=False)
    warnings = list(dict.fromkeys([*chosen.warnings, *comparison.warnings]))
    for warning in warnings:
        out.print(f"  [yellow]warning:[/] {warning}")


def _result_json(chosen: Estimate, comparison: Comparison) -> dict[str, object]:
    document = chosen.as_json()
    document["warnings"] = list(dict.fromkeys([*chosen.warnings, *comparison.warnings]))
    document["compared"] = [e.as_json() for e in comparison.estimates if e.method != chosen.method]
    return document


def _method(method: str) -> str:
    from civharm.analysis.estimation import METHODS
    from civharm.services.errors import UserError

    if method not in METHODS:
        raise UserError(f"--method must be one of {', '.join(METHODS)}, not {method!r}")
    return method


@estimate_app.command("mse")
def mse(
    table: Annotated[Path, typer.Argument(help="CSV: one 0/1 column per list, then `count`; one row "
                                          "per observed capture pattern.", show_default=False)],
    method: Method = "lcmcr",
    seed: Seed = 1,
    capture_prior: CapturePrior = "0.5,1",
    as_json: AsJson = False,
) -> None:
    """Estimate from a capture table. Both methods are run; the other is shown beside the
    chosen one, with a warning when they disagree."""
    from civharm.analysis.estimation import (
        METHODS,
        CaptureTableError,
        EstimationError,
        read_capture_table,
        side_by_side,
    )
    from civharm.services.errors import UserError

    chosen_method = _method(method)
    settings = _lcmcr_settings(capture_prior)
    text = read_utf8(table, "CSV")
    try:
        capture = read_capture_table(text)
    except CaptureTableError as error:
        for problem in error.problems:
            err.print(f"{table.name}: {problem}", markup=False)
        raise UserError(f"{table.name}: {len(error.problems)} problem(s); nothing estimated") from None
    try:
        comparison = side_by_side(capture, METHODS, seed=seed, lcmcr=settings)
    except EstimationError as error:
        raise UserError(str(error)) from None
    chosen = next(e for e in comparison.estimates if e.method == chosen_method)
    if as_json:
        out.print(json.dumps(_result_json(chosen, comparison), ensure_ascii=False), markup=False)
        return
    render(chosen, comparison)
    _say_prior(settings)


def _say_prior(settings: LcmcrSettings) -> None:
    from civharm.analysis.estimation.lcmcr import DEFAULT_LCMCR

    default = (DEFAULT_LCMCR.capture_a, DEFAULT_LCMCR.capture_b)
    if (settings.capture_a, settings.capture_b) != default:
        out.print(f"LCMCR's prior on capture probabilities: Beta({settings.capture_a:g}, "
                  f"{settings.capture_b:g}), not the default Beta({default[0]:g}, {default[1]:g}).",
                  markup=False)


@estimate_app.callback()
def from_database(
    ctx: typer.Context,
    method: Method = "lcmcr",
    seed: Seed = 1,
    by: Annotated[str, typer.Option(help="Stratify: none, month or neighbourhood; strata are "
                                    "estimated apart and summed.")] = "none",
    lists: Annotated[str, typer.Option(help="Source keys to treat as lists, ';' between them. "
                                       "Default: every source naming at least 5% of the people; "
                                       "the rest are pooled as one list.")] = "",
    capture_prior: CapturePrior = "0.5,1",
    as_json: AsJson = False,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    chosen_method = _method(method)
    settings = _lcmcr_settings(capture_prior)
    open_database(ctx)
    import getpass

    from civharm.services.estimation import estimate_from_database

    result = estimate_from_database(chosen_method, seed=seed, by=by,
                                    lists=[k for k in lists.split(";") if k.strip()],
                                    made_by=getpass.getuser(), lcmcr=settings)
    if as_json:
        document = _result_json(result.total, result.comparison)
        document["stored_as"] = result.stored_id
        document["strata"] = {name: e.as_json() for name, e in result.strata}
        out.print(json.dumps(document, ensure_ascii=False), markup=False)
        return
    simulated_banner()
    render(result.total, result.comparison,
           title="Multiple systems estimate from the linked victims"
           + (f", summed over {len(result.strata)} strata by {by}" if result.strata else ""))
    _say_prior(settings)
    out.print(f"Stored as estimate #{result.stored_id}, with its capture table.", markup=False)
