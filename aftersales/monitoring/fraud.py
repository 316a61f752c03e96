"""Fraud responses to a pumping alert: what the desk could do, what each would do, and the one the
vendor API lets us perform (suspending a sub-account, sms-domain §2.2 (7)).

``suggestions(alert)`` lists block prefix, restrict country and suspend sub-account with their
effect. Blocking a prefix or a country is a vendor-side rule (Vonage Fraud Defender Traffic Rules,
dashboard only): the desk offers a guided vendor case. ``suspend_subaccount`` is an explicit agent
action through the master account's connector (the simulator and Vonage's Subaccounts API
``modify_subaccount(suspended=True)``), noted on the incident ticket and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.monitoring.models import Alert
from aftersales.monitoring.monitors import MONITORS
from aftersales.sms.balances import connector_options
from aftersales.sms.connectors.base import Connector, SubAccount, VendorError
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


def is_fraud_alert(alert: Alert) -> bool:
    monitor = MONITORS.get(alert.monitor)
    return monitor is not None and monitor.is_fraud


def _ticket_ref(alert: Alert) -> str:
    incident = alert.incident
    return incident.ticket.ref if incident is not None and incident.ticket is not None else ""


def _case_url(alert: Alert) -> str:
    ref = _ticket_ref(alert)
    return reverse("sms:case_new") + (f"?ticket={ref}" if ref else "")


def can_suspend(account: VendorAccount | None) -> bool:
    """A vendor sub-account whose master's connector can suspend it."""
    if account is None or account.parent_id is None or account.parent is None:
        return False
    cls = connector_class(account.parent.kind)
    return cls.suspend_subaccount is not Connector.suspend_subaccount


def suggestions(alert: Alert) -> list[SuggestedAction]:
    """The responses to a fraud alert, in escalating order; none for other alerts."""
    if not is_fraud_alert(alert):
        return []
    prefix = (alert.evidence.get("params") or {}).get("prefix")
    found = []
    if prefix:
        found.append(SuggestedAction(
            "block_prefix", _("Block prefix +%(prefix)s…") % {"prefix": prefix},
            _("Messages to numbers starting +%(prefix)s are refused by the vendor; other numbers in %(country)s "
              "still get theirs. Set as a Traffic Rule at the vendor.") % {"prefix": prefix, "country": alert.country},
            False, _case_url(alert),
        ))
    found.append(SuggestedAction(
        "restrict_country", _("Restrict country %(country)s") % {"country": alert.country or "?"},
        _("The account stops sending to %(country)s (a country allow-list at the vendor); genuine users there "
          "get no codes until it is lifted.") % {"country": alert.country or "?"},
        False, _case_url(alert),
    ))
    account = alert.account
    if account is not None and account.parent_id is not None:
        performable = can_suspend(account)
        found.append(SuggestedAction(
            "suspend_subaccount", _("Suspend sub-account %(name)s") % {"name": account.name},
            _("Sub-account %(name)s (%(key)s…) can send nothing at all until it is reactivated: the pumping stops, "
              "and so does its genuine traffic.") % {"name": account.name, "key": account.api_key[:4]},
            performable, "" if performable else _case_url(alert),
        ))
    return found


def suspend_subaccount(*, alert: Alert, actor: Any) -> SubAccount:
    """Suspend the alert's vendor sub-account through its master's connector; note it on the incident
    ticket and audit it. Raises ValidationError when the alert's account cannot be suspended here or
    the vendor refused."""
    account = alert.account
    if not is_fraud_alert(alert) or account is None or account.parent_id is None or not can_suspend(account):
        raise ValidationError(_("This alert's account is not a sub-account the desk can suspend; open a vendor "
                                "case instead."))
    master = VendorAccount.objects.get(pk=account.parent_id)
    try:
        with get_connector(master.kind, **connector_options(master, None)) as connector:
            result = connector.suspend_subaccount(account.api_key)
            state = connector.to_dict() if hasattr(connector, "to_dict") else None
    except VendorError as error:
        raise ValidationError(_("The vendor refused: %(error)s") % {"error": error.message}) from error
    with transaction.atomic():
        if state is not None:
            master.options = {**(master.options or {}), "state": state}
            master.save(update_fields=["options"])
        incident = alert.incident
        if incident is not None and incident.ticket is not None:
            tickets.add_note(
                ticket=incident.ticket, actor=actor,
                body=_("Sub-account %(name)s suspended at the vendor because of alert %(fingerprint)s.")
                % {"name": account.name, "fingerprint": alert.fingerprint},
            )
        audit(actor=actor, action="monitoring.fraud.suspend_subaccount", obj=account,
              before={"suspended": False}, after={"suspended": result.suspended, "alert": alert.pk})
    return result
