"""Delivery rate drop: delivered ÷ final DLRs over the last hour, per account × country × network,
against the account's own 30-day baseline there (sms-domain §5 "DLR delivery rate")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.monitoring.models import Severity
from aftersales.monitoring.monitors.base import Finding, Monitor
from aftersales.monitoring.monitors.context import Context


class DeliveryDrop(Monitor):
    key = "delivery_drop"
    title = _("Delivery rate drop")
    defaults = {
        "min_final": 100,  # † final DLRs in the hour: below this an outage is noise
        "drop_points": 0.20,  # † fall below the baseline, in rate points (0.20 = 20 points)
        "min_baseline_final": 200,  # † final DLRs the baseline must rest on
    }
    articles = ("dlr-error-codes", "dlr-route-errors")

    def evaluate(self, context: Context) -> list[Finding]:
        found = []
        for pair in context.networks():
            rate, base = pair.hour.delivery_rate, pair.base.delivery_rate
            if rate is None or base is None:
                continue
            customer_id = context.customer(pair.account_id)
            params = context.params(self, customer_id)
            if customer_id is None or params is None:
                continue
            if pair.hour.final < params["min_final"] or pair.base.final < params["min_baseline_final"]:
                continue
            if base - rate < params["drop_points"]:
                continue
            found.append(Finding(
                monitor=self.key, account_id=pair.account_id, customer_id=customer_id, country=pair.country,
                network=pair.network, per_network=True, code="delivery_drop",
                severity=Severity.CRITICAL if rate < base / 2 else Severity.WARNING,
                params={"rate": rate, "baseline": base, "final": pair.hour.final},
            ))
        return found
