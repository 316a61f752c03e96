"""The server-error handler (``handler500``): the database being unreachable is a 503, not a 500.

While PostgreSQL restarts, fails over or refuses connections, every request that needs it raises
``OperationalError`` or ``InterfaceError`` — in a view, or earlier in a middleware (sessions,
authentication). Django turns any such exception into a call of ``handler500`` from inside its
``except`` block, so this one handler sees them all: it answers **503 Service Unavailable with
``Retry-After``** — a short page for people, JSON for the API and the webhooks so senders retry —
and touches neither the database nor the request's session (it renders without context
processors). Any other error keeps Django's own 500 answer. No traceback reaches the client either
way. Persistent connections are checked before reuse (``CONN_HEALTH_CHECKS``), so once the
database is back the next request of every process works again by itself.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

RETRY_AFTER_SECONDS = 5
_MACHINE_PREFIXES = ("/api/", "/hooks/")


def database_unavailable(exc: BaseException | None) -> bool:
    """True if ``exc`` (or an exception it was raised from) says the database cannot be reached."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable(request: HttpRequest) -> HttpResponse:
    detail = _("The database is not reachable right now. Please try again in a few seconds.")
    response: HttpResponse
    if request.path.startswith(_MACHINE_PREFIXES) or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"error": "unavailable", "detail": detail}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"detail": detail}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    if database_unavailable(sys.exc_info()[1]):
        return unavailable(request)
    return defaults.server_error(request)
