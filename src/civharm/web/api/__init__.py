"""The JSON API: ``/api/v1/...``, its OpenAPI schema at ``/api/openapi.json`` and its
documentation page at ``/api/docs`` (see docs/api.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path, reverse
from ninja import NinjaAPI

from civharm import __version__
from civharm.web.api import docs, errors, v1
from civharm.web.api.auth import AUTH

DESCRIPTION = """\
The civharm record as JSON. Anyone may read the published record; signed-in users (a session,
or an API token sent as `Authorization: Bearer chm_...`) see what their role and the token's
scopes allow. Lists are paginated with `limit` and `offset`. Errors are JSON:
`{"detail": "...", "error_id": "..."}`.
"""


class CivharmApi(NinjaAPI):
    """NinjaAPI with JSON answers for every path under it, and the docs page's assets."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        found = [u for u in super()._get_urls()
                 if getattr(u, "name", None) != "api-root"]
        return [
            path("docs/assets/<str:name>", docs.asset, name="docs-asset"),
            *found,
            path("", api_home, name="api-root"),
            re_path(r"^.*$", unknown_path),
        ]

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """As ninja makes it, with the public allowed too: the security requirement of every
        operation lists the empty requirement (no credentials) beside the token and the
        session, since anyone may ask and the answer depends on who asks."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if isinstance(operation, dict) and operation.get("security"):
                    operation["security"] = [*operation["security"], {}]
        return schema


def api_home(request: HttpRequest) -> HttpResponse:
    root = reverse("api:api-root")
    return JsonResponse({"v1": f"{root}v1/", "docs": f"{root}docs",
                                "openapi": f"{root}openapi.json"})


def unknown_path(request: HttpRequest) -> HttpResponse:
    return errors.problem(404, "no such API endpoint; see /api/docs")


api = CivharmApi(title="civharm", version=f"1 ({__version__})", description=DESCRIPTION,
                 docs=docs.Docs(), docs_url="/docs", urls_namespace="api", auth=AUTH)
for error_class, handler in errors.HANDLERS:
    api.add_exception_handler(error_class, handler)
api.add_router("/v1/", v1.router)

__all__ = ["api"]
