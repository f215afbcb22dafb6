"""Language choice and security headers for every response."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

LANGUAGE_COOKIE = "civharm_lang"
_SUPPORTED = {code for code, _ in settings.LANGUAGES}

# Everything the pages load comes from this server: no CDN, no tile server, no web font
# service. Inline scripts are not allowed; inline styles only for the sizes of map markers
# and chart bars the server computes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def chosen_language(request: HttpRequest) -> str:
    """``?lang=ar`` first, then the language chosen before (a cookie), then the browser's."""
    asked = request.GET.get("lang", "").strip().lower()
    if asked in _SUPPORTED:
        return asked
    remembered = request.COOKIES.get(LANGUAGE_COOKIE, "")
    if remembered in _SUPPORTED:
        return remembered
    browser = translation.get_language_from_request(request, check_path=False)
    return browser if browser in _SUPPORTED else settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Serve each page in the language its reader chose; remember an explicit choice."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        vary = response.headers.get("Vary")
        response.headers["Vary"] = "Accept-Language, Cookie" if not vary else f"{vary}, Accept-Language"
        if request.GET.get("lang", "").strip().lower() in _SUPPORTED:
            response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600,
                                samesite="Lax", httponly=True)
        translation.deactivate()
        return response


class SecurityHeadersMiddleware:
    """A strict content security policy and a referrer policy on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        return response
