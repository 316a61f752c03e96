"""The probe pages as the staff see them: list, empty state, form errors, permissions, the heartbeat URL,
Run now; and the alert pages with a probe alert of our own service (no customer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import override_settings

from aftersales.audit.models import AuditEntry
from aftersales.monitoring.models import Alert, Probe, ProbeResult
from aftersales.monitoring.probes.actions import save_probe

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)

VALID = {
    "name": "Starriver OTP API",
    "kind": "http",
    "customer": "",
    "enabled": "on",
    "severity": "warning",
    "interval_minutes": "5",
    "failures_before_alert": "2",
    "successes_before_resolve": "2",
    "url": "https://otp.starriver.example.test/health",
    "method": "GET",
    "expected_status": "200",
    "body_contains": "",
    "timeout_seconds": "10",
    "grace_minutes": "5",
    "account": "",
    "destination": "",
    "receipt_minutes": "5",
}


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_empty_list_explains_what_probes_are(client: Any, personas: Any) -> None:
    client.force_login(personas.agent)
    page = client.get("/monitoring/probes/").content.decode()
    assert 'data-testid="empty-state"' in page and "No probes yet." in page
    assert "Leads and admins can add probes." in page and 'data-testid="probe-new"' not in page
    assert 'data-testid="monitoring-probes-link"' in page  # in the monitoring nav


def test_the_list_shows_status_uptime_and_latency(
    client: Any, personas: Any, django_assert_max_num_queries: Any
) -> None:
    probes = [save_probe(actor=None, name=f"API {n}", url=f"https://api{n}.example.test/") for n in range(8)]
    for n, ok in enumerate((True, True, True, False)):
        ProbeResult.objects.create(
            probe=probes[0], at=NOW - dt.timedelta(minutes=n), ok=ok, latency_ms=120, reason="ok" if ok else "status"
        )
    ProbeResult.objects.create(probe=probes[0], at=NOW - dt.timedelta(days=2), ok=False, reason="timeout")
    Probe.objects.filter(pk=probes[0].pk).update(
        status="up", last_ok=True, last_reason="ok", last_latency_ms=1234, last_run_at=NOW
    )
    client.force_login(personas.viewer)
    with django_assert_max_num_queries(10):
        page = client.get("/monitoring/probes/").content.decode()
    assert page.count('data-testid="probe-row"') == 8
    first = page.split('data-testid="probe-row"')[1]
    assert "75.0%" in first and "4 checks" in first and "1,234 ms" in first and 'data-status="up"' in first
    assert "Our own service" in first


def test_a_lead_creates_a_probe(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    response = client.post("/monitoring/probes/new/", {**VALID, "customer": personas.customer.pk})
    probe = Probe.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/monitoring/probes/{probe.pk}/"
    assert probe.customer == personas.customer and probe.next_run_at == NOW
    assert AuditEntry.objects.filter(action="monitoring.probe.create").count() == 1


def test_the_form_explains_each_bad_value(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    response = client.post(
        "/monitoring/probes/new/",
        {
            **VALID,
            "url": "ftp://files.example.test/status",
            "timeout_seconds": "0",
            "interval_minutes": "0",
            "expected_status": "99",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Only http:// and https:// URLs can be checked." in page
    assert "The timeout must be between 1 and 60 seconds." in page
    assert "Check at least every minute" in page
    assert "An HTTP status is a number from 100 to 599." in page
    missing = client.post("/monitoring/probes/new/", {**VALID, "url": ""}).content.decode()
    assert "An HTTP probe needs the URL to check." in missing
    sms = client.post("/monitoring/probes/new/", {**VALID, "kind": "sms_roundtrip", "destination": "12"})
    assert "An SMS round trip needs the vendor account" in sms.content.decode()
    assert "Give the number in international form" in sms.content.decode()
    assert not Probe.objects.exists()


def test_an_agent_cannot_create_or_edit_but_can_run(client: Any, personas: Any) -> None:
    probe = save_probe(actor=None, name="Site", url="http://127.0.0.1:9/")  # discard port: refused
    client.force_login(personas.agent)
    assert client.get("/monitoring/probes/new/").status_code == 403
    assert client.post("/monitoring/probes/new/", VALID).status_code == 403
    assert client.post(f"/monitoring/probes/{probe.pk}/edit/", VALID).status_code == 403
    assert client.post(f"/monitoring/probes/{probe.pk}/delete/").status_code == 403
    assert client.post(f"/monitoring/probes/{probe.pk}/new-token/").status_code == 403
    page = client.get(f"/monitoring/probes/{probe.pk}/").content.decode()
    assert 'data-testid="probe-run"' in page and 'data-testid="probe-edit"' not in page
    ran = client.post(f"/monitoring/probes/{probe.pk}/run/", follow=True).content.decode()
    assert "Check failed: Connection failed" in ran
    assert ProbeResult.objects.get(probe=probe).reason == "connection"
    assert Probe.objects.get().name == "Site"


def test_viewers_read_and_outsiders_are_refused(client: Any, personas: Any) -> None:
    probe = save_probe(actor=None, name="Site", url="https://www.example.test/")
    client.force_login(personas.viewer)
    assert client.get(f"/monitoring/probes/{probe.pk}/").status_code == 200
    assert client.post(f"/monitoring/probes/{probe.pk}/run/").status_code == 403
    client.force_login(personas.outsider)
    assert client.get("/monitoring/probes/").status_code == 403
    assert client.get(f"/monitoring/probes/{probe.pk}/").status_code == 403
    assert client.get("/monitoring/probes/999/").status_code == 403


@override_settings(SITE_URL="https://desk.example.test/")
def test_the_heartbeat_url_is_shown_to_copy_and_can_be_replaced(client: Any, personas: Any) -> None:
    probe = save_probe(actor=None, name="Nightly billing job", kind="heartbeat", interval_minutes=1440)
    client.force_login(personas.lead)
    page = client.get(f"/monitoring/probes/{probe.pk}/").content.decode()
    url = f"https://desk.example.test/hooks/heartbeat/{probe.heartbeat_token}"
    assert f'data-testid="heartbeat-url">{url}</code>' in page
    assert "No results yet." in page
    old = probe.heartbeat_token
    client.post(f"/monitoring/probes/{probe.pk}/new-token/")
    assert client.get(f"/hooks/heartbeat/{old}").status_code == 404
    probe.refresh_from_db()
    assert client.get(f"/hooks/heartbeat/{probe.heartbeat_token}").status_code == 200


def test_a_lead_edits_and_deletes_a_probe(client: Any, personas: Any) -> None:
    probe = save_probe(actor=None, name="Site", url="https://www.example.test/")
    client.force_login(personas.lead)
    form = client.get(f"/monitoring/probes/{probe.pk}/edit/").content.decode()
    assert 'value="https://www.example.test/"' in form
    response = client.post(f"/monitoring/probes/{probe.pk}/edit/", {**VALID, "name": "Our website"})
    assert response.status_code == 302 and Probe.objects.get().name == "Our website"
    client.post(f"/monitoring/probes/{probe.pk}/delete/")
    assert not Probe.objects.exists()


def test_alert_pages_show_a_probe_alert_of_our_own_service(client: Any, personas: Any) -> None:
    probe = save_probe(
        actor=None, name="Desk login page", url="https://desk.example.test/login/", failures_before_alert=1
    )
    Probe.objects.filter(pk=probe.pk).update(last_ok=False, last_reason="timeout", consecutive_failures=1)
    from aftersales.monitoring.probes.alerting import evidence_for, sync_alert

    probe.refresh_from_db()
    sync_alert(probe, now=NOW)
    alert = Alert.objects.get()
    assert alert.evidence == evidence_for(probe, NOW)
    client.force_login(personas.agent)
    listing = client.get("/monitoring/alerts/?state=firing").content.decode()
    assert "Probe failing" in listing and "Our own service" in listing
    assert "Desk login page did not answer within 10 seconds" in listing
    detail = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert f'href="/monitoring/probes/{probe.pk}/"' in detail
