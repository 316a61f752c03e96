"""SMS background work: the balance check (every minute; each account every
``SMS_BALANCE_INTERVAL_MINUTES``, see ``sms.balances``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django_tasks import task

from aftersales.core.scheduler import register_job
from aftersales.sms import balances, incidents


@task()
def check_balances() -> dict[str, Any]:
    """Every minute: read the vendor accounts whose check is due, store their balances and open,
    update or close their balance incidents (``sms.incidents``)."""
    return asdict(balances.check_due(after_store=incidents.evaluate_accounts))


register_job("sms.check_balances", every=dt.timedelta(minutes=1), task=check_balances)


@task()
def remind_overdue_registrations() -> int:
    """Every hour: remind the owners of overdue sender-ID registrations (each at most once a day)."""
    from aftersales.sms.registrations import remind_overdue_registrations as remind

    return remind()


register_job("sms.remind_overdue_registrations", every=dt.timedelta(hours=1), task=remind_overdue_registrations)


@task()
def sync_numbers() -> dict[str, Any]:
    """Daily (03:00 UTC): bring every vendor account's numbers in line with the vendor (``sms.numbers``)."""
    from aftersales.sms.numbers import sync_all

    results = sync_all()
    return {
        "accounts": len(results),
        "errors": {r.account.name: r.error_code for r in results if not r.ok},
        "created": sum(len(r.created) for r in results),
        "released": sum(len(r.released) for r in results),
    }


register_job("sms.sync_numbers", every=dt.timedelta(days=1), offset=dt.timedelta(hours=3), task=sync_numbers)


@task()
def check_number_webhooks() -> dict[str, Any]:
    """Hourly: flag numbers whose inbound webhook is missing or does not answer (``sms.webhookcheck``)."""
    from aftersales.sms.webhookcheck import check_webhooks

    return check_webhooks().as_dict()


register_job("sms.check_number_webhooks", every=dt.timedelta(hours=1), task=check_number_webhooks)
