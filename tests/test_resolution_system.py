"""System resolves set the root cause where they know it (issue 8): monitoring's fraud incidents and
balance recoveries; they are never asked for a summary."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from aftersales.monitoring.alerts import evaluate_all
from aftersales.monitoring.models import PrefixRollup, TrafficRollup
from aftersales.monitoring.tests.alerts_helpers import NOW, account, healthy_history, prefix, recent
from aftersales.tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db
FIVE = dt.timedelta(minutes=5)


def _pass(at: dt.datetime) -> Any:
    with time_machine.travel(at, tick=False):
        return evaluate_all()


def test_a_recovered_fraud_incident_resolves_its_ticket_with_the_fraud_cause(personas: Any) -> None:
    personas.customer.language = "en"
    personas.customer.save(update_fields=["language"])
    acc = account(personas.customer)
    healthy_history(acc, "GB", network="23410")
    recent(acc, "NG", network="62130", submitted=300, delivered=290, failed=10, requested=300, verified=9)
    prefix(acc, "NG", "23480312", numbers=40)
    _pass(NOW)
    ticket = Ticket.objects.get()
    assert ticket.category is not None and ticket.category.code == "fraud"
    TrafficRollup.objects.filter(country="NG").delete()
    PrefixRollup.objects.all().delete()
    for step in (1, 2, 3):
        _pass(NOW + step * FIVE)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.root_cause is not None and ticket.root_cause.code == "fraud"
    assert ticket.resolution_summary == ""
