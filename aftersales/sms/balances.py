"""The balance check: read each due vendor account through its connector and store readings.

``check_account`` reads a master account's balance and its sub-accounts, stores one
:class:`BalanceReading` for the account and one for each listed sub-account that has a
VendorAccount row (matched by API key among the VendorAccount rows whose ``parent`` is
the account). A vendor error never raises: it is stored as the account's state
(the error's code) with its translated message, and the next check tries again.
``check_due`` checks every active account whose ``next_check_at`` has passed; it runs every
minute from the scheduler (``sms.check_balances``), each account every
``SMS_BALANCE_INTERVAL_MINUTES`` (default 15).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from aftersales.core import clock
from aftersales.sms.connectors.base import RetryPolicy, VendorError, VendorForbidden, mask_key
from aftersales.sms.connectors.registry import get_connector
from aftersales.sms.models import STATE_OK, BalanceReading, VendorAccount

logger = logging.getLogger(__name__)

# Options that are ours, not the connector's.
LOCAL_OPTIONS = {"state"}


def interval() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "SMS_BALANCE_INTERVAL_MINUTES", 15)))


@dataclass
class CheckReport:
    checked: int = 0
    readings: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # account name → error code


def _connector_options(account: VendorAccount, retry_policy: RetryPolicy | None) -> dict[str, Any]:
    options = {k: v for k, v in (account.options or {}).items() if k not in LOCAL_OPTIONS}
    if account.kind == VendorAccount.Kind.SIMULATOR:
        state = (account.options or {}).get("state")
        if state:
            options = {"state": state}
        else:
            options.setdefault("api_key", account.api_key)
    options["api_secret"] = account.api_secret or ""
    if account.kind == VendorAccount.Kind.VONAGE:
        options["api_key"] = account.api_key
    if retry_policy is not None:
        options["retry_policy"] = retry_policy
    return options


def check_account(account: VendorAccount, *, retry_policy: RetryPolicy | None = None) -> int:
    """Read ``account`` and store its readings; returns how many were stored (0 on a vendor error)."""
    now = clock.now()
    stored = 0
    try:
        with get_connector(account.kind, **_connector_options(account, retry_policy)) as connector:
            balance = connector.balance()
            try:
                subaccounts = connector.subaccounts()
            except VendorForbidden:
                # The Subaccounts API is opt-in at Vonage: a master account without it still has a balance.
                subaccounts = []
            new_state = connector.to_dict() if hasattr(connector, "to_dict") else None
    except VendorError as error:
        logger.info("balance check of %s failed: %s %s", mask_key(account.api_key), error.code, error.detail)
        with translation.override(settings.LANGUAGE_CODE):
            message = str(error.message)
        account.state = error.code
        account.state_message = message
        account.last_checked_at = now
        account.next_check_at = now + interval()
        account.save(update_fields=["state", "state_message", "last_checked_at", "next_check_at"])
        return 0
    keys = [sub.api_key for sub in subaccounts]
    linked = {sub.api_key: sub for sub in VendorAccount.objects.filter(parent=account, api_key__in=keys)}
    with transaction.atomic():
        BalanceReading.objects.create(
            account=account, at=now, value=balance.value, currency=balance.currency, shared=False
        )
        stored += 1
        for sub in subaccounts:
            row = linked.get(sub.api_key)
            if row is None:
                continue
            BalanceReading.objects.create(
                account=row,
                at=now,
                value=balance.value if sub.balance is None else sub.balance,
                currency=balance.currency,
                shared=sub.balance is None,
                credit_limit=sub.credit_limit,
            )
            row.state, row.state_message, row.last_checked_at = STATE_OK, "", now
            row.save(update_fields=["state", "state_message", "last_checked_at"])
            stored += 1
        account.state = STATE_OK
        account.state_message = ""
        account.last_checked_at = now
        account.next_check_at = now + interval()
        fields = ["state", "state_message", "last_checked_at", "next_check_at"]
        if new_state is not None:
            account.options = {**(account.options or {}), "state": new_state}
            fields.append("options")
        account.save(update_fields=fields)
    return stored


def due_accounts() -> Any:
    """Active master accounts (sub-accounts are read through their master) whose check is due."""
    now = clock.now()
    return VendorAccount.objects.filter(active=True, parent__isnull=True).filter(
        Q(next_check_at__isnull=True) | Q(next_check_at__lte=now)
    )


def check_due(*, retry_policy: RetryPolicy | None = None) -> CheckReport:
    report = CheckReport()
    for account in due_accounts().order_by("next_check_at", "pk"):
        report.readings += check_account(account, retry_policy=retry_policy)
        report.checked += 1
        if account.state != STATE_OK:
            report.errors[account.name] = account.state
    return report
