"""The sentences that explain alerts, rendered in the reader's language when shown.

An alert stores a message code and its numbers (``Alert.evidence``); this module turns them into
"conversion for NG / 62130 fell from 71% (30-day baseline) to 18% over the last hour, 412 requests"
under whatever language is active, so the same alert reads in Chinese for one agent and in English
for another, and the ticket (written once) reads in its customer's language.
"""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, Promise] = {
    "delivery_drop": _(
        "delivery rate for %(where)s fell from %(baseline)s (30-day baseline) to %(rate)s over the last hour, "
        "%(final)s receipts"
    ),
    "conversion_low": _(
        "conversion for %(where)s is %(rate)s over the last hour (alert at %(threshold)s or lower; 30-day "
        "baseline %(baseline)s), %(requested)s requests"
    ),
    "conversion_drop": _(
        "conversion for %(where)s fell from %(baseline)s (30-day baseline) to %(rate)s over the last hour, "
        "%(requested)s requests"
    ),
    "volume_spike": _(
        "%(count)s messages to %(where)s in the last 12 hours: %(ratio)s× the 90-day average of %(mean)s per "
        "12 hours (z = %(z)s)"
    ),
    "new_destination": _(
        "first traffic to %(where)s: %(count)s messages in the last 12 hours, none in the 90 days before"
    ),
    "new_destination_low_conversion": _(
        "first traffic to %(where)s: %(count)s messages in the last 12 hours, none in the 90 days before, and "
        "only %(rate)s of %(requested)s codes were used"
    ),
    "high_cost": _(
        "messages to %(where)s cost %(cost)s EUR each over the last hour, %(ratio)s× the account's usual "
        "%(norm)s EUR (95th percentile of 30 days), %(count)s messages"
    ),
    "prefix_concentration": _(
        "%(numbers)s distinct numbers under the prefix +%(prefix)s… in one hour (alert at %(threshold)s); "
        "%(prefixes)s prefixes in %(where)s over the threshold"
    ),
    "ait_conversion": _(
        "conversion for %(where)s is %(rate)s with a normal delivery rate of %(delivery)s over the last hour, "
        "%(requested)s requests: messages delivered but never used are a sign of SMS pumping"
    ),
    "error_content": _(
        "error 6 (anti-spam) is %(share)s of receipts for %(where)s over the last hour against %(baseline)s "
        "(30-day baseline), %(final)s receipts: the carrier filters the content or the sender"
    ),
    "error_route": _(
        "errors 11/99 (route) are %(share)s of receipts for %(where)s over the last hour against %(baseline)s "
        "(30-day baseline), %(final)s receipts: a problem on the vendor's route"
    ),
    "dlr_return": _(
        "only %(rate)s of %(submitted)s messages to %(where)s got a delivery receipt (30-day baseline "
        "%(baseline)s): receipts stopped arriving"
    ),
}

PERCENT_KEYS = frozenset({"rate", "baseline", "share", "threshold", "delivery"})


def percent(value: Any) -> str:
    if value is None:
        return "—"
    return f"{number_format(round(float(value) * 100), 0, use_l10n=True)}%"


def _value(key: str, value: Any) -> str:
    if key in PERCENT_KEYS:
        return percent(value)
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return number_format(value, 0, use_l10n=True, force_grouping=True)
    if isinstance(value, float):
        decimals = 5 if abs(value) < 0.1 else 1
        return number_format(round(value, decimals), decimals, use_l10n=True, force_grouping=True)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def explain(evidence: dict[str, Any]) -> str:
    """The alert's sentence in the active language (its code when the code is unknown)."""
    code = str(evidence.get("code", ""))
    template = MESSAGES.get(code)
    if template is None:
        return code
    values = {key: _value(key, value) for key, value in (evidence.get("params") or {}).items()}
    values["where"] = str(evidence.get("where", ""))
    try:
        text = str(template) % values
    except (KeyError, ValueError, TypeError):
        return code
    return text[:1].upper() + text[1:]
