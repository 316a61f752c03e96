"""Crafted rollup histories for the monitor and alert tests (bulk_create, like the bench)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from aftersales.monitoring.models import PrefixRollup, TrafficRollup
from aftersales.sms.models import VendorAccount

NOW = dt.datetime(2026, 3, 10, 12, 5, tzinfo=dt.UTC)
TOP = NOW.replace(minute=0)
HOUR = dt.timedelta(hours=1)


def account(customer: Any, name: str = "Starriver OTP", api_key: str = "SIMSTAR1", **extra: Any) -> VendorAccount:
    return VendorAccount.objects.create(customer=customer, name=name, kind="simulator", api_key=api_key, **extra)


def hours_back(start: int, stop: int) -> list[dt.datetime]:
    """Hours from ``start`` hours before the current one down to ``stop`` (exclusive), oldest first:
    ``hours_back(240, 1)`` is ten days up to (not including) the previous hour."""
    return [TOP - n * HOUR for n in range(start, stop - 1, -1) if n >= stop]


def rollups(acc: VendorAccount, country: str, hours: Iterable[dt.datetime], *, network: str = "", submitted: int = 0,
            delivered: int = 0, failed: int = 0, expired: int = 0, unknown: int = 0, requested: int = 0,
            verified: int = 0, cost: str | Decimal = "0", errors: dict[str, int] | None = None) -> None:
    TrafficRollup.objects.bulk_create([
        TrafficRollup(account=acc, hour=hour, country=country, network=network, submitted=submitted,
                      delivered=delivered, failed=failed, expired=expired, unknown=unknown, errors=errors or {},
                      conversion_requested=requested, conversion_verified=verified, cost=Decimal(str(cost)))
        for hour in hours
    ])


def recent(acc: VendorAccount, country: str, **counts: Any) -> None:
    """The last hour: the previous complete hour and the current one, ``counts`` split between them."""
    half: dict[str, Any] = {k: (v // 2 if isinstance(v, int) else v) for k, v in counts.items()}
    rest: dict[str, Any] = {k: (v - v // 2 if isinstance(v, int) else v) for k, v in counts.items()}
    if "cost" in counts:
        half["cost"] = rest["cost"] = Decimal(str(counts["cost"])) / 2
    if "errors" in counts:
        half["errors"] = {c: n // 2 for c, n in counts["errors"].items()}
        rest["errors"] = {c: n - n // 2 for c, n in counts["errors"].items()}
    rollups(acc, country, [TOP - HOUR], **half)
    rollups(acc, country, [TOP], **rest)


def prefix(acc: VendorAccount, country: str, prefix: str, *, numbers: int, messages: int | None = None,
           hour: dt.datetime = TOP) -> None:
    PrefixRollup.objects.create(account=acc, hour=hour, prefix=prefix, country=country, numbers=numbers,
                                messages=messages if messages is not None else numbers)


def healthy_history(acc: VendorAccount, country: str = "NG", *, days: int = 10, network: str = "62130") -> None:
    """``days`` of normal OTP traffic up to (not including) the last hour: 100 messages an hour, 95 %
    delivered, 71 % converted, 0.03 EUR each."""
    rollups(acc, country, hours_back(days * 24, 2), network=network, submitted=100, delivered=95, failed=5,
            requested=100, verified=71, cost="3.00", errors={"1": 5})
