"""Who is calling: a personal token (``Authorization: Bearer …``) or the browser session.

Both answer 401 when nobody is signed in, and 403 for a signed-in user without a staff role
or a viewer asking to write. The session is accepted so a signed-in agent can read the API
from the browser (and try it in the docs page); writes through the session keep Django's
CSRF check.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from aftersales.core.access import can_write, is_staff_member
from aftersales.people.models import API_AREAS
from aftersales.people.tokens import find_token, scope_allows

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _admit(request: HttpRequest, user: Any) -> Any:
    """Let ``user`` through, or refuse with 403: staff only, and viewers read only."""
    if not is_staff_member(user):
        raise PermissionDenied(_("Your account has no staff role, so it cannot use the API."))
    if request.method not in SAFE_METHODS and not can_write(user):
        raise PermissionDenied(_("Your role is read-only; ask a lead for write access."))
    return user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <personal token>`` (see ``aftersales token create``)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found, reason = find_token(token)
        if found is None:
            # A token was sent but is unknown, revoked or expired: say so, don't fall back to the session.
            if reason == "expired":
                raise AuthenticationError(401, _("The token has expired; ask an admin for a new one."))
            if reason == "revoked":
                raise AuthenticationError(401, _("The token was revoked."))
            raise AuthenticationError(401, _("The token is invalid, expired or revoked."))
        user = found.user
        request.user = user
        request.api_token = found  # type: ignore[attr-defined]
        area = api_area(request.path)
        write = request.method not in SAFE_METHODS
        if not scope_allows(found.scopes or [], area=area, write=write):
            needed = f"{area}:{'write' if write else 'read'}"
            raise PermissionDenied(
                _("The token's scopes (%(scopes)s) do not allow this; it needs %(needed)s or %(level)s.")
                % {"scopes": ", ".join(found.scopes or []) or "-", "needed": needed,
                   "level": "write" if write else "read"}
            )
        return _admit(request, user)


def api_area(path: str) -> str:
    """The area of an API path (``/api/v1/sms/cases/3`` → ``sms``), as named in token scopes."""
    parts = [p for p in path.split("/") if p]
    area = parts[2] if len(parts) > 2 else ""
    return area if area in API_AREAS else "other"


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; CSRF is checked on writes."""

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        # csrf=True tells ninja's docs page to send the X-CSRFToken header; the check itself runs in
        # authenticate(), only once a session user is there (so a request with no credentials gets 401).
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header with the csrftoken cookie."))
        return _admit(request, user)


def caller(request: HttpRequest) -> Any:
    """The authenticated user of an API request (set by TokenAuth or SessionAuth)."""
    return request.auth  # type: ignore[attr-defined]
