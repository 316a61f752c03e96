"""The balance alert settings page and what the balance panel says about thresholds and incidents."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.audit.models import AuditEntry
from aftersales.core import clock
from aftersales.sms.models import BalanceAlertSettings, BalanceIncident, VendorAccount
from aftersales.testing.factories import make_contact, make_ticket

pytestmark = pytest.mark.django_db

URL = "/sms/customers/starriver/balance-alerts/"


def test_an_agent_sets_thresholds_and_the_billing_contact(client, personas):
    billing = make_contact(personas.customer, "Qian Duoduo", email="billing@starriver.example")
    client.force_login(personas.agent)
    page = client.get(URL)
    assert page.status_code == 200 and "a runway under 72 hours" in page.content.decode()
    answer = client.post(URL, {"below_amount": "20", "runway_hours": "48", "notify_customer": "on",
                               "billing_contact": billing.pk, "auto_resolve": "on"})
    assert answer.status_code == 302 and answer["Location"] == "/customers/starriver/"
    saved = BalanceAlertSettings.objects.get(customer=personas.customer)
    assert (saved.below_amount, saved.runway_hours, saved.notify_customer, saved.billing_contact) == (
        Decimal(20), 48, True, billing)
    assert AuditEntry.objects.filter(action="sms.balance_alerts.save").exists()


def test_emailing_the_customer_needs_a_billing_contact_with_an_address(client, personas):
    client.force_login(personas.agent)
    answer = client.post(URL, {"runway_hours": "48", "notify_customer": "on"})
    assert answer.status_code == 400
    assert "pick a billing contact with an email address" in answer.content.decode()
    assert not BalanceAlertSettings.objects.exists()


def test_another_customers_contact_cannot_be_the_billing_contact(client, personas):
    stranger = make_contact(personas.other_customer, "Ma Li", email="ma.li@bluewave.example")
    client.force_login(personas.agent)
    answer = client.post(URL, {"runway_hours": "48", "billing_contact": stranger.pk})
    assert answer.status_code == 400 and not BalanceAlertSettings.objects.exists()


def test_a_negative_threshold_is_refused_next_to_the_field(client, personas):
    client.force_login(personas.agent)
    answer = client.post(URL, {"below_amount": "-5"})
    assert answer.status_code == 400 and "cannot be negative" in answer.content.decode()


def test_the_balance_panel_links_the_open_incident_and_says_the_threshold(client, personas):
    account = VendorAccount.objects.create(customer=personas.customer, name="Starriver main", kind="simulator",
                                           api_key="SIMPANEL", options={"master_balance": "10"})
    ticket = make_ticket("Balance low", customer=personas.customer)
    BalanceIncident.objects.create(account=account, ticket=ticket, reason="runway", opened_at=clock.now(),
                                   updated_at=clock.now())
    client.force_login(personas.viewer)
    body = client.get("/panels/customer/sms-balance/starriver/").content.decode()
    assert f'href="/tickets/{ticket.ref}/"' in body and "Balance ticket" in body
    assert "A balance ticket opens when the runway is under 72 hours." in body
    assert URL in body
