"""Connectors by name: ``get_connector("vonage", api_key=…, api_secret=…)``.

The Vonage SDK is imported only when a Vonage connector is built (it loads ~20 packages), so the
web process does not pay for it unless it talks to Vonage.
"""

from __future__ import annotations

from typing import Any, Literal

from django.utils.module_loading import import_string

from .base import Connector

CONNECTORS: dict[str, str] = {
    "vonage": "aftersales.sms.connectors.vonage.VonageConnector",
    "simulator": "aftersales.sms.connectors.simulator.SimulatorConnector",
}

Kind = Literal["vonage", "simulator"]


def connector_class(kind: str) -> type[Connector]:
    try:
        path = CONNECTORS[kind]
    except KeyError:
        raise ValueError(f"unknown vendor connector {kind!r}; known: {', '.join(sorted(CONNECTORS))}") from None
    cls: type[Connector] = import_string(path)
    return cls


def get_connector(kind: Kind | str, **options: Any) -> Connector:
    """A connector of ``kind`` built with ``options`` (credentials, hosts, timeout, retry_policy, …)."""
    return connector_class(kind)(**options)
