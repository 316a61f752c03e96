"""The "SMS balance" panel on the customer and ticket pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from aftersales.sms.models import BalanceReading, VendorAccount
from aftersales.testing.factories import make_ticket

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _panel(client, page: str, ref: str) -> str:
    response = client.get(f"/panels/{page}/sms-balance/{ref}/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def accounts(personas) -> tuple[VendorAccount, VendorAccount]:
    master = VendorAccount.objects.create(
        customer=personas.customer, name="Starriver master", kind="vonage", api_key="a1b2c3d4", state="ok"
    )
    sub = VendorAccount.objects.create(
        customer=personas.subaccount, name="Starriver OTP", kind="vonage", api_key="a1b2sub02", parent=master
    )
    for h in range(49):  # 2 days, 1 EUR/hour, then a top-up of 100 one hour ago
        at = NOW - timedelta(hours=48 - h)
        value = Decimal(100 - h) + (100 if h == 48 else 0)
        BalanceReading.objects.create(account=master, at=at, value=value)
        BalanceReading.objects.create(account=sub, at=at, value=Decimal(50), shared=False)
    return master, sub


def test_the_customer_page_shows_balance_runway_and_subaccounts(client, personas):
    accounts(personas)
    client.force_login(personas.agent)
    with time_machine.travel(NOW, tick=False):
        page = _panel(client, "customer", personas.customer.code)
    assert "Starriver master" in page
    assert "152.00 EUR" in page
    # 47 EUR spent over 48 h (the top-up ignored): 152 / (47/48) h ≈ 155 h ≈ 6 days
    assert "Runs out in about 6 days" in page
    assert "based on 49 readings over the last 2 days; 1 top-up ignored" in page
    assert "Starriver OTP" in page and "50.00 EUR" in page
    assert "No spending measured" in page


def test_a_vendor_error_is_shown_as_the_account_state(client, personas):
    master, _sub = accounts(personas)
    master.state = "auth"
    master.state_message = "The SMS vendor rejected the API key or secret (401). Check the account's credentials."
    master.save()
    client.force_login(personas.agent)
    with time_machine.travel(NOW, tick=False):
        page = _panel(client, "customer", personas.customer.code)
    assert "rejected the API key or secret (401)" in page


def test_the_ticket_page_shows_the_customers_balance(client, personas):
    accounts(personas)
    ticket = make_ticket("Balance low?", customer=personas.customer, contact=personas.contact)
    client.force_login(personas.agent)
    with time_machine.travel(NOW, tick=False):
        page = _panel(client, "ticket", ticket.ref)
    assert "152.00 EUR" in page


def test_a_customer_without_a_vendor_account_has_an_empty_state(client, personas):
    client.force_login(personas.agent)
    page = _panel(client, "customer", personas.other_customer.code)
    assert "No SMS vendor account is linked to this customer." in page


def test_outsiders_do_not_get_the_panel(client, personas):
    client.force_login(personas.outsider)
    response = client.get(f"/panels/customer/sms-balance/{personas.customer.code}/")
    assert response.status_code in (403, 404)


def test_the_panel_draws_a_30_day_chart_without_script(client, personas):
    accounts(personas)
    client.force_login(personas.agent)
    with time_machine.travel(NOW, tick=False):
        page = _panel(client, "customer", personas.customer.code)
    assert 'data-testid="sms-chart"' in page
    assert "<polyline" in page and "<script" not in page and "style=" not in page
    assert "Balance over the last 30 days, from 53.00 to 152.00" in page


def test_chart_scales_readings_into_the_box():
    from aftersales.sms.panels import CHART_HEIGHT, CHART_WIDTH, chart

    start = NOW - timedelta(days=30)
    drawn = chart([(start, Decimal(10)), (NOW, Decimal(0))], start=start, end=NOW)
    assert drawn is not None
    assert drawn.points == f"0,2.0 {CHART_WIDTH},{CHART_HEIGHT - 2:.1f}"
    assert chart([(NOW, Decimal(1))], start=start, end=NOW) is None
