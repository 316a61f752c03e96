"""Demo telemetry-in records: a traffic feed for the team's own platform, and traffic from a vendor key
the desk does not know yet, so the unmapped-traffic page has something to map.

Call after the SMS demo (``sms_balances.load``), which creates the vendor accounts. The simulator
(``aftersales simulate``) fills the rollups with realistic traffic; this only adds what the
ingestion pages show. Everything goes through the ingestion actions and the live path.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aftersales.monitoring.feeds import issue_feed_token
from aftersales.monitoring.ingest import TrafficEvent, record_events
from aftersales.monitoring.models import EventSource, TrafficFeed
from aftersales.sms.models import VendorAccount

UNMAPPED_KEY = "7f3e91ab"  # a sub-account Starriver opened at the vendor and nobody told the desk about
FEED_NAME = "JMC platform"


def load(*, now: dt.datetime, users: dict[str, Any], customers: dict[str, Any]) -> None:
    """``users`` by username (uses "demo-admin"), ``customers`` by code (uses "starriver"): a traffic feed
    tied to Starriver's main vendor account (its token is not kept: issue a new one in admin to use it),
    and 36 messages over the last three hours from an unknown key (kept as unmapped)."""
    admin = users["demo-admin"]
    starriver = customers.get("starriver")
    account = VendorAccount.objects.filter(customer=starriver, parent__isnull=True).order_by("pk").first()
    if not TrafficFeed.objects.filter(name=FEED_NAME).exists():
        issue_feed_token(feed=TrafficFeed(name=FEED_NAME, account=account), actor=admin)
    events = []
    for n in range(36):
        at = now - dt.timedelta(minutes=5 * n + 3)
        message_id = f"demo-unmapped-{n:03d}"
        msisdn = f"6281234{n % 12:03d}{n:03d}"
        events.append(TrafficEvent(kind="submitted", at=at, message_id=message_id, api_key=UNMAPPED_KEY,
                                   msisdn=msisdn, network="51010", sender="STARRIVER"))
        events.append(TrafficEvent(kind="dlr", at=at + dt.timedelta(seconds=4), message_id=message_id,
                                   api_key=UNMAPPED_KEY, status="delivered" if n % 9 else "failed",
                                   err_code=0 if n % 9 else 6, network="51010", msisdn=msisdn))
    record_events(events, source=EventSource.REPORTS)
