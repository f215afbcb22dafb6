"""Who is asking the API, and the one helper every endpoint calls before it answers.

A request is made by an API token (``Authorization: Bearer chm_...``), by a signed-in
session (the workspace's sign-in), or by the public. A token that is unknown, revoked or
expired is refused with 401 rather than treated as the public: a client that meant to sign
in must learn that it did not. Writes made with a session need the CSRF token; writes made
with a token do not (a browser never adds the header by itself).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from civharm.domain.permissions import Action, Decision, Subject
from civharm.services import accounts
from civharm.services.access import PUBLIC, Principal, check, principal_for, require
from civharm.services.api_queries import Visibility

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class NotAuthenticated(Exception):
    """Credentials were given and cannot be used: answered with 401."""


class CsrfRefused(Exception):
    """A write made with a session came without its CSRF token: answered with 403."""


class TokenAuth(HttpBearer):
    """``Authorization: Bearer chm_...``: an API token made with ``civharm user token add``."""

    def __call__(self, request: HttpRequest) -> Principal | None:
        value = request.headers.get(self.header)
        if value is None:
            return None
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("the Authorization header must be 'Bearer <token>'")
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        try:
            return accounts.authenticate_token(token)
        except accounts.TokenRefused as refused:
            raise NotAuthenticated(str(refused)) from None


class SessionAuth(APIKeyCookie):
    """The session cookie of someone signed in to the workspace."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = getattr(request, "user", None)
        if not key or user is None or not user.is_authenticated:
            return None
        account = getattr(user, "account", None)
        if account is None:  # a Django user without a civharm role: the public
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise CsrfRefused()
        return principal_for(account)


def anonymous(request: HttpRequest) -> Principal:
    return PUBLIC


AUTH: list[Any] = [TokenAuth(), SessionAuth(), anonymous]


def principal(request: HttpRequest) -> Principal:
    found = getattr(request, "auth", None)
    return found if isinstance(found, Principal) else PUBLIC


def allow(request: HttpRequest, action: Action, subject: Subject | None = None,
          target: str = "") -> Principal:
    """The one permission check of every endpoint: :func:`civharm.services.access.require`
    for the asker (a refusal is audited and answered with 403). Returns the principal."""
    asker = principal(request)
    require(asker, action, subject, target=target)
    return asker


def allow_reading(request: HttpRequest, target: str = "") -> tuple[Principal, Visibility]:
    """Reading the record: the internal record for those who may see it, the published one
    for everyone else; and what the asker may see beyond the published record, each part
    decided by the permission function."""
    asker = principal(request)
    reading = Action.VIEW_INTERNAL if check(asker, Action.VIEW_INTERNAL) else Action.VIEW_PUBLIC
    decision: Decision = require(asker, reading, target=target)
    internal = bool(decision) and reading is Action.VIEW_INTERNAL
    visibility = Visibility(
        unpublished=bool(check(asker, reading, Subject("source", public=False))),
        confidential=bool(check(asker, Action.VIEW_WITNESSES,
                                Subject("source", public=False, confidential=True))),
        internal=internal,
    )
    return asker, visibility
