"""Serve the web app with waitress: a production WSGI server in pure Python, so that
``civharm serve`` needs nothing else installed and behaves the same on every machine."""

from __future__ import annotations

from collections.abc import Callable


def serve(host: str, port: int, threads: int = 8,
          announce: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted. Static files come from the app itself (WhiteNoise)."""
    from waitress import serve as waitress_serve

    from civharm.site.wsgi import application

    if announce is not None:
        shown = f"[{host}]" if ":" in host else host
        announce(f"http://{shown}:{port}/")
    waitress_serve(application, host=host, port=port, threads=threads, ident="civharm",
                   clear_untrusted_proxy_headers=True, _quiet=True)
