"""Hold a signed-in staff member at the second step until it is passed.

- enrolled, not yet verified in this session → the verify page (``/me/two-factor/verify/``);
- not enrolled while the security policy requires it → the set-up page (``/me/two-factor/``).

Whatever signed the user in (the sign-in page, the admin's) passes through here. Requests with an
API token (``Authorization: Bearer``) are the token's business, not the session's; portal contacts
are not staff and are never held.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.people import twofactor

OPEN_PREFIXES = ("/static/", "/i18n/", "/logout/", "/me/two-factor/", "/hooks/")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or request.path.startswith(OPEN_PREFIXES)
            or request.headers.get("Authorization", "").startswith("Bearer ")
        ):
            return self.get_response(request)
        state = twofactor.session_state(request)
        if state["enrolled"] and not state["verified"]:
            target, message = "people:two_factor_verify", _("Enter the code from your authenticator app.")
        elif state["required"] and not state["enrolled"]:
            target, message = "people:two_factor", _("Set up an authenticator app before you continue.")
        else:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        url = reverse(target)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)
