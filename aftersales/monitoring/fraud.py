"""Fraud responses to a pumping alert: what the desk could do, what each would do, and doing it.

``suggestions(alert)`` lists block prefix, restrict country and suspend sub-account with their
effect. ``perform(alert=, action=, actor=)`` does one through the connector of the account's master
(or the account itself): an explicit agent action, noted on the incident ticket and audited. What a
connector cannot do is offered as a guided vendor case instead:

- Vonage suspends a sub-account through its Subaccounts API (``modify_subaccount(suspended=True)``,
  sms-domain §2.2 (7)); prefix and country rules are Fraud Defender Traffic Rules, set in its
  dashboard only, so for Vonage those two are vendor cases;
- the simulator does all three (its traffic rules then refuse the matching messages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.audit.models import AuditEntry
from aftersales.monitoring.models import Alert
from aftersales.monitoring.monitors import MONITORS
from aftersales.sms.balances import connector_options
from aftersales.sms.connectors.base import Connector, SubAccount, TrafficRule, VendorError
from aftersales.sms.connectors.registry import connector_class, get_connector
from aftersales.sms.models import VendorAccount
from aftersales.tickets import actions as tickets


@dataclass(frozen=True)
class SuggestedAction:
    key: str  # "block_prefix", "restrict_country", "suspend_subaccount"
    label: str
    effect: str  # what it would do, in the reader's language
    performable: bool  # the desk can do it here (through the connector)
    vendor_case_url: str = ""  # otherwise: a guided vendor case
    done: AuditEntry | None = None  # when it was done for this alert, and by whom (its audit entry)


def is_fraud_alert(alert: Alert) -> bool:
    monitor = MONITORS.get(alert.monitor)
    return monitor is not None and monitor.is_fraud


def _ticket_ref(alert: Alert) -> str:
    incident = alert.incident
    return incident.ticket.ref if incident is not None and incident.ticket is not None else ""


def _case_url(alert: Alert) -> str:
    ref = _ticket_ref(alert)
    return reverse("sms:case_new") + (f"?ticket={ref}" if ref else "")


ACTIONS = ("block_prefix", "restrict_country", "suspend_subaccount")


def _vendor_side(account: VendorAccount) -> VendorAccount:
    """The account whose connector acts: a sub-account's master, or the account itself."""
    if account.parent_id is not None and account.parent is not None:
        return account.parent
    return account


def can_perform(account: VendorAccount | None, action: str) -> bool:
    """Whether the desk can do ``action`` for ``account`` through a connector (else: a vendor case)."""
    if account is None or action not in ACTIONS:
        return False
    if action == "suspend_subaccount" and account.parent_id is None:
        return False  # only a sub-account can be suspended
    cls = connector_class(_vendor_side(account).kind)
    return getattr(cls, action) is not getattr(Connector, action)


def suggestions(alert: Alert) -> list[SuggestedAction]:
    """The responses to a fraud alert, in escalating order; none for other alerts."""
    if not is_fraud_alert(alert):
        return []
    prefix = (alert.evidence.get("params") or {}).get("prefix")
    account = alert.account
    found = []
    done = {  # the last time each was done for this alert (``perform`` audits it)
        entry.action.removeprefix("monitoring.fraud."): entry
        for entry in AuditEntry.objects.filter(action__startswith="monitoring.fraud.", after__alert=alert.pk)
        .order_by("at")
    }

    def offer(key: str, label: str, effect: str) -> None:
        performable = can_perform(account, key)
        found.append(SuggestedAction(key, label, effect, performable, "" if performable else _case_url(alert),
                                     done.get(key)))  # fmt: skip

    if prefix:
        offer("block_prefix", _("Block prefix +%(prefix)s…") % {"prefix": prefix},
              _("Messages to numbers starting +%(prefix)s are refused by the vendor; other numbers in %(country)s "
                "still get theirs. Set as a Traffic Rule at the vendor.") % {"prefix": prefix,
                                                                           "country": alert.country})
    if alert.country:
        offer("restrict_country", _("Restrict country %(country)s") % {"country": alert.country},
              _("The account stops sending to %(country)s (a country allow-list at the vendor); genuine users there "
                "get no codes until it is lifted.") % {"country": alert.country})
    if account is not None and account.parent_id is not None:
        offer("suspend_subaccount", _("Suspend sub-account %(name)s") % {"name": account.name},
              _("Sub-account %(name)s (%(key)s…) can send nothing at all until it is reactivated: the pumping "
                "stops, and so does its genuine traffic.") % {"name": account.name, "key": account.api_key[:4]})
    return found


def perform(*, alert: Alert, action: str, actor: Any) -> str:
    """Do ``action`` (one of ``ACTIONS``) for the alert's account through the connector; note it on the
    incident ticket and audit it. Returns what was done, in the reader's language. Raises
    ValidationError when it cannot be done here or the vendor refused."""
    account = alert.account
    offered = {s.key: s for s in suggestions(alert)}
    if action not in offered or not offered[action].performable or account is None:
        raise ValidationError(_("The desk cannot do this for this alert's account; open a vendor case instead."))
    vendor_side = VendorAccount.objects.get(pk=_vendor_side(account).pk)
    prefix = str((alert.evidence.get("params") or {}).get("prefix") or "")
    try:
        with get_connector(vendor_side.kind, **connector_options(vendor_side, None)) as connector:
            result: SubAccount | TrafficRule
            if action == "block_prefix":
                result = connector.block_prefix(account.api_key, prefix)
            elif action == "restrict_country":
                result = connector.restrict_country(account.api_key, alert.country)
            else:
                result = connector.suspend_subaccount(account.api_key)
            state = connector.to_dict() if hasattr(connector, "to_dict") else None
    except VendorError as error:
        raise ValidationError(_("The vendor refused: %(error)s") % {"error": error.message}) from error
    done = {
        "block_prefix": _("Prefix +%(prefix)s blocked at the vendor for %(name)s") % {"prefix": prefix,
                                                                                    "name": account.name},
        "restrict_country": _("Country %(country)s restricted at the vendor for %(name)s") % {
            "country": alert.country, "name": account.name},
        "suspend_subaccount": _("Sub-account %(name)s suspended at the vendor") % {"name": account.name},
    }[action]
    with transaction.atomic():
        if state is not None:
            vendor_side.options = {**(vendor_side.options or {}), "state": state}
            vendor_side.save(update_fields=["options"])
        incident = alert.incident
        if incident is not None and incident.ticket is not None:
            tickets.add_note(
                ticket=incident.ticket, actor=actor,
                body=_("%(done)s because of alert %(fingerprint)s.") % {"done": done,
                                                                         "fingerprint": alert.fingerprint},
            )
        after: dict[str, Any] = {"alert": alert.pk, "action": action}
        if isinstance(result, TrafficRule):
            after.update(rule=result.kind, value=result.value)
        else:
            after.update(suspended=result.suspended)
        audit(actor=actor, action=f"monitoring.fraud.{action}", obj=account, after=after)
    return done

