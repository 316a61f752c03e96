"""Demo early warning: ten days of normal OTP traffic for Starriver's OTP sub-account, then a
pumping attack in Nigeria in the last hour (unused codes, 40 numbers under one prefix); one
monitor pass at ``now`` opens the one proactive ticket with the evidence.

``load(*, now, users=None, customers=None) -> dict`` — run after ``sms_balances.load`` (it uses the
"Starriver OTP" simulator account, key SIMSTARSUB2; skipped when absent). Rollups are written with
``bulk_create`` (ignoring hours the traffic simulator already filled); alerts, the incident and the
ticket come from ``monitoring.alerts.evaluate_all``, as in production.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from aftersales.monitoring.alerts import evaluate_all
from aftersales.monitoring.models import PrefixRollup, TrafficRollup
from aftersales.sms.models import VendorAccount

HISTORY_DAYS = 10
ACCOUNT_KEY = "SIMSTARSUB2"


def load(*, now: dt.datetime, users: dict[str, Any] | None = None, customers: dict[str, Any] | None = None) -> dict:
    account = VendorAccount.objects.filter(api_key=ACCOUNT_KEY).first()
    if account is None:
        return {"skipped": True}
    rng = random.Random(7)  # noqa: S311 - demo data
    top = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    rows = []
    for n in range(HISTORY_DAYS * 24, 1, -1):
        hour = top - dt.timedelta(hours=n)
        for country, network, volume in (("CN", "46000", 120), ("GB", "23410", 30)):
            sent = int(volume * rng.uniform(0.6, 1.4) * (0.4 if hour.hour < 6 else 1.0)) + 1
            delivered = int(sent * rng.uniform(0.93, 0.98))
            rows.append(TrafficRollup(
                account=account, hour=hour, country=country, network=network, submitted=sent, delivered=delivered,
                failed=sent - delivered, errors={"1": sent - delivered}, conversion_requested=sent,
                conversion_verified=int(sent * rng.uniform(0.65, 0.78)), cost=Decimal(sent) * Decimal("0.035"),
                latency_ms_sum=sent * 2400, latency_count=sent,
            ))
    for hour in (top - dt.timedelta(hours=1), top):  # the attack
        rows.append(TrafficRollup(
            account=account, hour=hour, country="NG", network="62130", submitted=180, delivered=174, failed=6,
            errors={"1": 6}, conversion_requested=180, conversion_verified=4, cost=Decimal("16.20"),
        ))
    TrafficRollup.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    PrefixRollup.objects.bulk_create([
        PrefixRollup(account=account, hour=top, prefix="23480312", country="NG", messages=120, numbers=40),
    ], ignore_conflicts=True)
    report = evaluate_all(now)
    return {"alerts": report.alerts_opened, "tickets": report.tickets}
