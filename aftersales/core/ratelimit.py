"""Rate limits in Django's cache: a fixed window per (rule, key), answered with 429 and Retry-After.

Rules (``RATE_LIMIT_*`` settings, each ``"COUNT/SECONDS"``; ``0/…`` turns a rule off):

- ``LOGIN``: POSTs to the sign-in pages and the second step, per client IP (django-axes also locks
  a username after repeated failures; this stops one address trying many usernames);
- ``PORTAL``: every portal request per client IP; ``PORTAL_SIGNIN``: portal sign-in and link requests;
- ``WEBHOOK``: ``/hooks/…`` per source (path and client IP, so each vendor account's or bridge's address
  counts on its own); the default is far above the 500 receipts/s a vendor may send;
- ``API_KEY``: ``/api/…`` per token (its hash); ``API_IP``: ``/api/…`` per client IP.

The counters live in ``CACHES["default"]``: the default local-memory cache counts per process, so with
several web processes set ``CACHE_URL`` to Redis (see docs/configuration.md) for one shared count.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Limit:
        try:
            count, seconds = (int(part) for part in str(text).split("/", 1))
        except ValueError as exc:
            raise ValueError(f"A rate limit is COUNT/SECONDS, e.g. 20/60, not {text!r}") from exc
        if count < 0 or seconds < 1:
            raise ValueError(f"A rate limit needs COUNT >= 0 and SECONDS >= 1, not {text!r}")
        return cls(count, seconds)


def hit(rule: str, key: str, limit: Limit) -> int | None:
    """Count one request; None when allowed, else the seconds until the window ends (for Retry-After)."""
    if limit.count == 0:
        return None
    now = time.time()
    window = int(now // limit.seconds)
    cache_key = "rl:" + hashlib.sha256(f"{rule}:{key}:{window}".encode()).hexdigest()[:40]
    count = _count(cache_key, limit.seconds + 1)
    if count <= limit.count:
        return None
    return max(1, math.ceil((window + 1) * limit.seconds - now))


def _count(cache_key: str, timeout: int) -> int:
    """Add one to the window's counter and return it. On Redis one round trip (``SET NX EX`` and
    ``INCR`` in a pipeline: ~0.15 ms instead of ~0.38 ms for the cache API's two calls, measured in
    bench/bench_ratelimit.py); elsewhere the cache API's ``add`` and ``incr``."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        key = backend.make_and_validate_key(cache_key)
        client = backend._cache.get_client(key, write=True)  # type: ignore[attr-defined]
        pipe = client.pipeline(transaction=False)
        pipe.set(key, 0, ex=timeout, nx=True)  # Django stores integers as themselves: INCR-able, get() reads them
        pipe.incr(key)
        return int(pipe.execute()[1])
    cache.add(cache_key, 0, timeout=timeout)
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=timeout)
        return 1


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the last hop of X-Forwarded-For behind a trusted proxy
    (``RATE_LIMIT_TRUST_FORWARDED``, set when nginx in front sets the header)."""
    if getattr(settings, "RATE_LIMIT_TRUST_FORWARDED", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "-"


def _limit(name: str) -> Limit:
    return Limit.parse(getattr(settings, f"RATE_LIMIT_{name}"))


LOGIN_PATHS = ("/login/", "/admin/login/", "/me/two-factor/verify/")
PORTAL_SIGNIN_PREFIXES = ("/portal/link/", "/portal/password/")


def rules_for(request: HttpRequest) -> list[tuple[str, str]]:
    """The (rule, key) pairs this request counts against."""
    path, ip = request.path, client_ip(request)
    rules: list[tuple[str, str]] = []
    if request.method == "POST" and path in LOGIN_PATHS:
        rules.append(("LOGIN", ip))
    if path.startswith("/portal/"):
        rules.append(("PORTAL", ip))
        if request.method == "POST" and (path == "/portal/" or path.startswith(PORTAL_SIGNIN_PREFIXES)):
            rules.append(("PORTAL_SIGNIN", ip))
    elif path.startswith("/hooks/"):
        rules.append(("WEBHOOK", f"{path}|{ip}"))
    elif path.startswith("/api/"):
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            rules.append(("API_KEY", hashlib.sha256(auth[7:].strip().encode()).hexdigest()))
        rules.append(("API_IP", ip))
    return rules


def too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    detail = _("Too many requests; try again in %(seconds)d seconds.") % {"seconds": retry_after}
    if request.path.startswith(("/api/", "/hooks/")):
        response: HttpResponse = JsonResponse({"detail": detail}, status=429)
    else:
        response = HttpResponse(detail, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(settings, "RATE_LIMIT_ENABLED", True):
            for rule, key in rules_for(request):
                retry_after = hit(rule, key, _limit(rule))
                if retry_after is not None:
                    return too_many(request, retry_after)
        return self.get_response(request)
