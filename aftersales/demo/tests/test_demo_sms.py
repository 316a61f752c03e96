"""The demo's SMS business: simulated balances that burn down, and the proactive balance ticket."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from aftersales.sms.models import BalanceIncident, BalanceReading, VendorAccount
from aftersales.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_demo_balances_burn_down_and_one_customer_gets_a_proactive_balance_ticket() -> None:
    call_command("demo", "--tickets", "20", stdout=io.StringIO(), stderr=io.StringIO())
    suda = VendorAccount.objects.get(api_key="SIMSUDA")
    readings = list(BalanceReading.objects.filter(account=suda).order_by("at").values_list("value", flat=True))
    assert len(readings) >= 150  # a month of readings
    assert readings[-1] < readings[0]  # it burns down (a top-up in between, not enough)
    [incident] = BalanceIncident.objects.all()
    assert incident.account == suda and incident.is_open
    ticket = Ticket.objects.get(pk=incident.ticket_id)
    assert ticket.customer is not None and ticket.customer.code == "suda"
    assert ticket.owner == ticket.customer.account_manager
    assert incident.last_runway_hours is not None and incident.last_runway_hours < 72
    assert "runs out in about" in ticket.description or "约" in ticket.description

    client = Client()
    client.force_login(User.objects.get(username="demo-agent"))
    panel = client.get("/panels/customer/sms-balance/suda/").content.decode()
    assert ticket.ref in panel
