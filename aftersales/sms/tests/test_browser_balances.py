"""The balance panel in a real Chromium: the customer page loads it (htmx), links the open balance
ticket, and its "Change" link leads to the thresholds form."""

from __future__ import annotations

import re

import pytest

from aftersales.sms import balances, incidents
from aftersales.sms.models import BalanceAlertSettings, BalanceIncident, VendorAccount
from aftersales.sms.tests.test_browser_templatecheck import sign_in
from aftersales.testing.factories import make_customer, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_customer_page_shows_the_balance_ticket_and_the_threshold_can_be_changed(page, live_server):
    agent = make_user("li.heping", role="agent", display_name="Li Heping", language="en")
    customer = make_customer("suda", "Suda Logistics", account_manager=agent)
    VendorAccount.objects.create(customer=customer, name="Suda main", kind="simulator", api_key="SIMSUDA",
                                 options={"seed": 5, "master_balance": "60", "burn_per_hour": "2"})
    BalanceAlertSettings.objects.create(customer=customer, below_amount=100)
    balances.check_due(workers=1, after_store=incidents.evaluate_accounts)
    incident = BalanceIncident.objects.get()
    ref = incident.ticket.ref

    sign_in(page, live_server, "li.heping")
    page.goto(f"{live_server.url}/customers/suda/")
    panel = page.get_by_test_id("sms-balance-incident")
    panel.wait_for()
    assert ref in panel.inner_text()
    thresholds = page.get_by_test_id("sms-balance-thresholds")
    assert "opens under 100.00 or when the runway is under 72 hours" in thresholds.inner_text()

    page.get_by_test_id("sms-balance-alerts-link").click()
    page.wait_for_url(re.compile(r"/sms/customers/suda/balance-alerts/"))
    assert ref in page.get_by_test_id("balance-incidents").inner_text()
    page.get_by_label("Alert when runway is under (hours)").fill("24")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/customers/suda/$"))
    assert BalanceAlertSettings.objects.get(customer=customer).runway_hours == 24
    thresholds.wait_for()
    assert "opens under 100.00 or when the runway is under 24 hours" in thresholds.inner_text()
