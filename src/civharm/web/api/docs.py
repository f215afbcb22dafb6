"""The API's documentation page under the site's Content-Security-Policy.

django-ninja's own page would load Swagger UI from a CDN (ninja is not an installed app here,
so its static files are not collected). This page loads the Swagger UI files that ninja ships,
served from this server, and starts it from a static script: no inline script, no other host.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import DocsBase

from civharm.web.api.errors import problem

if TYPE_CHECKING:
    from ninja import NinjaAPI

ASSETS = Path(ninja.__file__).resolve().parent / "static" / "ninja"
SERVED = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon.svg", "favicon.png"})


class Docs(DocsBase):
    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {"url": self.get_openapi_url(api, kwargs), "layout": "BaseLayout",
                    "deepLinking": True}
        return render(request, "api/docs.html", {
            "settings_json": json.dumps(settings),
            "title": api.title,
            "csrf_value": get_token(request),
            "asset": reverse(f"{api.urls_namespace}:docs-asset", args=["-"])[:-1],
        })


def asset(request: HttpRequest, name: str) -> HttpResponse:
    """One of the Swagger UI files django-ninja ships, and nothing else."""
    if name not in SERVED:
        return problem(404, "no such file")
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse((ASSETS / name).open("rb"), content_type=kind)
    response["Cache-Control"] = "public, max-age=86400"
    return response
