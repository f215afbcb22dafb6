"""Error pages: plain words and, for a failure, an error id. Never a traceback, SQL or data."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from civharm.services.failures import keep_failure


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"status": 404, "error_id": None}, status=404)


def denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"status": 403, "error_id": None}, status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"status": 400, "error_id": None}, status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    error = sys.exc_info()[1]
    error_id, _ = keep_failure(error) if error is not None else ("", False)
    return render(request, "web/error.html", {"status": 500, "error_id": error_id}, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its token, or from another site: refused in plain words."""
    return render(request, "web/error.html", {"status": 403, "error_id": None,
                                              "csrf": True}, status=403)
