"""Demo early warning: ten days of traffic history for the demo's simulator accounts, the current hour
as live events, and a pumping attack on Starriver OTP in Nigeria (OTP requests to one number range that
never convert) that began 80 minutes ago; one monitor pass at ``now`` opens its proactive ticket.

``load(*, now, users=None, customers=None) -> dict`` — run after ``sms_balances.load`` (it uses the
simulator accounts; skipped when Starriver OTP, key SIMSTARSUB2, is absent). The traffic and its
streams are ``demo.live``'s: the loader marks the desk as the demo's, and from then on the
``demo.live_traffic`` job keeps the traffic coming every minute (the attack for two more hours, and a
delivery outage at Bluewave three minutes after the load). Alerts, the incident and the ticket come from
``monitoring.alerts.evaluate_all``, as in production.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aftersales.demo import live
from aftersales.monitoring.alerts import evaluate_all
from aftersales.sms.models import VendorAccount

ACCOUNT_KEY = "SIMSTARSUB2"


def load(*, now: dt.datetime, users: dict[str, Any] | None = None, customers: dict[str, Any] | None = None) -> dict:
    if not VendorAccount.objects.filter(api_key=ACCOUNT_KEY).exists():
        return {"skipped": True}
    traffic = live.load(now)
    report = evaluate_all(now)
    return {"events": traffic["events"], "alerts": report.alerts_opened, "tickets": report.tickets}
