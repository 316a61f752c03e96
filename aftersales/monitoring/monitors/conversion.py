"""OTP conversion (回填率): verified ÷ requested over the last hour, per account × country × network.
Fires at conversion ≤ 35 % (Vonage's Verify conversion alert) or on a drop of more than 40 % against
the 30-day baseline (†), with at least 30 requests (†) — sms-domain §2.2 (1)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.monitoring.models import Severity
from aftersales.monitoring.monitors.base import Finding, Monitor
from aftersales.monitoring.monitors.context import Context, Counts


class ConversionDrop(Monitor):
    key = "conversion"
    title = _("Conversion drop")
    defaults = {
        "threshold": 0.35,  # Vonage Verify conversion alert: ≤ 35 %
        "max_drop": 0.40,  # † relative drop against the 30-day baseline
        "min_requests": 30,  # † requests in the hour
    }
    articles = ("otp-conversion-drop", "verify-network-blocked")

    def series_value(self, counts: Counts) -> float | None:
        return counts.conversion

    def evaluate(self, context: Context) -> list[Finding]:
        found = []
        for pair in context.networks():
            rate = pair.hour.conversion
            if rate is None:
                continue
            customer_id = context.customer(pair.account_id)
            params = context.params(self, customer_id)
            if customer_id is None or params is None or pair.hour.conversion_requested < params["min_requests"]:
                continue
            base = pair.base.conversion
            values = {"rate": rate, "requested": pair.hour.conversion_requested, "baseline": base}
            if rate <= params["threshold"]:
                code, severity = "conversion_low", Severity.CRITICAL
                values["threshold"] = params["threshold"]
            elif base is not None and rate < base * (1 - params["max_drop"]):
                code, severity = "conversion_drop", Severity.WARNING
            else:
                continue
            found.append(Finding(
                monitor=self.key, account_id=pair.account_id, customer_id=customer_id, country=pair.country,
                network=pair.network, per_network=True, code=code, severity=severity, params=values,
            ))
        return found
