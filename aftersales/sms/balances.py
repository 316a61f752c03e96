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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from aftersales.core import clock
from aftersales.sms.connectors.base import Balance, RetryPolicy, SubAccount, VendorError, VendorForbidden, mask_key
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


def connector_options(account: VendorAccount, retry_policy: RetryPolicy | None) -> dict[str, Any]:
    """What ``get_connector`` needs for ``account``: its options (the simulator's saved state), credentials
    and the retry policy. Every caller that talks to an account's vendor builds its connector with this."""
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


@dataclass
class Fetched:
    """What one account's vendor call brought back (no database touched): a balance and
    sub-accounts, or the error that stopped it."""

    account: VendorAccount
    at: datetime
    balance: Balance | None = None
    subaccounts: list[SubAccount] = field(default_factory=list)
    new_state: dict[str, Any] | None = None
    error: VendorError | None = None


def fetch_account(
    account: VendorAccount, *, retry_policy: RetryPolicy | None = None, list_subaccounts: bool = True
) -> Fetched:
    """Call the vendor for ``account`` (network only: safe in a worker thread). Never raises a VendorError.
    ``list_subaccounts`` False skips the second request for an account with no sub-account rows."""
    fetched = Fetched(account=account, at=clock.now())
    try:
        with get_connector(account.kind, **connector_options(account, retry_policy)) as connector:
            fetched.balance = connector.balance()
            try:
                fetched.subaccounts = list(connector.subaccounts()) if list_subaccounts else []
            except VendorForbidden:
                # The Subaccounts API is opt-in at Vonage: a master account without it still has a balance.
                fetched.subaccounts = []
            fetched.new_state = connector.to_dict() if hasattr(connector, "to_dict") else None
    except VendorError as error:
        fetched.error = error
    return fetched


def store_fetched(fetched: Fetched) -> list[VendorAccount]:
    """Store what ``fetch_account`` brought back in one transaction; returns the accounts that got
    a reading (the master first, then its linked sub-accounts), none after a vendor error."""
    account, now, error = fetched.account, fetched.at, fetched.error
    if error is not None or fetched.balance is None:
        code = error.code if error is not None else "error"
        logger.info("balance check of %s failed: %s %s", mask_key(account.api_key), code,
                    error.detail if error is not None else "")
        with translation.override(settings.LANGUAGE_CODE):
            message = str(error.message) if error is not None else ""
        account.state = code
        account.state_message = message
        account.last_checked_at = now
        account.next_check_at = now + interval()
        account.save(update_fields=["state", "state_message", "last_checked_at", "next_check_at"])
        return []
    balance = fetched.balance
    keys = [sub.api_key for sub in fetched.subaccounts]
    linked = {sub.api_key: sub for sub in VendorAccount.objects.filter(parent=account, api_key__in=keys)}
    read = [account]
    with transaction.atomic():
        BalanceReading.objects.create(
            account=account, at=now, value=balance.value, currency=balance.currency, shared=False
        )
        for sub in fetched.subaccounts:
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
            read.append(row)
        account.state = STATE_OK
        account.state_message = ""
        account.last_checked_at = now
        account.next_check_at = now + interval()
        fields = ["state", "state_message", "last_checked_at", "next_check_at"]
        if fetched.new_state is not None:
            account.options = {**(account.options or {}), "state": fetched.new_state}
            fields.append("options")
        account.save(update_fields=fields)
    return read


def check_account(account: VendorAccount, *, retry_policy: RetryPolicy | None = None) -> int:
    """Read ``account`` and store its readings; returns how many were stored (0 on a vendor error)."""
    return len(store_fetched(fetch_account(account, retry_policy=retry_policy)))


def due_accounts() -> Any:
    """Active master accounts (sub-accounts are read through their master) whose check is due."""
    now = clock.now()
    return VendorAccount.objects.filter(active=True, parent__isnull=True).filter(
        Q(next_check_at__isnull=True) | Q(next_check_at__lte=now)
    )


# ``after_store`` gets the stored accounts in batches of about this many (fewer queries per account).
AFTER_STORE_BATCH = 200


def concurrency() -> int:
    return max(1, int(getattr(settings, "SMS_BALANCE_CONCURRENCY", 8)))


def check_due(
    *,
    retry_policy: RetryPolicy | None = None,
    workers: int | None = None,
    after_store: Callable[[list[VendorAccount]], None] | None = None,
    limit: int | None = None,
) -> CheckReport:
    """Check every due master account: the vendor calls run in a pool of ``workers`` threads
    (``SMS_BALANCE_CONCURRENCY``, default 8: bounded, so a vendor sees at most that many requests
    from us at once); each result is stored by this thread as it arrives, in its own transaction,
    so a crash loses at most the accounts still in flight (they stay due and the next run reads
    them). ``after_store`` (the balance alerts) gets the accounts that got a reading."""
    report = CheckReport()
    accounts = list(due_accounts().order_by("next_check_at", "pk")[:limit] if limit else
                    due_accounts().order_by("next_check_at", "pk"))
    if not accounts:
        return report
    # Sub-accounts are listed only for masters that have sub-account rows to store readings for.
    with_subs = set(
        VendorAccount.objects.filter(parent__in=[a.pk for a in accounts]).values_list("parent_id", flat=True)
    ) if len(accounts) <= 1000 else set(
        VendorAccount.objects.filter(parent__isnull=False).values_list("parent_id", flat=True).distinct()
    )
    size = min(workers or concurrency(), len(accounts))

    stored: list[VendorAccount] = []

    def handle(fetched: Fetched) -> None:
        read = store_fetched(fetched)
        report.checked += 1
        report.readings += len(read)
        if fetched.account.state != STATE_OK:
            report.errors[fetched.account.name] = fetched.account.state
        stored.extend(read)
        if after_store is not None and len(stored) >= AFTER_STORE_BATCH:
            after_store(stored[:])
            stored.clear()

    if size == 1:
        for account in accounts:
            handle(fetch_account(account, retry_policy=retry_policy, list_subaccounts=account.pk in with_subs))
    else:
        with ThreadPoolExecutor(max_workers=size, thread_name_prefix="balance") as pool:
            futures = [
                pool.submit(
                    fetch_account, account, retry_policy=retry_policy, list_subaccounts=account.pk in with_subs
                )
                for account in accounts
            ]
            for future in as_completed(futures):
                handle(future.result())
    if after_store is not None and stored:
        after_store(stored)
    return report


def top_up_simulator(account: VendorAccount, amount: Decimal, *, api_key: str | None = None) -> Decimal:
    """Add funds to a simulated account (the demo's "the customer paid"); returns the new balance.
    The simulator's state lives in the account's options, so the next check reads the new balance."""
    if account.kind != VendorAccount.Kind.SIMULATOR:
        raise ValueError("only a simulated account can be topped up here")
    with get_connector(account.kind, **connector_options(account, None)) as connector:
        new_balance: Decimal = connector.top_up(amount, api_key=api_key)  # type: ignore[attr-defined]
        state = connector.to_dict()  # type: ignore[attr-defined]
    account.options = {**(account.options or {}), "state": state}
    account.save(update_fields=["options"])
    return new_balance
