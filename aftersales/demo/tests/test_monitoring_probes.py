"""The demo's probes: a late nightly-billing heartbeat with its alert and ticket, and the login page."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.demo.monitoring_probes import BILLING_JOB, load_probes
from aftersales.monitoring.models import Alert, Probe
from aftersales.tickets.models import Ticket

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def test_the_demo_billing_heartbeat_is_late_and_has_one_ticket() -> None:
    loaded = load_probes(now=NOW)
    billing = Probe.objects.get(name=BILLING_JOB)
    assert loaded["alerts"] == [f"probe:{billing.pk}"]
    assert Alert.objects.get().state == "firing"
    [ticket] = Ticket.objects.all()
    assert ticket.customer is None and BILLING_JOB in ticket.subject and ticket.created_at <= NOW
    login = Probe.objects.get(kind="http")
    assert login.url.endswith("/login/") and not login.results.exists()
    assert load_probes(now=NOW) == {"skipped": True}
