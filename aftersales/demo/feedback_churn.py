"""Demo churn risk (issue 8): Suda Logistics (速达物流) is the customer at risk.

The early-warning demo writes ten days of hourly traffic. This part writes the weeks before them for
Suda's master account: its 8-week baseline at about 2,300 messages a day, then the usual 900 a day
from two weeks ago on (what the live demo keeps sending). With its overdue check-in and the NPS
detractor score of last quarter's survey (``feedback_checkins``), ``/feedback/churn/`` lists Suda
with a high risk and its reasons; the other customers stay low (no drop: their traffic history
starts ten days ago, too short for a baseline).

``load(*, now, users, customers) -> dict`` — run after the SMS and early-warning parts (it needs the
simulator account ``SIMSUDA``; skipped without it). Rollups already there are left alone.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from aftersales.demo import live
from aftersales.feedback import churn
from aftersales.monitoring.ingest import hour_of
from aftersales.monitoring.models import TrafficRollup
from aftersales.monitoring.traffic import DAY_SHAPE
from aftersales.sms.models import VendorAccount

ACCOUNT_KEY = "SIMSUDA"
BASELINE_PER_DAY = 2300  # the 8 weeks before the last two: 2.5 times what Suda sends now


def load(*, now: dt.datetime, users: dict[str, Any] | None = None, customers: dict[str, Any] | None = None) -> dict:
    account = VendorAccount.objects.filter(kind=VendorAccount.Kind.SIMULATOR, api_key=ACCOUNT_KEY).first()
    stream = next((s for s in live.STREAMS if s.api_key == ACCOUNT_KEY and s.history), None)
    if account is None or stream is None:
        return {"skipped": True}
    top = hour_of(now)
    recent_from = top - dt.timedelta(days=churn.TRAFFIC_RECENT_DAYS)
    start = recent_from - dt.timedelta(days=churn.TRAFFIC_BASELINE_DAYS)
    until = top - dt.timedelta(days=live.HISTORY_DAYS)  # the live demo's history starts here
    rng = random.Random(8)  # noqa: S311 - demo data
    rows: list[TrafficRollup] = []
    hour = start
    while hour < until:
        per_day = stream.per_day if hour >= recent_from else BASELINE_PER_DAY
        volume = per_day * DAY_SHAPE[(hour.hour + stream.offset(now)) % 24] * rng.uniform(0.85, 1.15)
        rows += live.hour_rollups(rng, account, stream, hour, volume)
        hour += live.HOUR
    TrafficRollup.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    at_risk = [
        risk.customer.code for risk in churn.assess(now=now) if risk.level == churn.HIGH
    ]
    return {"rollups": len(rows), "high": at_risk}
