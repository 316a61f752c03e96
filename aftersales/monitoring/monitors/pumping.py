"""SMS pumping / AIT (盗刷) patterns, sms-domain §2.2 (3) and (4) and §2.1:

- :class:`NewDestination`: the first traffic to a country for an account that has a history;
  quiet when the new country's OTPs convert normally (a legitimate launch);
- :class:`HighCost`: messages to a country costing far more than the account's usual mix
  (its volume-weighted 95th percentile of cost per message over 30 days);
- :class:`PrefixConcentration`: many distinct numbers under one prefix (E.164 minus its last
  4 digits) in an hour, from ``PrefixRollup``;
- :class:`SequentialNumbers`: numbers sent next to one another (…0417, …0418, …0419) under one
  prefix in an hour — a script enumerating a number range — from ``PrefixRollup.sequential``;
- :class:`LowConversionNormalDelivery`: OTPs delivered normally but not used — AIT messages get
  normal DLRs, so delivery looks fine while conversion collapses.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils.translation import gettext_lazy as _

from aftersales.monitoring.models import Severity
from aftersales.monitoring.monitors.base import Finding, Monitor
from aftersales.monitoring.monitors.context import Context, Counts

FRAUD_ARTICLES = ("sms-pumping-fraud-response", "fraud-alert-triage")


class NewDestination(Monitor):
    key = "new_destination"
    title = _("New destination")
    category = "fraud"
    defaults = {
        "min_messages": 20,  # † messages in the last 12 h before a new country counts
        "min_history_hours": 48,  # the account's own history (as Vonage's volumetric gate)
        "threshold": 0.35,  # conversion at or under this is the pumping sign (Vonage ≤ 35 %)
        "min_requests": 30,  # † requests before conversion counts either way
    }
    articles = FRAUD_ARTICLES
    series_unit = "messages"

    def series_value(self, counts: Counts) -> float | None:
        return float(counts.submitted)

    def evaluate(self, context: Context) -> list[Finding]:
        history_start = context.account_history_start()
        found = []
        for pair in context.countries().values():
            if pair.history_submitted or not pair.day.submitted:
                continue
            customer_id = context.customer(pair.account_id)
            params = context.params(self, customer_id) if customer_id is not None else None
            if params is None or pair.day.submitted < params["min_messages"]:
                continue
            since = history_start.get(pair.account_id)
            if since is None or context.top - since < dt.timedelta(hours=params["min_history_hours"]):
                continue  # a new account: every country is new
            conversion = pair.day.conversion
            enough = pair.day.conversion_requested >= params["min_requests"]
            if enough and conversion is not None and conversion > params["threshold"]:
                continue  # a launch whose OTPs are used: not pumping
            low = enough and conversion is not None
            found.append(Finding(
                monitor=self.key, account_id=pair.account_id, customer_id=customer_id,  # type: ignore[arg-type]
                country=pair.country, code="new_destination_low_conversion" if low else "new_destination",
                severity=Severity.CRITICAL if low else Severity.INFO,
                params={"count": pair.day.submitted, "rate": conversion,
                        "requested": pair.day.conversion_requested},
            ))
        return found


def weighted_percentile(values: list[tuple[float, int]], percentile: float) -> float | None:
    """The ``percentile`` (0–100) of ``(value, weight)`` pairs; None when they weigh nothing."""
    total = sum(weight for _value, weight in values)
    if total <= 0:
        return None
    cut = total * percentile / 100
    running = 0
    for value, weight in sorted(values):
        running += weight
        if running >= cut:
            return value
    return sorted(values)[-1][0]


class HighCost(Monitor):
    key = "high_cost"
    title = _("High-cost destination")
    category = "fraud"
    defaults = {
        "min_messages": 50,  # † messages in the hour
        "percentile": 95,  # † of the account's cost per message, weighted by volume, over 30 days
        "ratio": 3.0,  # † cost per message ÷ that percentile
    }
    articles = FRAUD_ARTICLES
    series_unit = "EUR"

    def series_value(self, counts: Counts) -> float | None:
        return counts.cost_per_message

    def evaluate(self, context: Context) -> list[Finding]:
        mix: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for pair in context.countries().values():
            cpm = pair.base.cost_per_message
            if cpm is not None:
                mix[pair.account_id].append((cpm, pair.base.submitted))
        norms: dict[tuple[int, float], float | None] = {}
        found = []
        for pair in context.countries().values():
            cpm = pair.hour.cost_per_message
            if not cpm or pair.account_id not in mix:
                continue
            customer_id = context.customer(pair.account_id)
            params = context.params(self, customer_id) if customer_id is not None else None
            if params is None or pair.hour.submitted < params["min_messages"]:
                continue
            norm_key = (pair.account_id, float(params["percentile"]))
            if norm_key not in norms:
                norms[norm_key] = weighted_percentile(mix[pair.account_id], float(params["percentile"]))
            norm = norms[norm_key]
            if not norm or cpm < norm * params["ratio"]:
                continue
            found.append(Finding(
                monitor=self.key, account_id=pair.account_id, customer_id=customer_id,  # type: ignore[arg-type]
                country=pair.country, code="high_cost", severity=Severity.WARNING,
                params={"cost": round(cpm, 5), "norm": round(norm, 5), "ratio": round(cpm / norm, 1),
                        "count": pair.hour.submitted},
            ))
        return found


class PrefixConcentration(Monitor):
    key = "prefix_concentration"
    title = _("Many numbers under one prefix")
    category = "fraud"
    defaults = {"min_numbers": 10}  # † distinct numbers under one prefix in an hour
    articles = FRAUD_ARTICLES
    series_unit = "messages"

    def series_value(self, counts: Counts) -> float | None:
        return float(counts.submitted)

    def evaluate(self, context: Context) -> list[Finding]:
        hits: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
        for row in context.prefixes:
            customer_id = context.customer(row["account_id"])
            params = context.params(self, customer_id) if customer_id is not None else None
            if params is not None and row["numbers_max"] >= params["min_numbers"]:
                hits[(row["account_id"], row["country"])].append(row)
        found = []
        for (account_id, country), rows in hits.items():
            top = max(rows, key=lambda r: (r["numbers_max"], r["prefix"]))
            params = context.params(self, context.customer(account_id)) or self.all_defaults()
            found.append(Finding(
                monitor=self.key, account_id=account_id, customer_id=context.customer(account_id),  # type: ignore[arg-type]
                country=country, code="prefix_concentration", severity=Severity.CRITICAL,
                params={"prefix": top["prefix"], "numbers": top["numbers_max"], "prefixes": len(rows),
                        "threshold": params["min_numbers"],
                        "top_prefixes": sorted(r["prefix"] for r in rows)[:10]},
            ))
        return found


class SequentialNumbers(Monitor):
    """sms-domain §2.2 (3) flags runs of †≥ 5 numbers with a step of †≤ 3. The rollups keep, per prefix
    and hour, how many new numbers had a neighbour (±1) already sent to (``PrefixRollup.sequential``),
    which is what a run leaves behind: a run of n numbers sent in order counts n − 1, in random order
    about two thirds of n. Random recipients almost never do: m numbers spread over a prefix's 10,000
    count about m² / 10,000 (one for 100 numbers in an hour, already a prefix concentration).

    Defaults (ours, †): ``min_sequential`` 8 — a run of 9 in order or ~12 shuffled; a 5-number run
    alone (the document's minimum) is too common among a busy sender's real recipients to page
    anyone. ``min_share`` 0.25 of the prefix's distinct numbers: an enumeration makes most of its
    numbers neighbours, while a very large legitimate sender that reaches 8 neighbours by chance
    (~300 random numbers under one prefix in an hour) has a share of 3 %."""

    key = "sequential_numbers"
    title = _("Sequential numbers")
    category = "fraud"
    defaults = {
        "min_sequential": 8,  # † numbers next to another under one prefix in an hour
        "min_share": 0.25,  # † of the prefix's distinct numbers that hour
    }
    articles = FRAUD_ARTICLES
    series_unit = "messages"

    def series_value(self, counts: Counts) -> float | None:
        return float(counts.submitted)

    def evaluate(self, context: Context) -> list[Finding]:
        hits: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
        thresholds: dict[int, int] = {}
        for row in context.prefixes:
            sequential = row.get("sequential_max") or 0
            if not sequential:
                continue
            customer_id = context.customer(row["account_id"])
            params = context.params(self, customer_id) if customer_id is not None else None
            if params is None or sequential < params["min_sequential"]:
                continue
            if sequential < params["min_share"] * (row["numbers_max"] or 0):
                continue
            hits[(row["account_id"], row["country"])].append(row)
            thresholds[row["account_id"]] = params["min_sequential"]
        found = []
        for (account_id, country), rows in hits.items():
            rows.sort(key=lambda r: (-r["sequential_max"], r["prefix"]))
            top = rows[0]
            found.append(Finding(
                monitor=self.key, account_id=account_id, customer_id=context.customer(account_id),  # type: ignore[arg-type]
                country=country, code="sequential_numbers", severity=Severity.CRITICAL,
                params={"prefix": top["prefix"], "sequential": top["sequential_max"], "numbers": top["numbers_max"],
                        "min_sequential": thresholds[account_id], "prefixes": len(rows),
                        "examples": [f"+{r['prefix']}…" for r in rows[:5]]},
            ))
        return found


class LowConversionNormalDelivery(Monitor):
    key = "ait_conversion"
    title = _("Low conversion, normal delivery")
    category = "fraud"
    defaults = {
        "threshold": 0.35,  # Vonage Verify conversion alert
        "min_requests": 30,  # †
        "delivery_tolerance": 0.10,  # † delivery within this many points of its baseline is "normal"
        "normal_delivery": 0.80,  # † without a baseline: delivery at or above this is "normal"
    }
    articles = (*FRAUD_ARTICLES, "otp-conversion-drop")

    def series_value(self, counts: Counts) -> float | None:
        return counts.conversion

    def evaluate(self, context: Context) -> list[Finding]:
        found = []
        for pair in context.networks():
            rate, delivery = pair.hour.conversion, pair.hour.delivery_rate
            if rate is None or delivery is None:
                continue
            customer_id = context.customer(pair.account_id)
            params = context.params(self, customer_id) if customer_id is not None else None
            if params is None or pair.hour.conversion_requested < params["min_requests"] or rate > params["threshold"]:
                continue
            base = pair.base.delivery_rate
            normal = delivery >= base - params["delivery_tolerance"] if base is not None else (
                delivery >= params["normal_delivery"])
            if not normal:
                continue
            found.append(Finding(
                monitor=self.key, account_id=pair.account_id, customer_id=customer_id,  # type: ignore[arg-type]
                country=pair.country, network=pair.network, per_network=True, code="ait_conversion",
                severity=Severity.CRITICAL,
                params={"rate": rate, "delivery": delivery, "requested": pair.hour.conversion_requested},
            ))
        return found
