"""sms.webhookcheck against a real HTTP server on 127.0.0.1: one path answers 200, one 500, one
is slow; a closed port does not answer; a number without a URL is "missing"."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.test import override_settings

from aftersales.audit.models import AuditEntry
from aftersales.sms import numbers as actions
from aftersales.sms.models import PhoneNumber
from aftersales.sms.models.numbers import webhook_reason_text
from aftersales.sms.webhookcheck import ProbeResult, check_webhooks, probe_url

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


class _Hooks(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        type(self).seen.append((self.command, self.path))
        if self.path == "/slow":
            time.sleep(2)
        status = {"/inbound": 200, "/broken": 500, "/signed": 401, "/slow": 200}.get(self.path, 404)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    _Hooks.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hooks)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed when the block ends: nothing listens there


def add(personas: Any, msisdn: str, url: str, **extra: Any) -> PhoneNumber:
    return actions.add_number(
        actor=personas.agent, customer=personas.customer, msisdn=msisdn, inbound_webhook_url=url, **extra
    )


def test_each_number_gets_the_state_of_its_webhook(personas, hooks):
    ok = add(personas, "+442079460101", f"{hooks}/inbound")
    broken = add(personas, "+442079460102", f"{hooks}/broken")
    signed = add(personas, "+442079460103", f"{hooks}/signed")  # 401: something listens, it wants a signature
    closed = add(personas, "+442079460104", f"http://127.0.0.1:{closed_port()}/inbound")
    missing = add(personas, "+442079460105", "")
    voice = add(personas, "+442079460106", "", features=["VOICE"])
    with time_machine.travel(NOW, tick=False):
        report = check_webhooks(timeout=2)
    for number in (ok, broken, signed, closed, missing, voice):
        number.refresh_from_db()
    assert (ok.webhook_state, ok.webhook_message, ok.webhook_checked_at) == ("ok", "", NOW)
    assert signed.webhook_state == "ok"
    assert broken.webhook_state == "failing" and "HTTP 500" in broken.webhook_reason
    assert closed.webhook_state == "failing" and "refused" in closed.webhook_reason
    assert missing.webhook_state == "missing" and missing.webhook_checked_at == NOW
    assert voice.webhook_state == "" and voice.webhook_checked_at is None  # no SMS: nothing to receive
    assert report.checked == 5 and report.missing == ["442079460105"]
    assert set(report.failing) == {"442079460102", "442079460104"}
    assert sorted(path for method, path in _Hooks.seen) == ["/broken", "/inbound", "/signed"]
    assert {method for method, path in _Hooks.seen} == {"HEAD"}
    # A state that changed is audited (by the system).
    assert AuditEntry.objects.filter(action="sms.number.webhook", object_id=str(broken.pk), actor=None).exists()


def test_a_url_shared_by_many_numbers_is_probed_once(personas, hooks):
    for n in range(5):
        add(personas, f"+44207946011{n}", f"{hooks}/inbound")
    report = check_webhooks(timeout=2, workers=3)
    assert report.probes == 1 and len(report.ok) == 5
    assert _Hooks.seen == [("HEAD", "/inbound")]


def test_a_webhook_slower_than_the_timeout_fails(personas, hooks):
    slow = add(personas, "+442079460121", f"{hooks}/slow")
    with override_settings(SMS_WEBHOOK_TIMEOUT_SECONDS=0.5):
        check_webhooks()
    slow.refresh_from_db()
    assert slow.webhook_state == "failing" and "No answer within 0.5 seconds" in slow.webhook_reason


def test_a_certificate_nobody_trusts_fails(personas):
    from aftersales.sms.tests.fakevonage import FakeVonage

    with FakeVonage() as server:  # TLS with a throwaway CA the check does not trust
        result = probe_url(f"https://{server.host}/inbound", 2)
    assert not result.ok and "TLS certificate" in webhook_reason_text(result.reason)


def test_released_numbers_are_not_checked_and_a_fixed_webhook_recovers(personas, hooks):
    gone = add(personas, "+442079460131", f"{hooks}/broken")
    actions.release_number(actor=personas.agent, number=gone)
    number = add(personas, "+442079460132", f"{hooks}/broken")
    check_webhooks(timeout=2)
    number.refresh_from_db()
    assert number.webhook_state == "failing"
    number = actions.update_number(actor=personas.agent, number=number, inbound_webhook_url=f"{hooks}/inbound")
    assert number.webhook_state == ""
    check_webhooks(timeout=2)
    number.refresh_from_db()
    gone.refresh_from_db()
    assert number.webhook_state == "ok" and gone.webhook_state == ""
    assert ("HEAD", "/broken") in _Hooks.seen and _Hooks.seen.count(("HEAD", "/broken")) == 1


def test_a_given_probe_replaces_the_request(personas):
    number = add(personas, "+442079460141", "https://hooks.example.test/in")
    asked: list[tuple[str, float]] = []

    def probe(url: str, timeout: float) -> ProbeResult:
        asked.append((url, timeout))
        return ProbeResult(False, "HTTP 503 (simulated)")

    check_webhooks(numbers=[number], probe=probe, timeout=3)
    number.refresh_from_db()
    assert asked == [("https://hooks.example.test/in", 3)]
    assert (number.webhook_state, number.webhook_message) == ("failing", "HTTP 503 (simulated)")


def test_the_jobs_are_scheduled():
    from aftersales.core.scheduler import registered_jobs
    from aftersales.sms import tasks  # noqa: F401 - registers the jobs

    jobs = {job.name: job for job in registered_jobs()}
    assert jobs["sms.check_number_webhooks"].every == dt.timedelta(hours=1)
    assert jobs["sms.sync_numbers"].every == dt.timedelta(days=1)


def test_the_stored_reason_is_read_in_each_readers_language():
    from django.utils import translation

    with translation.override("zh-hans"):
        text = webhook_reason_text("http:502")
        assert "HTTP 502" in text and "服务器" in text
        assert "5" in webhook_reason_text("timeout:5") and webhook_reason_text("timeout:5") != "timeout:5"
    with translation.override("en"):
        assert webhook_reason_text("http:502") == "The address answered HTTP 502 (a server error)."
    assert webhook_reason_text("HTTP 503 (simulated)") == "HTTP 503 (simulated)"  # a custom probe's text
