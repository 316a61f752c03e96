"""DLR return rate collapse: parts with a final DLR ÷ parts submitted (sms-domain §5 "DLR return
rate") over three complete hours ending an hour ago, against the 30-day baseline: receipts stopped
arriving (a webhook broken on either side, or a vendor that stopped sending them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.monitoring.models import Severity
from aftersales.monitoring.monitors.base import Finding, Monitor
from aftersales.monitoring.monitors.context import Context, Counts


class DlrReturnCollapse(Monitor):
    key = "dlr_return"
    title = _("Delivery receipts stopped")
    defaults = {
        "min_submitted": 200,  # † parts submitted in the window
        "max_drop": 0.50,  # † relative fall against the baseline return rate
        "min_baseline": 0.50,  # † the baseline must show receipts normally arrive
    }
    articles = ("dlr-webhook-setup", "dlr-error-codes")

    def series_value(self, counts: Counts) -> float | None:
        return counts.return_rate

    def evaluate(self, context: Context) -> list[Finding]:
        found = []
        for pair in context.networks():
            rate, base = pair.lagged.return_rate, pair.base.return_rate
            if rate is None or base is None:
                continue
            customer_id = context.customer(pair.account_id)
            params = context.params(self, customer_id)
            if customer_id is None or params is None or pair.lagged.submitted < params["min_submitted"]:
                continue
            if base < params["min_baseline"] or rate > base * (1 - params["max_drop"]):
                continue
            found.append(Finding(
                monitor=self.key, account_id=pair.account_id, customer_id=customer_id, country=pair.country,
                network=pair.network, per_network=True, code="dlr_return", severity=Severity.WARNING,
                params={"rate": rate, "baseline": base, "submitted": pair.lagged.submitted},
            ))
        return found
