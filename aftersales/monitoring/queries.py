"""Reads for the monitoring pages: alert lists, a customer's health series and the risk overview.
Each page's cost is a fixed handful of queries, whatever the data (pinned in the view tests)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, IntegerField, QuerySet, Sum, Value, When

from aftersales.customers.models import Customer
from aftersales.monitoring.models import Alert, AlertState, Severity, TrafficRollup
from aftersales.monitoring.monitors.base import SEVERITY_RANK
from aftersales.monitoring.monitors.context import COUNT_FIELDS, Counts

HEALTH_WINDOWS = (("24h", dt.timedelta(hours=24), dt.timedelta(hours=1)),
                  ("7d", dt.timedelta(days=7), dt.timedelta(hours=6)),
                  ("30d", dt.timedelta(days=30), dt.timedelta(days=1)))


def filter_alerts(*, state: str = "", severity: str = "", monitor: str = "", customer: str = "") -> QuerySet[Alert]:
    alerts = Alert.objects.select_related("customer", "account")
    if state:
        alerts = alerts.filter(state=state)
    if severity:
        alerts = alerts.filter(severity=severity)
    if monitor:
        alerts = alerts.filter(monitor=monitor)
    if customer:
        alerts = alerts.filter(customer__code=customer)
    return alerts.order_by("state", "-last_seen", "-pk")


def customer_hours(customer: Customer, *, since: dt.datetime) -> dict[dt.datetime, Counts]:
    """The customer's traffic (all its vendor accounts, all countries) per hour since ``since``."""
    rows = (
        TrafficRollup.objects.filter(account__customer=customer, hour__gte=since)
        .values("hour").order_by("hour")
        .annotate(**{f"s_{name}": Sum(name) for name in COUNT_FIELDS}, s_cost=Sum("cost"))
    )
    result = {}
    for row in rows:
        counts = Counts(**{name: int(row[f"s_{name}"] or 0) for name in COUNT_FIELDS})
        counts.cost = float(row["s_cost"] or 0)
        result[row["hour"]] = counts
    return result


def bucketed(hours: dict[dt.datetime, Counts], *, start: dt.datetime, end: dt.datetime,
             step: dt.timedelta) -> list[tuple[dt.datetime, Counts]]:
    buckets = []
    at = start
    while at < end:
        total = Counts()
        for hour, counts in hours.items():
            if at <= hour < at + step:
                total.add(counts)
        buckets.append((at, total))
        at += step
    return buckets


@dataclass
class CustomerRisk:
    customer: Customer
    alerts: dict[str, int] = field(default_factory=dict)  # severity → firing alerts
    recent: Counts = field(default_factory=Counts)  # last 24 h
    base: Counts = field(default_factory=Counts)  # 30 days before
    score: float = 0.0

    @property
    def delivery_change(self) -> float | None:
        a, b = self.recent.delivery_rate, self.base.delivery_rate
        return None if a is None or b is None else a - b

    @property
    def conversion_change(self) -> float | None:
        a, b = self.recent.conversion, self.base.conversion
        return None if a is None or b is None else a - b


def _sums(prefix: str, condition: Any) -> dict[str, Any]:
    return {
        f"{prefix}_{name}": Sum(Case(When(condition, then=F(name)), default=Value(0), output_field=IntegerField()))
        for name in ("submitted", "delivered", "failed", "expired", "unknown", "conversion_requested",
                     "conversion_verified")
    }


def risk_overview(*, now: dt.datetime) -> list[CustomerRisk]:
    """Customers with traffic in 30 days or firing alerts, riskiest first: firing alerts by severity,
    then how far delivery and conversion of the last 24 h fell below the 30 days before. Three queries."""
    from django.db.models import Q

    day = now - dt.timedelta(hours=24)
    risks: dict[int, CustomerRisk] = {}
    rows = (
        TrafficRollup.objects.filter(hour__gte=now - dt.timedelta(days=30))
        .values("account__customer_id").order_by()
        .annotate(**_sums("r", Q(hour__gte=day)), **_sums("b", Q(hour__lt=day)))
    )
    per_customer: dict[int, tuple[Counts, Counts]] = {}
    for row in rows:
        recent = Counts(**{n: int(row[f"r_{n}"] or 0) for n in COUNT_FIELDS})
        base = Counts(**{n: int(row[f"b_{n}"] or 0) for n in COUNT_FIELDS})
        per_customer[row["account__customer_id"]] = (recent, base)
    alert_counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (Alert.objects.filter(state=AlertState.FIRING).values("customer_id", "severity").order_by()
                .annotate(n=Count("pk"))):
        alert_counts[row["customer_id"]][row["severity"]] = row["n"]
    ids = set(per_customer) | set(alert_counts)
    for customer in Customer.objects.filter(pk__in=ids).order_by("name"):
        recent, base = per_customer.get(customer.pk, (Counts(), Counts()))
        risk = CustomerRisk(customer, alert_counts.get(customer.pk, {}), recent, base)
        weights = {Severity.CRITICAL: 100, Severity.WARNING: 10, Severity.INFO: 1}
        risk.score = sum(weights.get(s, 0) * n for s, n in risk.alerts.items())  # type: ignore[call-overload]
        for change in (risk.delivery_change, risk.conversion_change):
            if change is not None and change < 0:
                risk.score += -change * 50
        risks[customer.pk] = risk
    return sorted(risks.values(), key=lambda r: (-r.score, r.customer.name))


def worst_severity(counts: dict[str, int]) -> str:
    present = [s for s, n in counts.items() if n]
    return max(present, key=lambda s: SEVERITY_RANK.get(s, 0), default="")  # type: ignore[call-overload]
