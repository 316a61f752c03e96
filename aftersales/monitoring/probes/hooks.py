"""``/hooks/heartbeat/<token>``: a job says "still alive" (GET, HEAD or POST; public, no CSRF).

200 ``{"state": "ok", "next_ping_before": "…"}`` (``"paused"`` for a disabled probe), 404 for a token
no heartbeat probe has, 503 when the database could not store the ping (the job may retry).
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from aftersales.core.errors import RETRY_AFTER_SECONDS
from aftersales.monitoring.probes.runner import record_ping

logger = logging.getLogger(__name__)


@csrf_exempt
def heartbeat(request: HttpRequest, token: str) -> JsonResponse:
    if request.method not in ("GET", "HEAD", "POST"):
        response = JsonResponse({"error": "method_not_allowed", "detail": "Use GET or POST."}, status=405)
        response["Allow"] = "GET, HEAD, POST"
        return response
    try:
        probe = record_ping(token)
    except DatabaseError:
        logger.exception("monitoring: could not store a heartbeat ping")
        detail = "Could not store the ping; send it again."
        response = JsonResponse({"error": "unavailable", "detail": detail}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if probe is None:
        return JsonResponse({"error": "not_found", "detail": "No heartbeat probe has this URL."}, status=404)
    if not probe.enabled:
        return JsonResponse({"state": "paused"})
    return JsonResponse({"state": "ok", "next_ping_before": probe.heartbeat_deadline().isoformat()})
