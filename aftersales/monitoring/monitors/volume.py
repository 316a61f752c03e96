"""Volume spike per account × country: the last 12 hours against the 90-day pattern of 12-hour
buckets. Gates from Vonage's Volumetric Changes (more than 1,000 messages in 12 h, at least 48 h of
history); flagged at ratio ≥ 3 and z ≥ 4 against the buckets' mean and standard deviation (†,
sms-domain §2.2 (2)).

Screened cheaply on the pass's sums (the 12 h count against the 90-day mean per 12 h); only the
pairs over the ratio get their hourly history read to compute the z-score.
"""

from __future__ import annotations

import datetime as dt
import math

from django.utils.translation import gettext_lazy as _

from aftersales.monitoring.models import Severity
from aftersales.monitoring.monitors.base import Finding, Monitor
from aftersales.monitoring.monitors.context import DAY_WINDOW, HOUR, Context, CountryKey, Counts

BUCKET = DAY_WINDOW


def bucket_count(context: Context, first_hour: dt.datetime) -> int:
    """12-hour buckets between the pair's first traffic (or the 90-day start) and the 12 h window."""
    start = max(first_hour, context.history_start)
    return max(1, math.ceil((context.day_start - start) / BUCKET))


class VolumeSpike(Monitor):
    key = "volume_spike"
    title = _("Volume spike")
    category = "fraud"
    defaults = {
        "min_count": 1000,  # Vonage Volumetric Changes: > 1,000 in 12 h
        "min_history_hours": 48,  # Vonage Volumetric Changes: ≥ 48 h of history
        "ratio": 3.0,  # † 12 h count ÷ mean of 12 h buckets
        "z": 4.0,  # † (count − mean) ÷ standard deviation of 12 h buckets
    }
    articles = ("sms-pumping-fraud-response", "fraud-alert-triage")
    series_unit = "messages"

    def series_value(self, counts: Counts) -> float | None:
        return float(counts.submitted)

    def evaluate(self, context: Context) -> list[Finding]:
        candidates: dict[CountryKey, tuple[int, dict, int]] = {}
        for key, pair in context.countries().items():
            customer_id = context.customer(pair.account_id)
            params = context.params(self, customer_id) if customer_id is not None else None
            if params is None or pair.day.submitted <= params["min_count"] or pair.first_hour is None:
                continue
            if context.top - pair.first_hour < dt.timedelta(hours=params["min_history_hours"]):
                continue
            mean = pair.history_submitted / bucket_count(context, pair.first_hour)
            if mean > 0 and pair.day.submitted / mean < params["ratio"]:
                continue
            candidates[key] = (customer_id, params, bucket_count(context, pair.first_hour))  # type: ignore[assignment]
        if not candidates:
            return []
        history = context.hourly(candidates, since=context.history_start, until=context.day_start)
        buckets: dict[CountryKey, list[int]] = {key: [0] * n for key, (_c, _p, n) in candidates.items()}
        for (account_id, country, _network), hours in history.items():
            totals = buckets[(account_id, country)]
            for hour, counts in hours.items():
                index = int((context.day_start - hour - HOUR) / BUCKET) if hour < context.day_start else -1
                if 0 <= index < len(totals):
                    totals[index] += counts.submitted
        found = []
        for key, (customer_id, params, _n) in candidates.items():
            totals = buckets[key]
            count = context.countries()[key].day.submitted
            mean = sum(totals) / len(totals)
            std = math.sqrt(sum((t - mean) ** 2 for t in totals) / len(totals))
            ratio = count / mean if mean else math.inf
            z = (count - mean) / std if std else math.inf
            if ratio < params["ratio"] or z < params["z"]:
                continue
            found.append(Finding(
                monitor=self.key, account_id=key[0], customer_id=customer_id, country=key[1], code="volume_spike",
                severity=Severity.CRITICAL if ratio >= 10 * params["ratio"] / 3 else Severity.WARNING,
                params={"count": count, "mean": round(mean), "ratio": round(min(ratio, 9999), 1),
                        "z": round(min(z, 9999), 1)},
            ))
        return found
