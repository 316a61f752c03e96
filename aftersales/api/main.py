"""The REST API at /api/v1/: one NinjaAPI, its error mapping and its routers.

Architecture says each app may own an ``api.py`` router; while several people build the
apps in parallel, the routers live here under ``aftersales/api/routers/`` (one module per
object kind) and call the apps' access helpers and actions only. Nothing imports this
package but the URL configuration.

Errors always answer ``{"detail": "<one sentence>"}``: 400 an action was refused (for
example a status change the ticket cannot make), 401 no or a bad token, 403 no staff role or
a read-only role writing, 404 unknown or hidden object, 422 a value is invalid (the body does
not match the schema, a phone number, an unknown reference).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from aftersales.api.auth import SessionAuth, TokenAuth
from aftersales.api.routers import customers, search, sla, sms, sms_cases, sms_numbers, sms_registrations, tickets
from aftersales.tickets.actions import TicketActionError

DESCRIPTION = """
The aftersales desk over HTTP: customers, contacts and tickets, and one search over them all.

**Authentication**: send a personal token as `Authorization: Bearer <token>`; an admin makes
one with `aftersales token create USERNAME [--scope S ...] [--days D]`. A token has scopes: `read`,
`write` (every area) or `AREA:read` / `AREA:write` for one of customers, tickets, sla, search, sms
(write includes read); scopes narrow the user's role, never widen it. A token expires (default 365
days): an expired or revoked token answers 401 saying so, a scope that does not cover the request 403.
A signed-in browser session works too (writes then need the `X-CSRFToken` header). Viewers may read only.

**Rate limits**: per token and per client address; over the limit the answer is 429 with
`Retry-After: <seconds>`.

**Times** are ISO 8601 in UTC. **Errors** answer `{"detail": "…"}`: 400 an action was refused,
401 not authenticated, 403 not allowed, 404 not found, 422 invalid input, 429 too many requests.
"""


def _validation_message(exc: DjangoValidationError) -> str:
    if hasattr(exc, "error_dict"):
        parts = []
        for field, errors in exc.message_dict.items():
            text = " ".join(errors)
            parts.append(text if field == "__all__" else f"{field}: {text}")
        return " ".join(parts)
    return " ".join(exc.messages)


def _field_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for error in errors:
        # ninja's loc is ("body", "payload", "phone") or ("query", "status"); keep what a client sent.
        loc = [part for part in error.get("loc", ()) if part not in ("payload", "filters", "page")]
        out.append({"loc": loc, "msg": str(error.get("msg", "")), "type": str(error.get("type", ""))})
    return out


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="aftersales API",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api",
        auth=[TokenAuth(), SessionAuth()],
        # Local assets only (ninja is in INSTALLED_APPS); no call to the public schema validator.
        docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    )

    @api.exception_handler(NinjaValidationError)
    def invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = _field_errors(exc.errors)
        summary = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in errors
                            if e["loc"])
        detail = _("The request is invalid: %(summary)s") % {"summary": summary or _("unreadable body")}
        return api.create_response(request, {"detail": detail, "errors": errors}, status=422)

    @api.exception_handler(TicketActionError)
    def refused(request: HttpRequest, exc: TicketActionError) -> HttpResponse:
        return api.create_response(request, {"detail": _validation_message(exc)}, status=400)

    @api.exception_handler(DjangoValidationError)
    def invalid_value(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return api.create_response(request, {"detail": _validation_message(exc), "errors": []}, status=422)

    @api.exception_handler(DataError)
    def unstorable(request: HttpRequest, exc: DataError) -> HttpResponse:
        # PostgreSQL refuses a NUL character in text and a number beyond its column's range; the
        # request was well-formed JSON but names a value no row can hold.
        detail = _("The request contains a value that cannot be stored or searched (a NUL character, or a "
                   "number out of range).")
        return api.create_response(request, {"detail": detail, "errors": []}, status=422)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        detail = str(exc) or _("You are not allowed to do this.")
        return api.create_response(request, {"detail": detail}, status=403)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        detail = str(exc) or _("Not found.")
        return api.create_response(request, {"detail": detail}, status=404)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message if exc.message != "Unauthorized" else _(
            "Authentication required: send Authorization: Bearer <token>."
        )
        response = api.create_response(request, {"detail": message}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="aftersales"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail = str(exc)
        if detail == "Cannot parse request body":  # ninja's words for a body that is not JSON
            detail = _("The request body is not valid JSON.")
        return api.create_response(request, {"detail": detail}, status=exc.status_code)

    api.add_router("/customers", customers.router, tags=["customers"])
    api.add_router("/tickets", tickets.router, tags=["tickets"])
    api.add_router("/sla", sla.router, tags=["sla"])
    api.add_router("/search", search.router, tags=["search"])
    api.add_router("/sms", sms.router, tags=["sms"])
    api.add_router("/sms/registrations", sms_registrations.router, tags=["sms"])
    api.add_router("/sms/numbers", sms_numbers.router, tags=["sms"])
    api.add_router("/sms/cases", sms_cases.router, tags=["sms"])
    return api


api = build_api()
