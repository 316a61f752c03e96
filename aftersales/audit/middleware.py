"""Puts the client's address where ``audit.record`` finds it, for the length of a request."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from aftersales.audit.log import client_ip_var


def client_ip(request: HttpRequest) -> str | None:
    """The peer address (``REMOTE_ADDR``: behind nginx, the proxy passes it through gunicorn's
    ``--forwarded-allow-ips``); None when it is not an IP address."""
    value = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


class ClientIpMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_ip_var.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            client_ip_var.reset(token)
