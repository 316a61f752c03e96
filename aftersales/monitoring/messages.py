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
    "sequential_numbers": _(
        "%(sequential)s numbers in a row under the prefix +%(prefix)s… in one hour, out of %(numbers)s numbers "
        "there (each sent right next to a number already sent: a script walking a number range; alert at "
        "%(min_sequential)s); %(prefixes)s prefixes in %(where)s look like this, e.g. %(examples)s"
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
    # Probes (monitoring.probes): ``where`` is the probe's name; ``failures`` the failed checks in a row.
    "probe_status": _(
        "%(where)s answered HTTP %(status)s instead of %(expected)s (%(url)s); %(failures)s failed checks in a row"
    ),
    "probe_body": _(
        "%(where)s answered without the expected text “%(text)s” (%(url)s); %(failures)s failed checks in a row"
    ),
    "probe_timeout": _(
        "%(where)s did not answer within %(timeout)s seconds (%(url)s); %(failures)s failed checks in a row"
    ),
    "probe_ssl": _(
        "%(where)s: the TLS/SSL connection failed (%(detail)s); %(failures)s failed checks in a row"
    ),
    "probe_dns": _(
        "%(where)s: the host name %(host)s could not be resolved (DNS); %(failures)s failed checks in a row"
    ),
    "probe_connection": _(
        "%(where)s: could not connect to %(url)s (%(detail)s); %(failures)s failed checks in a row"
    ),
    "probe_error": _("%(where)s: the check failed (%(detail)s); %(failures)s failed checks in a row"),
    "probe_heartbeat_missing": _(
        "no ping from %(where)s since %(since)s (expected every %(interval)s minutes, %(grace)s minutes' grace); "
        "%(failures)s missed checks in a row"
    ),
    "probe_heartbeat_never": _(
        "%(where)s has never pinged its heartbeat URL (expected every %(interval)s minutes, %(grace)s minutes' "
        "grace); %(failures)s missed checks in a row"
    ),
    "probe_sms_no_receipt": _(
        "the test message from %(where)s to +%(to)s through %(account)s got no delivery receipt within "
        "%(minutes)s minutes; %(failures)s failed round trips in a row"
    ),
    "probe_sms_undelivered": _(
        "the test message from %(where)s to +%(to)s through %(account)s was not delivered (receipt: %(detail)s); "
        "%(failures)s failed round trips in a row"
    ),
    "probe_sms_send_failed": _(
        "%(where)s could not send its test message through %(account)s (%(detail)s); %(failures)s failed round "
        "trips in a row"
    ),
}

# Titles of alert sources other than the rollup monitors (``monitors.MONITORS`` have their own).
SOURCE_TITLES: dict[str, Promise] = {
    "probe": _("Probe failing"),
}


def source_title(key: str) -> str:
    title = SOURCE_TITLES.get(key)
    return str(title) if title is not None else key

PERCENT_KEYS = frozenset({"rate", "baseline", "share", "threshold", "delivery"})


def percent(value: Any) -> str:
    if value is None:
        return "—"
    return f"{number_format(round(float(value) * 100), 0, use_l10n=True)}%"


def _value(key: str, value: Any) -> str:
    # A rate is a fraction (a float); a whole-number threshold (e.g. 10 numbers) is a count.
    if key in PERCENT_KEYS and not isinstance(value, int):
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
