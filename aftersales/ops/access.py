"""Who may scrape ``/metrics``: a client on an allowed network, with the bearer token when one is set."""

from __future__ import annotations

import hmac
import ipaddress
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"METRICS_ALLOW_CIDRS: {cidr!r} is not a network ({exc})") from exc
    return tuple(networks)


def allowed_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.METRICS_ALLOW_CIDRS))


def network_allowed(request: HttpRequest) -> bool:
    """The peer address (REMOTE_ADDR: the proxy's, behind one) is in METRICS_ALLOW_CIDRS.

    ``*`` in the list allows every address (use it with a token)."""
    if "*" in settings.METRICS_ALLOW_CIDRS:
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    networks = _networks(tuple(c for c in settings.METRICS_ALLOW_CIDRS if c != "*"))
    return any(address in network for network in networks)


def token_ok(request: HttpRequest) -> bool:
    """True when no METRICS_TOKEN is set, or the request carries ``Authorization: Bearer <it>``."""
    expected = settings.METRICS_TOKEN
    if not expected:
        return True
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())
