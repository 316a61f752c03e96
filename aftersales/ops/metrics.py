"""Prometheus metrics: the request latency histogram (a middleware) and the desk's gauges.

Two kinds of numbers, kept apart on purpose:

* **Request latency** is measured in each web process by :class:`RequestLatencyMiddleware` into a
  histogram labelled by the resolved view name (``tickets:detail``, never the raw path, so the
  label set stays small). Under gunicorn every worker process has its own; set
  ``PROMETHEUS_MULTIPROC_DIR`` (a directory private to the desk, emptied when ``aftersales web``
  starts) and prometheus_client's multiprocess mode adds them up on every scrape, whichever worker
  answers it. Without it a scrape shows only the answering worker's requests.
* **The desk's state** (task queue, SLA, ingest, alerts) lives in the database, so it is read at
  scrape time by :class:`DeskCollector` with a fixed number of queries whatever the size of the
  desk, and is the same whichever process answers.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterator

from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from aftersales.core import clock

logger = logging.getLogger(__name__)

INGEST_WINDOW = dt.timedelta(minutes=5)

# The process's own registry: the latency histogram (and, in multiprocess mode, its mmap files).
PROCESS_REGISTRY = CollectorRegistry(auto_describe=True)
REQUEST_LATENCY = Histogram(
    "aftersales_http_request_duration_seconds",
    "Time to answer a request, by resolved view name, method and status class.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=PROCESS_REGISTRY,
)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"  # 404s, static files served before URL resolution
    return match.view_name or "<unnamed>"


class RequestLatencyMiddleware:
    """Times every request (first in MIDDLEWARE, so the other middleware is included)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = "5xx"  # an exception escaping the stack is answered 500 by the handler
        try:
            response = self.get_response(request)
            status = f"{response.status_code // 100}xx"
            return response
        finally:
            method = request.method if request.method in _METHODS else "other"
            REQUEST_LATENCY.labels(view_label(request), method, status).observe(time.perf_counter() - started)


def _gauge(name: str, documentation: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=labels)


class DeskCollector(Collector):
    """The desk's state from the database, read at scrape time (a fixed number of queries)."""

    def collect(self) -> Iterator[Metric]:
        now = clock.now()
        up = _gauge("aftersales_metrics_source_up", "1 if this group of metrics could be read.", ["source"])
        for name, reader in (
            ("task_queue", self._task_queue),
            ("sla", self._sla),
            ("ingest", self._ingest),
            ("alerts", self._alerts),
        ):
            try:
                families = list(reader(now))
            except Exception:
                logger.warning("metrics: reading %s failed", name, exc_info=True)
                up.add_metric([name], 0)
                continue
            yield from families
            up.add_metric([name], 1)
        yield up

    def _task_queue(self, now: dt.datetime) -> Iterator[Metric]:
        from django_tasks_db.models import DBTaskResult

        depth = _gauge("aftersales_task_queue_depth", "Tasks waiting or running, by queue and status.",
                       ["queue", "status"])
        oldest = _gauge("aftersales_task_queue_oldest_age_seconds",
                        "Age of the oldest task waiting to run (0 when none), by queue.", ["queue"])
        rows = (
            DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
            .values("queue_name", "status")
            .annotate(n=Count("pk"), first=Min("enqueued_at"))
            .order_by()
        )
        queues: set[str] = {"default"}
        ready_first: dict[str, dt.datetime] = {}
        counts: dict[tuple[str, str], int] = {}
        for row in rows:
            queues.add(row["queue_name"])
            counts[(row["queue_name"], row["status"])] = row["n"]
            if row["status"] == "READY" and row["first"] is not None:
                ready_first[row["queue_name"]] = row["first"]
        for queue in sorted(queues):
            for status in ("READY", "RUNNING"):
                depth.add_metric([queue, status.lower()], counts.get((queue, status), 0))
            first = ready_first.get(queue)
            oldest.add_metric([queue], max(0.0, (now - first).total_seconds()) if first else 0.0)
        yield depth
        yield oldest

    def _sla(self, now: dt.datetime) -> Iterator[Metric]:
        from aftersales.tickets.models import OPEN_STATUSES, Ticket
        from aftersales.tickets.workload import BREACHED, due_soon, due_soon_limit

        counts = Ticket.objects.filter(status__in=OPEN_STATUSES).aggregate(
            open=Count("pk"),
            at_risk=Count("pk", filter=due_soon(now, due_soon_limit(now)) & ~BREACHED),
            breached=Count("pk", filter=BREACHED),
        )
        family = _gauge("aftersales_sla_open_tickets",
                        "Open tickets: all, at risk (a deadline within 4 business hours) and breached.", ["state"])
        for state in ("open", "at_risk", "breached"):
            family.add_metric([state], counts[state] or 0)
        yield family

    def _ingest(self, now: dt.datetime) -> Iterator[Metric]:
        from aftersales.chat.models import ChatInbound
        from aftersales.mail.models import InboundEmail, InboundSource
        from aftersales.monitoring.models import RawEvent
        from aftersales.monitoring.models.events import EventSource

        since = now - INGEST_WINDOW
        family = _gauge(
            "aftersales_ingested_last_5m",
            "Events received in the last 5 minutes, by channel and source (divide by 300 for a rate).",
            ["channel", "source"],
        )
        telemetry = dict(
            RawEvent.objects.filter(received_at__gte=since).values_list("source").annotate(n=Count("pk")).order_by()
        )
        for source in EventSource.values:
            family.add_metric(["telemetry", source], telemetry.get(source, 0))
        mail = dict(
            InboundEmail.objects.filter(received_at__gte=since).values_list("source").annotate(n=Count("pk")).order_by()
        )
        for source in InboundSource.values:
            family.add_metric(["mail", source], mail.get(source, 0))
        family.add_metric(["chat", "hook"], ChatInbound.objects.filter(received_at__gte=since).count())
        yield family

    def _alerts(self, now: dt.datetime) -> Iterator[Metric]:
        from aftersales.monitoring.models import Alert
        from aftersales.monitoring.models.alerts import AlertState, Severity

        counts = dict(
            Alert.objects.filter(state=AlertState.FIRING).values_list("severity").annotate(n=Count("pk")).order_by()
        )
        family = _gauge("aftersales_open_alerts", "Firing monitoring alerts, by severity.", ["severity"])
        for severity in Severity.values:
            family.add_metric([severity], counts.get(severity, 0))
        yield family


class _ProcessRegistryView(Collector):
    """This process's registry, as one collector of the scrape's registry."""

    def collect(self) -> Iterator[Metric]:
        return iter(PROCESS_REGISTRY.collect())


DESK_COLLECTOR = DeskCollector()
PROCESS_COLLECTOR = _ProcessRegistryView()


def scrape() -> bytes:
    """The text exposition of every metric: the latency histogram (every worker's in multiprocess
    mode, else this process's) and the desk's gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(PROCESS_COLLECTOR)
    registry.register(DESK_COLLECTOR)
    return generate_latest(registry)
