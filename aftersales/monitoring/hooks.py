"""Telemetry webhooks under ``/hooks/`` (public: no login, no CSRF; docs/monitoring.md "Telemetry in").

Thin: read the request, hand it to ``monitoring.receiving``, answer. Any database error before the
raw event is stored answers 503, so the vendor (or feed) sends it again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from aftersales.core.errors import RETRY_AFTER_SECONDS
from aftersales.monitoring import feeds, receiving
from aftersales.monitoring.models import EventSource

logger = logging.getLogger(__name__)


def _json(status: int, body: dict[str, Any]) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _guarded(view: Callable[[HttpRequest], receiving.Answer | HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """csrf-exempt; a body over DATA_UPLOAD_MAX_MEMORY_SIZE → 413; the database down → 503."""

    @csrf_exempt
    def wrapped(request: HttpRequest) -> HttpResponse:
        try:
            answer = view(request)
        except RequestDataTooBig:
            return _json(413, {"error": "too_large", "detail": "The body is larger than the server accepts."})
        except DatabaseError:
            logger.exception("monitoring: could not store a %s request", request.path)
            response = _json(503, {"error": "unavailable", "detail": "Could not store the event; send it again."})
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        if isinstance(answer, HttpResponse):
            return answer
        return _json(answer.status, answer.body)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _method_not_allowed(allowed: str) -> JsonResponse:
    response = _json(405, {"error": "method_not_allowed", "detail": f"Use {allowed}."})
    response["Allow"] = allowed
    return response


def _is_json(request: HttpRequest) -> bool:
    return (request.content_type or "").lower() in ("application/json", "text/json")


def _text_body(request: HttpRequest) -> str:
    return request.body.decode("utf-8", errors="replace")


def _vonage_request(request: HttpRequest) -> receiving.Request | JsonResponse:
    """A Vonage SMS webhook in any of its three shapes: GET query, POST form, POST JSON."""
    remote = request.META.get("REMOTE_ADDR", "")
    if request.method == "GET":
        return receiving.Request(
            method="GET", content_type="", body=request.META.get("QUERY_STRING", ""), remote_addr=remote,
            params=request.GET.dict(),
        )
    if request.method != "POST":
        return _method_not_allowed("GET, POST")
    if _is_json(request):
        body = _text_body(request)
        try:
            data = json.loads(body) if body.strip() else {}
        except json.JSONDecodeError:
            data = {}
        params = data if isinstance(data, dict) else {}
        return receiving.Request(method="POST", content_type="application/json", body=body, remote_addr=remote,
                                 params=params)
    content_type = request.content_type or ""
    # A form is kept url-encoded (multipart is re-encoded), so it can be read again from the raw event.
    body = _text_body(request) if content_type == "application/x-www-form-urlencoded" else request.POST.urlencode()
    return receiving.Request(
        method="POST", content_type=content_type, body=body, remote_addr=remote, params=request.POST.dict()
    )


@_guarded
def vonage_dlr(request: HttpRequest) -> receiving.Answer | HttpResponse:
    """Vonage delivery receipts."""
    built = _vonage_request(request)
    if isinstance(built, HttpResponse):
        return built
    return receiving.receive_vonage_sms(EventSource.VONAGE_DLR, built)


@_guarded
def vonage_inbound(request: HttpRequest) -> receiving.Answer | HttpResponse:
    """Vonage inbound messages (MO)."""
    built = _vonage_request(request)
    if isinstance(built, HttpResponse):
        return built
    return receiving.receive_vonage_sms(EventSource.VONAGE_INBOUND, built)


def _json_request(request: HttpRequest) -> receiving.Request:
    body = _text_body(request)
    try:
        data: Any = json.loads(body) if body.strip() else {}
    except json.JSONDecodeError:
        data = {}
    if not isinstance(data, dict | list):
        data = {}
    return receiving.Request(
        method="POST", content_type=(request.content_type or "")[:100], body=body,
        remote_addr=request.META.get("REMOTE_ADDR", ""), params=data,
        authorization=request.headers.get("Authorization", ""), query=request.GET.dict(),
    )


@_guarded
def vonage_verify(request: HttpRequest) -> receiving.Answer | HttpResponse:
    """Vonage Verify v2 callbacks (summary and event); ``?api_key=`` names the account."""
    if request.method != "POST":
        return _method_not_allowed("POST")
    return receiving.receive_verify(_json_request(request))


def _feed_or_401(request: HttpRequest) -> Any:
    feed = feeds.authenticate_feed(request.headers.get("Authorization"))
    if feed is None:
        response = _json(401, {"error": "unauthorized", "detail": "Send Authorization: Bearer <feed token>."})
        response["WWW-Authenticate"] = 'Bearer realm="aftersales traffic feed"'
        return response
    return feed


@_guarded
def conversion(request: HttpRequest) -> receiving.Answer | HttpResponse:
    """Generic conversion events (OTP verified or not), token-authenticated."""
    if request.method != "POST":
        return _method_not_allowed("POST")
    feed = _feed_or_401(request)
    if isinstance(feed, HttpResponse):
        return feed
    return receiving.receive_conversion(_json_request(request), feed)


@_guarded
def traffic(request: HttpRequest) -> receiving.Answer | HttpResponse:
    """The generic traffic feed: JSON lines, token-authenticated."""
    if request.method != "POST":
        return _method_not_allowed("POST")
    feed = _feed_or_401(request)
    if isinstance(feed, HttpResponse):
        return feed
    built = receiving.Request(
        method="POST", content_type=(request.content_type or "")[:100], body=_text_body(request),
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )
    return receiving.receive_traffic(built, feed)
