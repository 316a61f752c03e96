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
