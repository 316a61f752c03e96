"""Rate limits: over the limit → 429 with Retry-After; under it → the usual answer."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from aftersales.core import ratelimit
from aftersales.people.tokens import issue_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_of_a_window_end() -> None:
    """The limits count in fixed windows (here of 60 s and 3,600 s: both end on a whole minute). A
    test begun in the last two seconds of one could see its count start again halfway (it did, once,
    in CI): start it in the next window instead."""
    left = 60 - time.time() % 60
    if left < 2:
        time.sleep(left + 0.05)


def test_sign_in_per_ip(client: Client, settings: Any) -> None:
    settings.RATE_LIMIT_LOGIN = "3/3600"
    for n in range(3):
        response = client.post("/login/", {"username": f"nobody{n}", "password": "wrong-password-1"})
        assert response.status_code == 200  # the form, with its error
    blocked = client.post("/login/", {"username": "nobody9", "password": "wrong-password-1"})
    assert blocked.status_code == 429
    assert 1 <= int(blocked["Retry-After"]) <= 3600
    assert "Too many requests" in blocked.content.decode()
    # Another address is not blocked; GETs of the page are not counted.
    assert client.get("/login/").status_code == 200
    other = Client(REMOTE_ADDR="10.9.8.7").post("/login/", {"username": "x", "password": "y"})
    assert other.status_code == 200


def test_api_per_token_and_per_ip(personas: Any, settings: Any) -> None:
    settings.RATE_LIMIT_API_KEY = "2/3600"
    settings.RATE_LIMIT_API_IP = "5/3600"
    _t, raw = issue_token(user=personas.agent, name="a", actor=None)
    _t2, raw2 = issue_token(user=personas.agent, name="b", actor=None)
    first = Client()
    for _ in range(2):
        assert first.get("/api/v1/tickets", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    blocked = first.get("/api/v1/tickets", headers={"Authorization": f"Bearer {raw}"})
    assert blocked.status_code == 429 and blocked["Retry-After"].isdigit()
    assert blocked.json()["detail"].startswith("Too many requests")
    # A second token from the same address still works until the address's own limit.
    assert first.get("/api/v1/tickets", headers={"Authorization": f"Bearer {raw2}"}).status_code == 200
    assert first.get("/api/v1/tickets", headers={"Authorization": f"Bearer {raw2}"}).status_code == 200
    assert first.get("/api/v1/tickets", headers={"Authorization": f"Bearer {raw2}"}).status_code == 429


def test_portal_per_ip(client: Client, settings: Any) -> None:
    settings.RATE_LIMIT_PORTAL = "4/3600"
    settings.RATE_LIMIT_PORTAL_SIGNIN = "2/3600"
    for _ in range(2):
        assert client.post("/portal/", {"email": "nobody@example.test", "password": "x"}).status_code != 429
    assert client.post("/portal/", {"email": "nobody@example.test", "password": "x"}).status_code == 429
    assert client.get("/portal/").status_code == 200
    assert client.get("/portal/").status_code == 429


def test_webhooks_per_address_and_sender(client: Client, settings: Any) -> None:
    settings.RATE_LIMIT_WEBHOOK = "2/3600"
    for _ in range(2):
        assert client.post("/hooks/chat/unknown-a", b"{}", content_type="application/json").status_code == 404
    blocked = client.post("/hooks/chat/unknown-a", b"{}", content_type="application/json")
    assert blocked.status_code == 429 and blocked["Retry-After"].isdigit()
    # Another channel's address counts on its own.
    assert client.post("/hooks/chat/unknown-b", b"{}", content_type="application/json").status_code == 404


def test_zero_turns_a_rule_off_and_bad_values_are_clear(client: Client, settings: Any) -> None:
    settings.RATE_LIMIT_LOGIN = "0/60"
    settings.AXES_ENABLED = False  # its own lockout after 5 failures would answer first
    for n in range(40):
        assert client.post("/login/", {"username": f"x{n}", "password": "y"}).status_code == 200
    with pytest.raises(ValueError, match="COUNT/SECONDS"):
        ratelimit.Limit.parse("lots")


def test_counts_are_shared_through_redis(settings: Any) -> None:
    """With CACHE_URL=redis://… every web process counts against one window (real Redis here)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/15", "KEY_PREFIX": uuid.uuid4().hex}}
    from django.core.cache import cache

    assert type(caches["default"]).__name__ == "RedisCache"
    try:
        limit = ratelimit.Limit(3, 60)
        results = [ratelimit.hit("API_KEY", "shared-key", limit) for _ in range(4)]
        assert results[:3] == [None, None, None] and isinstance(results[3], int)
        # One counter, an integer the cache API reads, expiring with its window (never left behind).
        client = caches["default"]._cache.get_client(write=True)  # type: ignore[attr-defined]
        keys = client.keys(f"{settings.CACHES['default']['KEY_PREFIX']}:*")
        assert len(keys) == 1 and 0 < client.ttl(keys[0]) <= 61
        assert cache.get(keys[0].decode().split(":", 2)[2]) == 4
    finally:
        cache.clear()
