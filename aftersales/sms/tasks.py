"""SMS background work: the balance check (every minute; each account every
``SMS_BALANCE_INTERVAL_MINUTES``, see ``sms.balances``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django_tasks import task

from aftersales.core.scheduler import register_job
from aftersales.sms import balances


@task()
def check_balances() -> dict[str, Any]:
    """Every minute: read the vendor accounts whose check is due and store their balances."""
    return asdict(balances.check_due())


register_job("sms.check_balances", every=dt.timedelta(minutes=1), task=check_balances)
