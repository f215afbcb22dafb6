"""Every answer that is not a success: JSON ``{"detail": ..., "error_id"?: ...}``, never a
traceback, SQL or data. An unexpected failure is kept under an error id for the
administrator (:func:`civharm.services.failures.keep_failure`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from civharm.services.errors import NotFound, PermissionDenied, UserError
from civharm.services.failures import keep_failure
from civharm.web.api.auth import CsrfRefused, NotAuthenticated


def problem(status: int, detail: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def not_authenticated(request: HttpRequest, error: Exception) -> HttpResponse:
    message = str(error) if isinstance(error, NotAuthenticated) else "not signed in"
    response = problem(401, message)
    response["WWW-Authenticate"] = 'Bearer realm="civharm"'
    return response


def denied(request: HttpRequest, error: Exception) -> HttpResponse:
    return problem(403, str(error))


def csrf_refused(request: HttpRequest, error: Exception) -> HttpResponse:
    return problem(403, "CSRF check failed: a write made with a session needs the "
                        "X-CSRFToken header (or use an API token)")


def not_found(request: HttpRequest, error: Exception) -> HttpResponse:
    detail = str(error) if isinstance(error, NotFound) else "not found"
    return problem(404, detail)


def user_error(request: HttpRequest, error: Exception) -> HttpResponse:
    return problem(422, str(error))


def invalid(request: HttpRequest, error: Exception) -> HttpResponse:
    """Which parameter is wrong and why; the value sent is not echoed back."""
    errors = []
    for found in getattr(error, "errors", []):
        location = [str(part) for part in found.get("loc", ())]
        errors.append({"loc": location, "msg": str(found.get("msg", "invalid"))})
    return problem(422, "the request's parameters are not valid", errors=errors)


def http_error(request: HttpRequest, error: Exception) -> HttpResponse:
    status = getattr(error, "status_code", 400)
    if not isinstance(status, int) or not 400 <= status < 500:
        return failure(request, error)
    return problem(status, str(error) if status != 400 else "the request cannot be read")


def bad_request(request: HttpRequest, error: Exception) -> HttpResponse:
    return problem(400, "the request cannot be read")


def failure(request: HttpRequest, error: Exception) -> HttpResponse:
    error_id, _ = keep_failure(error)
    return problem(500, "something went wrong on the server; give the administrator this "
                        "error id", error_id=error_id)


HANDLERS: list[tuple[type[Exception], Any]] = [
    (Exception, failure),
    (SuspiciousOperation, bad_request),
    (HttpError, http_error),
    (AuthenticationError, not_authenticated),
    (NotAuthenticated, not_authenticated),
    (CsrfRefused, csrf_refused),
    (PermissionDenied, denied),
    (Http404, not_found),
    (NotFound, not_found),
    (UserError, user_error),
    (ValidationError, invalid),
]
