"""The production URLs plus ``/bench/empty`` (a view that does nothing), for benchmarks only: the
baseline a webhook's cost is compared with, on the same server in the same run."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from aftersales.urls import urlpatterns as production


@csrf_exempt
def empty(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b'{"ok": true}', content_type="application/json")


urlpatterns = [path("bench/empty", empty, name="bench_empty"), *production]
