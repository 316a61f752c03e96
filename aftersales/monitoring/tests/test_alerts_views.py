"""The alert list, an alert with its fraud responses, the customer health page, the overview and the
Health panel — as the staff see them."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftersales.audit.models import AuditEntry
from aftersales.monitoring.alerts import evaluate_all
from aftersales.monitoring.models import Alert
from aftersales.monitoring.tests.alerts_helpers import NOW, account, healthy_history, prefix, recent
from aftersales.sms.connectors.simulator import SimulatorConnector
from aftersales.sms.models import VendorAccount
from aftersales.testing.factories import make_customer, make_ticket
from aftersales.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _attack(customer: Any, *, sub: bool = False, key: str = "SIMSTAR1") -> VendorAccount:
    if sub:
        master = VendorAccount.objects.create(
            customer=customer, name="Starriver master", kind="simulator", api_key=f"{key}M",
            options={"state": None, "subaccounts": [{"api_key": key, "name": "OTP sub", "balance": None}]},
        )
        acc = account(customer, api_key=key, parent=master, name="OTP sub")
    else:
        acc = account(customer, api_key=key)
    healthy_history(acc, "GB", network="23410")
    recent(acc, "NG", network="62130", submitted=300, delivered=290, failed=10, requested=300, verified=9)
    prefix(acc, "NG", "23480312", numbers=40)
    return acc


def test_alert_list_explains_each_alert_with_a_chart(client: Any, personas: Any) -> None:
    _attack(personas.customer)
    evaluate_all()
    client.force_login(personas.viewer)
    page = client.get("/monitoring/alerts/?state=firing").content.decode()
    assert 'data-testid="alert-row"' in page
    assert "40 distinct numbers under the prefix +23480312" in page
    assert "<polyline" in page and "<svg" in page and "style=" not in page


def test_alert_list_filters_and_empty_state(client: Any, personas: Any) -> None:
    _attack(personas.customer)
    evaluate_all()
    client.force_login(personas.agent)
    page = client.get("/monitoring/alerts/?monitor=prefix_concentration").content.decode()
    assert page.count('data-testid="alert-row"') == 1
    empty = client.get(f"/monitoring/alerts/?customer={personas.other_customer.code}").content.decode()
    assert "No alert matches." in empty


def test_the_explanation_is_in_the_readers_language(client: Any, personas: Any) -> None:
    _attack(personas.customer)
    evaluate_all()
    client.force_login(personas.viewer)
    english = client.get("/monitoring/alerts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "distinct numbers under the prefix" in english


def test_alert_list_query_count_does_not_grow(client: Any, personas: Any, django_assert_max_num_queries: Any) -> None:
    for n in range(7):
        customer = make_customer(f"pump{n}", f"Pumped {n}")
        _attack(customer, key=f"SIMP{n}")
    evaluate_all()
    client.force_login(personas.viewer)
    with django_assert_max_num_queries(10):
        response = client.get("/monitoring/alerts/")
    assert response.content.decode().count('data-testid="alert-row"') == 25


def test_overview_lists_customers_riskiest_first(client: Any, personas: Any,
                                                 django_assert_max_num_queries: Any) -> None:
    quiet = account(personas.other_customer, api_key="SIMQUIET")
    healthy_history(quiet)
    _attack(personas.customer)
    evaluate_all()
    client.force_login(personas.viewer)
    with django_assert_max_num_queries(9):
        page = client.get("/monitoring/").content.decode()
    rows = page.split('data-testid="risk-row"')[1:]
    assert personas.customer.code in rows[0] and personas.other_customer.code in rows[1]


def test_health_page_draws_labelled_charts_over_three_windows(client: Any, personas: Any) -> None:
    _attack(personas.customer)
    evaluate_all()
    client.force_login(personas.viewer)
    page = client.get(f"/monitoring/customers/{personas.customer.code}/").content.decode()
    assert page.count('data-testid="health-window"') == 3
    assert "<text" in page and "100%" in page  # labelled axes
    assert "Many numbers under one prefix" in page


def test_alert_detail_offers_fraud_actions_with_their_effect(client: Any, personas: Any) -> None:
    acc = _attack(personas.customer)
    acc.kind = "vonage"  # Vonage sets prefix and country rules in its dashboard only: vendor cases
    acc.save(update_fields=["kind"])
    evaluate_all()
    alert = Alert.objects.get(monitor="prefix_concentration")
    client.force_login(personas.agent)
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert 'data-action="block_prefix"' in page and 'data-action="restrict_country"' in page
    assert "Messages to numbers starting +23480312 are refused by the vendor" in page
    ref = Ticket.objects.get().ref
    assert page.count(f"/sms/cases/new/?ticket={ref}") == 2
    assert 'data-testid="perform-block_prefix"' not in page
    assert 'data-action="suspend_subaccount"' not in page  # a master account: nothing to suspend


def test_blocking_the_prefix_through_the_simulator_is_an_audited_agent_action(client: Any, personas: Any) -> None:
    acc = _attack(personas.customer)
    acc.options = {"state": SimulatorConnector(api_key=acc.api_key).to_dict()}
    acc.save(update_fields=["options"])
    evaluate_all()
    alert = Alert.objects.get(monitor="prefix_concentration")
    client.force_login(personas.viewer)
    assert client.post(f"/monitoring/alerts/{alert.pk}/actions/block_prefix/").status_code == 403
    client.force_login(personas.agent)
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert 'data-testid="perform-block_prefix"' in page and 'data-testid="perform-restrict_country"' in page
    assert client.post(f"/monitoring/alerts/{alert.pk}/actions/nonsense/").status_code == 404
    response = client.post(f"/monitoring/alerts/{alert.pk}/actions/block_prefix/", follow=True)
    assert "Prefix +23480312 blocked at the vendor for Starriver OTP." in response.content.decode()
    acc.refresh_from_db()
    rules = SimulatorConnector(state=acc.options["state"]).traffic_rules()
    assert [(r.api_key, r.kind, r.value) for r in rules] == [(acc.api_key, "prefix", "23480312")]
    assert SimulatorConnector(state=acc.options["state"]).refuses(acc.api_key, "2348031200017", "NG")
    assert not SimulatorConnector(state=acc.options["state"]).refuses(acc.api_key, "2348039900017", "NG")
    entry = AuditEntry.objects.get(action="monitoring.fraud.block_prefix")
    assert entry.after["value"] == "23480312"
    assert "Prefix +23480312 blocked at the vendor" in Message.objects.filter(kind="note").get().body
    # The page says it is done (no second button); the other action still asks before it acts.
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert 'data-testid="perform-block_prefix"' not in page
    assert f"Done at the vendor on {entry.at.astimezone(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M}" in page
    assert 'data-confirm="Restrict country NG at the vendor now? The customer\'s traffic changes at once."' in page


def test_suspending_the_sub_account_is_an_audited_agent_action(client: Any, personas: Any) -> None:
    acc = _attack(personas.customer, sub=True)
    master = VendorAccount.objects.get(subaccounts=acc)
    simulated = SimulatorConnector(api_key=master.api_key, subaccounts=[{"api_key": acc.api_key, "name": "OTP sub"}])
    master.options = {"state": simulated.to_dict()}
    master.save()
    evaluate_all()
    alert = Alert.objects.get(monitor="prefix_concentration")
    client.force_login(personas.viewer)
    assert client.post(f"/monitoring/alerts/{alert.pk}/suspend-subaccount/").status_code == 403
    client.force_login(personas.agent)
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert 'data-testid="perform-suspend_subaccount"' in page
    response = client.post(f"/monitoring/alerts/{alert.pk}/suspend-subaccount/", follow=True)
    assert "Sub-account OTP sub suspended at the vendor." in response.content.decode()
    master.refresh_from_db()
    assert master.options["state"]["subaccounts"][0]["suspended"] is True
    assert AuditEntry.objects.filter(action="monitoring.fraud.suspend_subaccount").exists()
    assert "suspended at the vendor" in Message.objects.filter(kind="note").get().body


def test_health_panel_on_customer_and_ticket_pages(client: Any, personas: Any) -> None:
    _attack(personas.customer)
    evaluate_all()
    client.force_login(personas.viewer)
    page = client.get(f"/panels/customer/monitoring-health/{personas.customer.code}/").content.decode()
    assert 'data-testid="health-panel-alert"' in page
    assert 'data-testid="health-panel-probes"' not in page  # no probes: no list
    ticket = make_ticket(customer=personas.other_customer)
    quiet = client.get(f"/panels/ticket/monitoring-health/{ticket.ref}/").content.decode()
    assert "No monitoring alert is firing" in quiet


def test_health_panel_lists_the_customers_probes(client: Any, personas: Any) -> None:
    from aftersales.monitoring.probes.actions import save_probe

    save_probe(actor=None, name="Starriver OTP API", kind="heartbeat", customer=personas.customer,
               interval_minutes=60, grace_minutes=10)
    save_probe(actor=None, name="Our billing job", kind="heartbeat", interval_minutes=60, grace_minutes=10)
    client.force_login(personas.viewer)
    page = client.get(f"/panels/customer/monitoring-health/{personas.customer.code}/").content.decode()
    assert 'data-testid="health-panel-probes"' in page
    assert "Starriver OTP API" in page and "Not checked yet" in page
    assert "Our billing job" not in page  # the team's own probe belongs to no customer


def test_outsiders_get_nothing(client: Any, personas: Any) -> None:
    _attack(personas.customer)
    evaluate_all()
    alert = Alert.objects.get(monitor="prefix_concentration")
    client.force_login(personas.outsider)
    assert client.get("/monitoring/alerts/").status_code == 403
    assert client.get(f"/monitoring/alerts/{alert.pk}/").status_code in (403, 404)
    assert client.get(f"/monitoring/customers/{personas.customer.code}/").status_code == 404
