"""HTTP probes against a real server on loopback: each verdict and its reason, and the minute job."""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from aftersales.core import clock
from aftersales.monitoring.models import Probe, ProbeResult
from aftersales.monitoring.probes.actions import save_probe
from aftersales.monitoring.probes.checks import http_check
from aftersales.monitoring.probes.runner import run_due
from aftersales.monitoring.tests.probe_server import ProbeServer, probe_server

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def server() -> Iterator[ProbeServer]:
    with probe_server() as running:
        yield running


def test_a_200_with_the_expected_text_passes(server: ProbeServer) -> None:
    outcome = http_check(url=f"{server.base}/ok", body_contains="一切正常", timeout=5)
    assert (outcome.ok, outcome.reason, outcome.status_code) == (True, "ok", 200)
    assert outcome.latency_ms is not None and outcome.latency_ms < 5000


def test_a_500_fails_with_the_status(server: ProbeServer) -> None:
    outcome = http_check(url=f"{server.base}/fail", timeout=5)
    assert (outcome.ok, outcome.reason, outcome.status_code) == (False, "status", 500)
    assert outcome.detail == "HTTP 500, expected 200"


def test_a_body_without_the_text_fails(server: ProbeServer) -> None:
    outcome = http_check(url=f"{server.base}/ok", body_contains="maintenance window", timeout=5)
    assert (outcome.ok, outcome.reason) == (False, "body")


def test_a_slow_answer_times_out(server: ProbeServer) -> None:
    server.slow_seconds = 3
    started = time.monotonic()
    outcome = http_check(url=f"{server.base}/slow", timeout=1)
    assert (outcome.ok, outcome.reason) == (False, "timeout")
    assert time.monotonic() - started < 2.5


def test_redirects_are_not_followed_unless_asked(server: ProbeServer) -> None:
    assert http_check(url=f"{server.base}/moved", timeout=5).status_code == 301
    followed = http_check(url=f"{server.base}/moved", timeout=5, follow_redirects=True)
    assert followed.ok and server.hits[-1] == "/ok"


def test_a_closed_port_is_a_connection_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: refused
        outcome = http_check(url=f"http://127.0.0.1:{port}/", timeout=2)
    assert (outcome.ok, outcome.reason) == (False, "connection")


def test_tls_to_a_plain_http_server_is_an_ssl_error(server: ProbeServer) -> None:
    outcome = http_check(url=server.base.replace("http://", "https://") + "/ok", timeout=3)
    assert (outcome.ok, outcome.reason) == (False, "ssl")


def test_an_unknown_host_is_a_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    # No resolver may be asked here: the lookup fails as a resolver would say "no such name".
    def no_such_name(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    outcome = http_check(url="https://status.probe-target.invalid/health", timeout=2)
    assert (outcome.ok, outcome.reason) == (False, "dns")


@pytest.mark.django_db
def test_the_minute_job_runs_due_probes_and_schedules_the_next(server: ProbeServer) -> None:
    with clock.moving(NOW) as moving:
        probe = save_probe(actor=None, name="Status page", url=f"{server.base}/ok", interval_minutes=5)
        report = run_due()
        assert report.checked == 1 and report.failed == 0
        probe.refresh_from_db()
        assert probe.status == "up" and probe.next_run_at == NOW + dt.timedelta(minutes=5)
        moving.at = NOW + dt.timedelta(minutes=1)
        assert run_due().checked == 0  # not due yet
        moving.at = NOW + dt.timedelta(minutes=5)
        assert run_due().checked == 1
    assert ProbeResult.objects.filter(probe=probe, ok=True).count() == 2


@pytest.mark.django_db
def test_a_disabled_probe_is_not_run(server: ProbeServer) -> None:
    with clock.moving(NOW):
        save_probe(actor=None, name="Paused", url=f"{server.base}/ok", enabled=False)
        assert run_due().checked == 0
    assert not ProbeResult.objects.exists() and Probe.objects.get().status == "new"


@pytest.mark.django_db
def test_old_results_are_purged() -> None:
    from aftersales.monitoring.probes.runner import purge_results

    with clock.moving(NOW):
        probe = save_probe(actor=None, name="Old", url="https://status.example.test/")
    for days in (40, 31, 2):
        ProbeResult.objects.create(probe=probe, at=NOW - dt.timedelta(days=days), ok=True, reason="ok")
    assert purge_results(NOW) == 2
    assert ProbeResult.objects.count() == 1
