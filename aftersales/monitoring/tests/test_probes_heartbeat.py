"""Heartbeat probes: a job pings /hooks/heartbeat/<token>; silence past interval + grace fails."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from aftersales.core import clock
from aftersales.monitoring.models import Alert, ProbeResult
from aftersales.monitoring.probes.actions import save_probe
from aftersales.monitoring.probes.runner import run_due
from aftersales.tickets.models import Ticket

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def _nightly(**extra: Any) -> Any:
    return save_probe(
        actor=None, name="Nightly billing job", kind="heartbeat", interval_minutes=60, grace_minutes=10, **extra
    )


def test_a_ping_is_answered_and_counts_as_a_good_check() -> None:
    client = Client(enforce_csrf_checks=True)
    with clock.moving(NOW) as moving:
        probe = _nightly()
        moving.at = NOW + 30 * MINUTE
        answer = client.post(f"/hooks/heartbeat/{probe.heartbeat_token}")
        also_get = client.get(f"/hooks/heartbeat/{probe.heartbeat_token}/")
    assert answer.status_code == 200 and also_get.status_code == 200
    assert answer.json() == {"state": "ok", "next_ping_before": (NOW + 100 * MINUTE).isoformat()}
    probe.refresh_from_db()
    assert probe.last_ping_at == NOW + 30 * MINUTE and probe.status == "up"
    assert ProbeResult.objects.filter(probe=probe, ok=True, reason="ping").count() == 2


def test_an_unknown_token_is_404_and_other_methods_405() -> None:
    client = Client()
    assert client.get("/hooks/heartbeat/not-a-token").status_code == 404
    with clock.moving(NOW):
        probe = _nightly()
    assert client.put(f"/hooks/heartbeat/{probe.heartbeat_token}").status_code == 405
    http = save_probe(actor=None, name="Site", url="https://www.example.test/")
    assert client.get(f"/hooks/heartbeat/{http.heartbeat_token}").status_code == 404  # not a heartbeat


def test_a_missing_ping_fails_after_interval_and_grace_then_alerts() -> None:
    client = Client()
    with clock.moving(NOW) as moving:
        probe = _nightly()
        client.get(f"/hooks/heartbeat/{probe.heartbeat_token}")
        moving.at = NOW + 69 * MINUTE  # within interval + grace
        assert run_due().checked == 0
        moving.at = NOW + 71 * MINUTE
        first = run_due()
        assert (first.checked, first.failed, first.fired) == (1, 1, [])
        moving.at = NOW + 73 * MINUTE
        assert run_due().checked == 0  # re-checked every 5 minutes while late
        moving.at = NOW + 76 * MINUTE
        second = run_due()
    assert second.fired == [f"probe:{probe.pk}"]
    failure = ProbeResult.objects.filter(probe=probe, ok=False).first()
    assert failure is not None and failure.reason == "heartbeat_missing"
    alert = Alert.objects.get(fingerprint=f"probe:{probe.pk}")
    assert alert.customer is None and alert.state == "firing"
    [ticket] = Ticket.objects.all()
    assert ticket.customer is None and ticket.channel == "monitoring"
    assert "No ping from Nightly billing job since 2026-03-10 02:00 UTC" in ticket.description


def test_a_heartbeat_that_never_pinged_is_late_from_when_it_was_created() -> None:
    with clock.moving(NOW) as moving:
        probe = _nightly(failures_before_alert=1)
        moving.at = NOW + 71 * MINUTE
        report = run_due()
    assert report.fired == [f"probe:{probe.pk}"]
    assert ProbeResult.objects.get(probe=probe).reason == "heartbeat_never"


def test_the_ping_after_silence_recovers_and_resolves_the_ticket() -> None:
    client = Client()
    with clock.moving(NOW) as moving:
        probe = _nightly(failures_before_alert=1, successes_before_resolve=1)
        moving.at = NOW + 71 * MINUTE
        run_due()
        assert Ticket.objects.get().status != "resolved"
        moving.at = NOW + 80 * MINUTE
        client.get(f"/hooks/heartbeat/{probe.heartbeat_token}")
    ticket = Ticket.objects.get()
    assert ticket.status == "resolved"
    assert Alert.objects.get().state == "resolved"


def test_a_paused_heartbeat_notes_the_ping_without_a_result() -> None:
    with clock.moving(NOW):
        probe = _nightly(enabled=False)
        answer = Client().get(f"/hooks/heartbeat/{probe.heartbeat_token}")
    assert answer.json() == {"state": "paused"}
    assert not ProbeResult.objects.exists()
