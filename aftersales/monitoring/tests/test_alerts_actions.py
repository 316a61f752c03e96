"""evaluate_all: alerts upserted by fingerprint, damped recovery, one proactive ticket per incident."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from aftersales.audit.models import AuditEntry
from aftersales.monitoring.alerts import evaluate_all
from aftersales.monitoring.models import Alert, AlertIncident, TrafficRollup
from aftersales.monitoring.tests.alerts_helpers import NOW, account, healthy_history, prefix, recent
from aftersales.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
FIVE = dt.timedelta(minutes=5)


def _pass(at: dt.datetime) -> Any:
    with time_machine.travel(at, tick=False):
        return evaluate_all()


def _english(customer: Any) -> None:
    """The ticket is written in the customer's language: these tests read it in English."""
    customer.language = "en"
    customer.save(update_fields=["language"])


def _pumping(personas: Any) -> Any:
    """A pumping attack in a new country: unused codes, many numbers under one prefix, normal DLRs."""
    _english(personas.customer)
    acc = account(personas.customer)
    healthy_history(acc, "GB", network="23410")
    recent(acc, "NG", network="62130", submitted=300, delivered=290, failed=10, requested=300, verified=9)
    prefix(acc, "NG", "23480312", numbers=40)
    return acc


def test_a_pumping_attack_tripping_several_monitors_opens_one_ticket(personas: Any) -> None:
    _pumping(personas)
    report = _pass(NOW)
    monitors = set(Alert.objects.values_list("monitor", flat=True))
    assert {"new_destination", "prefix_concentration", "ait_conversion", "conversion"} <= monitors
    assert report.incidents_opened == 1
    [ticket] = Ticket.objects.all()
    assert ticket.channel == "monitoring" and ticket.customer == personas.customer
    assert ticket.last_customer_message_at is None  # not from the customer
    assert ticket.priority == 1 and ticket.category is not None and ticket.category.code == "fraud"
    assert "Possible SMS pumping" in ticket.subject and "NG" in ticket.subject
    assert "40 distinct numbers under the prefix +23480312" in ticket.description
    assert "sms-pumping-fraud-response" in ticket.description
    incident = AlertIncident.objects.get()
    assert incident.key == "country:NG" and incident.ticket == ticket
    assert set(Alert.objects.values_list("incident", flat=True)) == {incident.pk}
    assert AuditEntry.objects.filter(action="monitoring.incident.open").count() == 1


def test_re_evaluation_updates_the_same_alerts_and_ticket(personas: Any) -> None:
    _pumping(personas)
    _pass(NOW)
    alerts = dict(Alert.objects.values_list("fingerprint", "pk"))
    report = _pass(NOW + FIVE)
    assert dict(Alert.objects.values_list("fingerprint", "pk")) == alerts
    assert report.alerts_opened == 0 and report.alerts_updated == len(alerts)
    assert Ticket.objects.count() == 1 and AlertIncident.objects.count() == 1
    assert {a.last_seen for a in Alert.objects.all()} == {NOW + FIVE}
    assert not Message.objects.filter(kind="note").exists()


def test_an_alert_joining_later_is_noted_on_the_same_ticket(personas: Any) -> None:
    _english(personas.customer)
    acc = account(personas.customer)
    healthy_history(acc)
    recent(acc, "NG", network="62130", submitted=200, delivered=190, failed=10, requested=200, verified=150)
    prefix(acc, "NG", "23480312", numbers=12)
    _pass(NOW)
    ticket = Ticket.objects.get()
    prefix(acc, "NG", "23480313", numbers=12, hour=NOW.replace(minute=0) - dt.timedelta(hours=1))
    TrafficRollup.objects.filter(hour__gte=NOW.replace(minute=0) - dt.timedelta(hours=1)).update(
        conversion_verified=10)
    _pass(NOW + FIVE)
    assert Ticket.objects.count() == 1
    note = Message.objects.get(ticket=ticket, kind="note")
    assert "More evidence" in note.body and "Conversion for NG / 62130 is" in note.body


def test_recovery_must_hold_three_runs_then_the_ticket_resolves_with_a_note(personas: Any) -> None:
    _pumping(personas)
    _pass(NOW)
    ticket = Ticket.objects.get()
    TrafficRollup.objects.filter(country="NG").delete()
    from aftersales.monitoring.models import PrefixRollup

    PrefixRollup.objects.all().delete()
    _pass(NOW + FIVE)
    _pass(NOW + 2 * FIVE)
    assert Alert.objects.filter(state="firing").count() == Alert.objects.count()
    assert Ticket.objects.get().status != "resolved"
    report = _pass(NOW + 3 * FIVE)
    assert report.incidents_resolved == 1
    assert not Alert.objects.filter(state="firing").exists()
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert "Recovered" in Message.objects.get(ticket=ticket, kind="note").body
    assert AlertIncident.objects.get().resolved_at == NOW + 3 * FIVE


def test_a_flapping_metric_does_not_resolve_the_alert(personas: Any) -> None:
    acc = account(personas.customer)
    prefix(acc, "NG", "23480312", numbers=12)
    _pass(NOW)
    from aftersales.monitoring.models import PrefixRollup

    PrefixRollup.objects.all().delete()
    _pass(NOW + FIVE)
    _pass(NOW + 2 * FIVE)
    prefix(acc, "NG", "23480312", numbers=12)
    _pass(NOW + 3 * FIVE)
    alert = Alert.objects.get()
    assert alert.state == "firing" and alert.healthy_runs == 0
    assert Ticket.objects.count() == 1 and Ticket.objects.get().status != "resolved"


def test_an_info_alert_is_listed_without_a_ticket(personas: Any) -> None:
    acc = account(personas.customer)
    healthy_history(acc, "GB", network="23410")
    recent(acc, "KE", submitted=80, delivered=78)  # plain SMS to a new country: no conversion data
    _pass(NOW)
    alert = Alert.objects.get()
    assert (alert.monitor, alert.severity) == ("new_destination", "info")
    assert not Ticket.objects.exists() and not AlertIncident.objects.exists()


def test_normal_traffic_opens_nothing(personas: Any) -> None:
    acc = account(personas.customer)
    healthy_history(acc)
    recent(acc, "NG", network="62130", submitted=200, delivered=190, failed=10, requested=200, verified=142,
           cost="6.00", errors={"1": 10})
    report = _pass(NOW)
    assert report.findings == 0 and not Alert.objects.exists() and not Ticket.objects.exists()


def test_the_ticket_is_written_in_the_customers_language(personas: Any) -> None:
    from django.utils import translation

    personas.customer.language = "en"
    personas.customer.save()
    _pumping(personas)
    with translation.override("zh-hans"):
        _pass(NOW)
    assert Ticket.objects.get().description.startswith("The early-warning monitors found")
