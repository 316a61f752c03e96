"""``/healthz``, ``/readyz`` and ``/metrics``: public probes and the Prometheus scrape."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from aftersales.ops import access, health, metrics


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and answers; touches no database."""
    return JsonResponse({"status": "ok", "checks": {"process": {"status": "ok"}}})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready for traffic: database, migrations, task queue and media storage; 503 when any fails."""
    checks = health.readiness()
    ready = all(check.ok for check in checks)
    body = {"status": "ok" if ready else "error", "checks": {check.name: check.as_json() for check in checks}}
    return JsonResponse(body, status=200 if ready else 503)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not access.network_allowed(request):
        return HttpResponse("Forbidden: this address may not read metrics.\n", status=403, content_type="text/plain")
    if not access.token_ok(request):
        response = HttpResponse("Unauthorized: a bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.scrape(), content_type=CONTENT_TYPE_LATEST)
