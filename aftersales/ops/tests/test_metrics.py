"""/metrics: who may read it, what a scrape shows, and that its cost does not grow with the desk."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from prometheus_client.parser import text_string_to_metric_families

from aftersales.core import clock
from aftersales.monitoring.models import Alert, RawEvent
from aftersales.testing.factories import make_ticket
from aftersales.tickets.models import Ticket

TOKEN = "s3cret-scrape-token"
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}


def samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(body: bytes, name: str, **labels: str) -> float:
    return samples(body)[(name, tuple(sorted(labels.items())))]


@pytest.mark.django_db
def test_local_scrape_without_a_token_by_default(client: Any) -> None:
    response = client.get("/metrics")  # the test client comes from 127.0.0.1
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert value(response.content, "aftersales_metrics_source_up", source="sla") == 1


@pytest.mark.django_db
def test_other_networks_are_refused(client: Any, settings: Any) -> None:
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert b"aftersales_" not in response.content
    settings.METRICS_ALLOW_CIDRS = ["203.0.113.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    settings.METRICS_ALLOW_CIDRS = ["::1/128"]
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


@pytest.mark.django_db
def test_the_token_is_required_once_set(client: Any, settings: Any) -> None:
    settings.METRICS_TOKEN = TOKEN
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    # the network rule still applies with a token; "*" opens it to any address
    far = {"REMOTE_ADDR": "198.51.100.7", "headers": {"Authorization": f"Bearer {TOKEN}"}}
    assert client.get("/metrics", **far).status_code == 403
    settings.METRICS_ALLOW_CIDRS = ["*"]
    assert client.get("/metrics", **far).status_code == 200


def test_a_bad_network_setting_stops_the_start() -> None:
    env = {**os.environ, "METRICS_ALLOW_CIDRS": "10.0.0.0/8,intranet", "DJANGO_SETTINGS_MODULE": "aftersales.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "METRICS_ALLOW_CIDRS: 'intranet' is not a network" in result.stderr


@pytest.mark.django_db
def test_request_latency_is_labelled_by_view_name(client: Any, personas: Any) -> None:
    before = samples(client.get("/metrics").content)
    client.force_login(personas.agent)
    ticket = make_ticket(customer=personas.customer)
    assert client.get(f"/tickets/{ticket.ref}/").status_code == 200
    assert client.get("/no/such/page/").status_code == 404
    after = samples(client.get("/metrics").content)

    def count(view: str, status: str) -> float:
        key = ("aftersales_http_request_duration_seconds_count",
               (("method", "GET"), ("status", status), ("view", view)))
        return after.get(key, 0) - before.get(key, 0)

    assert count("tickets:detail", "2xx") == 1
    assert count("<unresolved>", "4xx") == 1
    assert count("ops:metrics", "2xx") == 1  # the first scrape is counted in the second
    assert ticket.ref not in str(list(after))  # paths never become labels


@pytest.mark.django_db
def test_desk_gauges(client: Any, personas: Any, settings: Any) -> None:
    from aftersales.core.scheduler import heartbeat

    settings.TASKS = DB_TASKS
    now = clock.now()
    heartbeat.enqueue()
    heartbeat.using(queue_name="mail").enqueue()
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(queue_name="mail").update(enqueued_at=now - dt.timedelta(minutes=10))
    late = make_ticket("Sender ID rejected in Vietnam", customer=personas.customer)
    soon = make_ticket("OTP conversion low", customer=personas.customer)
    make_ticket("Invoice copy please", customer=personas.customer)
    far = now + dt.timedelta(days=60)  # out of reach of "at risk" whatever the calendar says
    Ticket.objects.update(first_response_due_at=far, next_response_due_at=None, resolution_due_at=far)
    Ticket.objects.filter(pk=late.pk).update(first_response_breached=True)
    Ticket.objects.filter(pk=soon.pk).update(first_response_due_at=now + dt.timedelta(minutes=30))
    for severity, fingerprint in (("critical", "a"), ("critical", "b"), ("warning", "c")):
        Alert.objects.create(fingerprint=fingerprint, monitor="dlr_drop", severity=severity, first_seen=now,
                             last_seen=now)
    Alert.objects.create(fingerprint="d", monitor="dlr_drop", severity="info", state="resolved", first_seen=now,
                         last_seen=now)
    RawEvent.objects.create(source="vonage_dlr", received_at=now - dt.timedelta(minutes=1), body="{}")
    RawEvent.objects.create(source="vonage_dlr", received_at=now - dt.timedelta(minutes=9), body="{}")

    body = client.get("/metrics").content
    assert value(body, "aftersales_task_queue_depth", queue="default", status="ready") == 1
    assert value(body, "aftersales_task_queue_depth", queue="mail", status="ready") == 1
    assert value(body, "aftersales_task_queue_depth", queue="mail", status="running") == 0
    assert 590 <= value(body, "aftersales_task_queue_oldest_age_seconds", queue="mail") <= 700
    assert value(body, "aftersales_sla_open_tickets", state="open") == 3
    assert value(body, "aftersales_sla_open_tickets", state="breached") == 1
    assert value(body, "aftersales_sla_open_tickets", state="at_risk") == 1
    assert value(body, "aftersales_open_alerts", severity="critical") == 2
    assert value(body, "aftersales_open_alerts", severity="warning") == 1
    assert value(body, "aftersales_open_alerts", severity="info") == 0
    assert value(body, "aftersales_ingested_last_5m", channel="telemetry", source="vonage_dlr") == 1
    assert value(body, "aftersales_ingested_last_5m", channel="mail", source="imap") == 0
    assert value(body, "aftersales_ingested_last_5m", channel="chat", source="hook") == 0


@pytest.mark.django_db
def test_a_scrape_costs_the_same_queries_whatever_the_desk_holds(client: Any, personas: Any) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/metrics").status_code == 200
        return len(captured)

    empty = queries()
    now = clock.now()
    for n in range(15):
        make_ticket(f"Delivery report {n} missing", customer=personas.customer)
        Alert.objects.create(fingerprint=f"f{n}", monitor="dlr_drop", severity="warning", first_seen=now,
                             last_seen=now)
    assert queries() == empty


@pytest.mark.django_db
def test_a_failing_source_is_reported_not_a_500(client: Any, monkeypatch: Any) -> None:
    from aftersales.ops.metrics import DeskCollector

    def broken(self: Any, now: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(DeskCollector, "_alerts", broken)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert value(response.content, "aftersales_metrics_source_up", source="alerts") == 0
    assert value(response.content, "aftersales_metrics_source_up", source="sla") == 1


SCRIPT = """
import django, sys
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
for _ in range(int(sys.argv[1])):
    Client().get("/healthz")
"""


def test_multiprocess_mode_adds_up_every_worker(tmp_path: Path) -> None:
    """Two processes (as two gunicorn workers) record requests; a scrape from a third sees both."""
    multiproc = tmp_path / "prom"
    multiproc.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(multiproc), "DJANGO_SETTINGS_MODULE": "aftersales.settings",
           "AFTERSALES_VAR_DIR": str(tmp_path / "var")}
    for count in ("2", "3"):
        subprocess.run([sys.executable, "-c", SCRIPT, count], env=env, check=True, capture_output=True)  # noqa: S603
    scraper = """
import django
django.setup()
from aftersales.ops.metrics import scrape
import sys
sys.stdout.write(scrape().decode())
"""
    # the desk's gauges need a database: the scraper's has none, so they report themselves down
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", scraper], env=env, check=True, capture_output=True
    ).stdout
    assert value(out, "aftersales_http_request_duration_seconds_count", method="GET", status="2xx",
                 view="ops:healthz") == 5
