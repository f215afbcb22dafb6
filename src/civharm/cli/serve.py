"""``civharm serve``: the web app on the chosen database."""

from __future__ import annotations

from typing import Annotated

import typer

from civharm.cli.context import open_database, out

HostOption = Annotated[str, typer.Option("--host", help="Address to listen on. Keep "
                                         "127.0.0.1 unless a reverse proxy with HTTPS is in "
                                         "front.")]
PortOption = Annotated[int, typer.Option("--port", help="Port to listen on.")]


def announce(url: str) -> None:
    out.print(f"Serving the public site at {url}, the workspace at {url}workspace/ and the "
              f"API at {url}api/v1/ (its documentation at {url}api/docs). Press Ctrl-C to "
              "stop.", markup=False)


def serve(ctx: typer.Context, host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Serve the web app: the public site, the investigators' workspace and the JSON API."""
    description = open_database(ctx)
    from civharm.web.server import serve as run_server

    out.print(f"Database: {description}", markup=False)
    run_server(host, port, announce=announce)
