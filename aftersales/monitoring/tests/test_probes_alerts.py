"""A failing probe → one alert → one proactive ticket; damped recovery → a note and the ticket resolved;
the 5-minute monitor pass leaves probe alerts alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from aftersales.core import clock
from aftersales.monitoring.alerts import evaluate_all
from aftersales.monitoring.models import Alert, AlertIncident
from aftersales.monitoring.probes.actions import save_probe
from aftersales.monitoring.probes.runner import run_due
from aftersales.monitoring.tests.probe_server import ProbeServer, probe_server
from aftersales.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
FIVE = dt.timedelta(minutes=5)


@pytest.fixture
def server() -> Iterator[ProbeServer]:
    with probe_server() as running:
        yield running


def _runs(moving: Any, *steps: int) -> list[Any]:
    reports = []
    for step in steps:
        moving.at = NOW + step * FIVE
        reports.append(run_due())
    return reports


def _customer_probe(personas: Any, server: ProbeServer) -> Any:
    personas.customer.language = "en"
    personas.customer.save(update_fields=["language"])
    return save_probe(
        actor=None,
        name="Starriver OTP API",
        customer=personas.customer,
        url=f"{server.base}/switch",
        interval_minutes=5,
        severity="critical",
    )


def test_two_failures_in_a_row_open_exactly_one_ticket(personas: Any, server: ProbeServer) -> None:
    server.switch = 500
    with clock.moving(NOW) as moving:
        probe = _customer_probe(personas, server)
        first, second, third = _runs(moving, 0, 1, 2)
    assert first.fired == []
    assert second.fired == [f"probe:{probe.pk}"] and third.fired == []
    alert = Alert.objects.get()
    assert (alert.monitor, alert.severity, alert.state) == ("probe", "critical", "firing")
    assert alert.evidence["code"] == "probe_status" and len(alert.evidence["results"]) == 3
    assert alert.last_seen == NOW + 2 * FIVE and alert.first_seen == NOW + FIVE
    [ticket] = Ticket.objects.all()
    assert ticket.customer == personas.customer and ticket.channel == "monitoring" and ticket.priority == 1
    assert ticket.subject == "Probe failing: Starriver Tech 星河科技, Starriver OTP API"
    assert "Starriver OTP API answered HTTP 500 instead of 200" in ticket.description
    assert f"/monitoring/probes/{probe.pk}/" in ticket.description
    assert AlertIncident.objects.get().key == f"probe:{probe.pk}"


def test_one_failure_then_success_opens_nothing(personas: Any, server: ProbeServer) -> None:
    server.switch = 500
    with clock.moving(NOW) as moving:
        _customer_probe(personas, server)
        _runs(moving, 0)
        server.switch = 200
        _runs(moving, 1)
        server.switch = 500
        _runs(moving, 2)
    assert not Alert.objects.exists() and not Ticket.objects.exists()


def test_recovery_must_hold_then_the_ticket_gets_a_note_and_resolves(personas: Any, server: ProbeServer) -> None:
    server.switch = 500
    with clock.moving(NOW) as moving:
        _customer_probe(personas, server)
        _runs(moving, 0, 1)
        server.switch = 200
        _runs(moving, 2)
        assert Ticket.objects.get().status != "resolved"
        server.switch = 500  # flapping: the recovery count starts over
        _runs(moving, 3)
        assert Alert.objects.get().healthy_runs == 0
        server.switch = 200
        [_, last] = _runs(moving, 4, 5)
    assert last.resolved == [Alert.objects.get().fingerprint]
    ticket = Ticket.objects.get()
    assert ticket.status == "resolved"
    assert "Recovered" in Message.objects.get(ticket=ticket, kind="note").body
    assert AlertIncident.objects.get().resolved_at == NOW + 5 * FIVE


def test_a_probe_of_our_own_service_opens_a_ticket_without_customer(server: ProbeServer) -> None:
    server.switch = 503
    with clock.moving(NOW) as moving:
        save_probe(actor=None, name="Desk login page", url=f"{server.base}/switch")
        _runs(moving, 0, 1)
    [ticket] = Ticket.objects.all()
    assert ticket.customer is None and ticket.channel == "monitoring"
    assert ticket.subject == "Probe failing: our own services, Desk login page"
    assert ticket.description.startswith("A probe of our own services failed:")
    assert AlertIncident.objects.get().customer is None


def test_the_five_minute_monitor_pass_does_not_resolve_a_probe_alert(personas: Any, server: ProbeServer) -> None:
    server.switch = 500
    with clock.moving(NOW) as moving:
        _customer_probe(personas, server)
        _runs(moving, 0, 1)
        for n in range(2, 6):
            moving.at = NOW + n * FIVE
            evaluate_all()
    assert Alert.objects.get().state == "firing" and Alert.objects.get().healthy_runs == 0
    assert Ticket.objects.get().status != "resolved" and AlertIncident.objects.get().resolved_at is None


def test_disabling_a_failing_probe_resolves_its_alert_and_ticket(personas: Any, server: ProbeServer) -> None:
    server.switch = 500
    with clock.moving(NOW) as moving:
        probe = _customer_probe(personas, server)
        _runs(moving, 0, 1)
        save_probe(actor=None, probe=probe, enabled=False)
    assert Alert.objects.get().state == "resolved"
    assert Ticket.objects.get().status == "resolved"
