"""Who is asking, for the workspace's pages: :func:`principal_of` and the :func:`requires`
decorator.

Permissions are decided only by :func:`civharm.services.access.require` (which audits a
refusal); this module only finds the principal of a request and turns a refusal into the
403 page. A person who is not signed in is sent to the sign-in page; a session whose account
has been disabled is flushed on its next request.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from civharm.domain.permissions import Action
from civharm.services.access import PUBLIC, Principal, check, principal_for, require
from civharm.services.errors import PermissionDenied
from civharm.web.errors import denied

View = TypeVar("View", bound=Callable[..., HttpResponse])

_CACHE = "_civharm_principal"


def principal_of(request: HttpRequest) -> Principal:
    """The principal of this request: the signed-in person's (from their account), or
    :data:`PUBLIC`. A session left over from a disabled account is signed out here."""
    cached = getattr(request, _CACHE, None)
    if isinstance(cached, Principal):
        return cached
    principal = _find_principal(request)
    setattr(request, _CACHE, principal)
    return principal


def _find_principal(request: HttpRequest) -> Principal:
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated:
        # Django's backend refuses an inactive user: a session that still names one belongs
        # to an account disabled since it signed in.
        if session is not None and SESSION_KEY in session:
            logout(request)
        return PUBLIC
    from civharm.store.models import Account

    account = Account.objects.select_related("user").filter(user_id=user.pk).first()
    if account is None:
        return PUBLIC
    try:
        return principal_for(account)
    except PermissionDenied:
        logout(request)
        return PUBLIC


def allowed_actions(request: HttpRequest) -> dict[str, bool]:
    """What this request's person may do, by action name, for showing or hiding links (the
    workspace's layout reads it as ``allowed``). Decides nothing: views use :func:`requires`."""
    principal = principal_of(request)
    return {action.value: bool(check(principal, action)) for action in Action}


def forget_principal(request: HttpRequest) -> None:
    """Drop the cached principal (after signing in or out within one request)."""
    if hasattr(request, _CACHE):
        delattr(request, _CACHE)


def login_redirect(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.get_full_path(), login_url=reverse("workspace:login"))


def requires(action: Action | str,
             target: Callable[[dict[str, Any]], str] | None = None) -> Callable[[View], View]:
    """Guard a view: anonymous people go to the sign-in page; a signed-in person must be
    allowed ``action`` by :func:`~civharm.services.access.require` (a refusal is audited
    there, with ``target(kwargs)`` as its target when given) or gets the 403 page. A
    :class:`PermissionDenied` raised by a service inside the view also gives the 403 page.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            principal = principal_of(request)
            if not principal.signed_in:
                return login_redirect(request)
            try:
                require(principal, action, target=target(kwargs) if target else "")
                return view(request, *args, **kwargs)
            except PermissionDenied as refusal:
                return denied(request, refusal)

        return cast(View, wrapped)

    return decorator


def incident_target(kwargs: dict[str, Any]) -> str:
    """The audit target of a view taking an incident ``code``."""
    return f"incident:{kwargs.get('code', '')}"
