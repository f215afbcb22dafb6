"""``civharm geo``: coordinates and grid references."""

from __future__ import annotations

from typing import Annotated

import typer

from civharm.cli.context import out

geo_app = typer.Typer(help="Grid references and coordinates.", no_args_is_help=True)


@geo_app.command("mgrs")
def mgrs(
    reference: Annotated[str, typer.Argument(help="An MGRS reference, e.g. 37SEV1533573744.")],
) -> None:
    """Print 'lat lon precision_m': the centre of the grid square (WGS84) and its size."""
    from civharm.analysis.mgrs_grid import parse_mgrs
    from civharm.services.errors import UserError

    try:
        point = parse_mgrs(reference)
    except ValueError as error:
        raise UserError(str(error)) from None
    out.print(str(point))
