"""Running probes: the minute job (``run_due``), one probe now (``run_probe``), heartbeat pings
(``record_ping``) and the results' retention (``purge_results``).

``run_due`` claims each due probe with a conditional UPDATE on ``next_run_at`` (two workers never run
the same probe), runs the HTTP checks in a small thread pool (network only), then stores each
result under the probe's row lock: the result row, the counters, the alert (``alerting``) and, when
an alert fired or resolved, ``alerts.sync_incidents`` for the incident and its ticket.

Per kind:

- HTTP: every ``interval_minutes``, one request (``checks.http_check``).
- Heartbeat: nothing to do until the deadline (last ping, or since the probe is watched, + interval +
  grace); past it, one failure per check, re-checked every ``min(interval, 5)`` minutes until a ping
  comes. Each ping is a good run.
- SMS round trip: send a test message through the vendor account (its submission recorded through
  ``ingest.record_events``); check every minute whether its delivery receipt arrived (the message's
  ``MessageRecord``, which the vendor's DLR webhook fills — or, for a simulator account, the
  simulator's due receipts fed through the same path); delivered within ``receipt_minutes`` passes,
  no receipt by then or a failed one fails. The next message goes out ``interval_minutes`` after the
  last one.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from aftersales.core import clock
from aftersales.monitoring import alerts
from aftersales.monitoring.ingest import TrafficEvent, record_events
from aftersales.monitoring.models import (
    EventSource,
    MessageRecord,
    Probe,
    ProbeKind,
    ProbeReason,
    ProbeResult,
    ProbeStatus,
)
from aftersales.monitoring.models.probes import DEFAULT_RESULT_DAYS
from aftersales.monitoring.probes import alerting
from aftersales.monitoring.probes.checks import Outcome, http_check
from aftersales.sms.balances import connector_options
from aftersales.sms.connectors.base import VendorError
from aftersales.sms.connectors.registry import get_connector
from aftersales.sms.connectors.simulator import SimulatorConnector
from aftersales.sms.models import VendorAccount

logger = logging.getLogger(__name__)

MINUTE = dt.timedelta(minutes=1)
# A claimed probe is not claimed again for this long (a crashed run is retried after it).
CLAIM = dt.timedelta(minutes=5)
HEARTBEAT_RECHECK = dt.timedelta(minutes=5)
MAX_PER_RUN = 200
HTTP_WORKERS = 8
FINAL = frozenset({"delivered", "failed", "expired", "rejected", "unknown"})
PURGE_BATCH = 10_000


@dataclass
class RunReport:
    checked: int = 0
    failed: int = 0
    fired: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


# --- Storing a run -------------------------------------------------------------------------------
def store(
    probe_id: int,
    outcome: Outcome,
    *,
    now: dt.datetime,
    next_run_at: dt.datetime | None,
    report: RunReport | None = None,
) -> ProbeResult:
    """Store one run's outcome: the result, the probe's counters and state, its alert; then the incident."""
    with transaction.atomic():
        probe = Probe.objects.select_for_update(of=("self",)).select_related("account").get(pk=probe_id)
        result = ProbeResult.objects.create(
            probe=probe,
            at=now,
            ok=outcome.ok,
            latency_ms=outcome.latency_ms,
            status_code=outcome.status_code,
            reason=outcome.reason,
            detail=outcome.detail[:300],
        )
        if outcome.ok:
            probe.consecutive_successes += 1
            probe.consecutive_failures = 0
        else:
            probe.consecutive_failures += 1
            probe.consecutive_successes = 0
        probe.status = ProbeStatus.UP if outcome.ok else ProbeStatus.DOWN
        probe.last_ok, probe.last_reason, probe.last_detail = outcome.ok, outcome.reason, outcome.detail[:300]
        probe.last_latency_ms = outcome.latency_ms
        probe.last_run_at = now
        if next_run_at is not None:
            probe.next_run_at = next_run_at
        change = alerting.sync_alert(probe, now=now) if probe.enabled else ""
        probe.updated_at = now
        probe.save()
    if report is not None:
        report.checked += 1
        report.failed += 0 if outcome.ok else 1
        if change == "fired":
            report.fired.append(probe.fingerprint)
        elif change == "resolved":
            report.resolved.append(probe.fingerprint)
    if change in ("fired", "resolved"):
        alerts.sync_incidents(now=now)
    return result


def _reschedule(probe_id: int, *, now: dt.datetime, next_run_at: dt.datetime) -> None:
    Probe.objects.filter(pk=probe_id).update(last_run_at=now, next_run_at=next_run_at)


# --- Kinds ---------------------------------------------------------------------------------------
def _http(probe: Probe) -> Outcome:
    return http_check(
        url=probe.url,
        method=probe.method,
        expected_status=probe.expected_status,
        body_contains=probe.body_contains,
        timeout=max(1, probe.timeout_seconds),
        follow_redirects=probe.follow_redirects,
    )


def _run_heartbeat(probe_id: int, *, now: dt.datetime, report: RunReport | None) -> ProbeResult | None:
    with transaction.atomic():
        probe = Probe.objects.select_for_update().get(pk=probe_id)
        deadline = probe.heartbeat_deadline()
        if now < deadline:  # not late (a ping may just have moved the deadline)
            _reschedule(probe.pk, now=now, next_run_at=deadline)
            return None
        reason = ProbeReason.HEARTBEAT_MISSING if probe.last_ping_at else ProbeReason.HEARTBEAT_NEVER
        since = f"{probe.last_ping_at:%Y-%m-%d %H:%M} UTC" if probe.last_ping_at else "never"
        outcome = Outcome(False, reason, f"last ping: {since}")
        return store(
            probe.pk, outcome, now=now, next_run_at=now + min(probe.interval, HEARTBEAT_RECHECK), report=report
        )


def record_ping(token: str, *, now: dt.datetime | None = None) -> Probe | None:
    """A heartbeat ping for ``token``: a good run (a paused probe only notes the time). None: unknown."""
    now = now or clock.now()
    probe = Probe.objects.filter(heartbeat_token=token, kind=ProbeKind.HEARTBEAT).only("pk", "enabled").first()
    if probe is None:
        return None
    if not probe.enabled:
        Probe.objects.filter(pk=probe.pk).update(last_ping_at=now)
        probe.last_ping_at = now
        return probe
    Probe.objects.filter(pk=probe.pk).update(last_ping_at=now)
    fresh = Probe.objects.get(pk=probe.pk)
    store(probe.pk, Outcome(True, ProbeReason.PING, "ping"), now=now, next_run_at=fresh.heartbeat_deadline())
    return Probe.objects.get(pk=probe.pk)


# --- SMS round trip ---------------------------------------------------------------------------------
def _test_text(probe: Probe, now: dt.datetime) -> str:
    return f"Support desk round-trip test ({probe.name}) {now:%Y-%m-%d %H:%M} UTC"


def _save_test_state(account_id: int, state: dict) -> None:
    """Keep the simulator's test messages in the account's saved state, merged into the freshest state
    (a balance check may have saved its own reading meanwhile)."""
    with transaction.atomic():
        locked = VendorAccount.objects.select_for_update().get(pk=account_id)
        options = dict(locked.options or {})
        fresh = options.get("state")
        if fresh:
            fresh["test_messages"] = state.get("test_messages", [])
            fresh["test_sent"] = state.get("test_sent", 0)
        else:
            fresh = state
        options["state"] = fresh
        locked.options = options
        locked.save(update_fields=["options"])


def pump_simulated_receipts(account: VendorAccount, *, now: dt.datetime) -> int:
    """For a simulator account: the receipts its pretend vendor has due, through the ingestion path (as
    the DLR webhook would bring them). Returns how many."""
    if account.kind != VendorAccount.Kind.SIMULATOR:
        return 0
    with transaction.atomic():
        locked = VendorAccount.objects.select_for_update().get(pk=account.pk)
        if not (locked.options or {}).get("state"):
            return 0
        connector = get_connector(locked.kind, **connector_options(locked, None))
        if not isinstance(connector, SimulatorConnector):
            return 0
        receipts = connector.deliver_receipts(now)
        if not receipts:
            return 0
        locked.options = {**(locked.options or {}), "state": connector.to_dict()}
        locked.save(update_fields=["options"])
        record_events(
            [
                TrafficEvent(
                    kind="dlr",
                    at=r.at,
                    message_id=r.message_id,
                    api_key=r.api_key,
                    account_id=locked.pk,
                    msisdn=r.to,
                    status=r.status,
                    err_code=r.err_code,
                    submitted_at=r.submitted_at,
                )
                for r in receipts
            ],
            source=EventSource.TRAFFIC,
        )
    return len(receipts)


def _run_sms(probe_id: int, *, now: dt.datetime, report: RunReport | None) -> ProbeResult | None:
    probe = Probe.objects.select_related("account").get(pk=probe_id)
    account = probe.account
    if account is None or not probe.destination:
        return store(
            probe.pk,
            Outcome(False, ProbeReason.SMS_SEND_FAILED, "no vendor account or number"),
            now=now,
            next_run_at=now + probe.interval,
            report=report,
        )
    if probe.pending_message_id and probe.pending_sent_at:
        return _check_receipt(probe, account, now=now, report=report)
    try:
        with get_connector(account.kind, **connector_options(account, None)) as connector:
            message_id = connector.send_test_message(to=probe.destination, text=_test_text(probe, now))
            state = connector.to_dict() if isinstance(connector, SimulatorConnector) else None
    except VendorError as error:
        return store(
            probe.pk,
            Outcome(False, ProbeReason.SMS_SEND_FAILED, str(error)[:300]),
            now=now,
            next_run_at=now + probe.interval,
            report=report,
        )
    if state is not None:
        _save_test_state(account.pk, state)
    record_events(
        [
            TrafficEvent(
                kind="submitted",
                at=now,
                message_id=message_id,
                api_key=account.api_key,
                account_id=account.pk,
                msisdn=probe.destination,
                client_ref=f"probe:{probe.pk}",
            ),
        ],
        source=EventSource.TRAFFIC,
    )
    deadline = now + dt.timedelta(minutes=max(1, probe.receipt_minutes))
    Probe.objects.filter(pk=probe.pk).update(
        pending_message_id=message_id,
        pending_sent_at=now,
        last_run_at=now,
        next_run_at=min(now + MINUTE, deadline),
    )
    return None


def _check_receipt(
    probe: Probe, account: VendorAccount, *, now: dt.datetime, report: RunReport | None
) -> ProbeResult | None:
    sent_at = probe.pending_sent_at
    assert sent_at is not None
    pump_simulated_receipts(account, now=now)
    record = MessageRecord.objects.filter(message_id=probe.pending_message_id, direction="out").order_by("part").first()
    deadline = sent_at + dt.timedelta(minutes=max(1, probe.receipt_minutes))
    outcome: Outcome | None = None
    if record is not None and record.status in FINAL and record.final_at is not None:
        latency = max(0, int((record.final_at - sent_at).total_seconds() * 1000))
        if record.status == "delivered" and record.final_at <= deadline:
            outcome = Outcome(True, ProbeReason.SMS_DELIVERED, "delivered", latency_ms=latency)
        elif record.status == "delivered":
            outcome = Outcome(
                False, ProbeReason.SMS_NO_RECEIPT, f"receipt after {latency // 1000} s", latency_ms=latency
            )
        else:
            err = f", error {record.err_code}" if record.err_code is not None else ""
            outcome = Outcome(False, ProbeReason.SMS_UNDELIVERED, f"{record.status}{err}", latency_ms=latency)
    elif now >= deadline:
        outcome = Outcome(False, ProbeReason.SMS_NO_RECEIPT, f"no receipt within {probe.receipt_minutes} min")
    if outcome is None:  # still waiting
        _reschedule(probe.pk, now=now, next_run_at=min(now + MINUTE, deadline))
        return None
    Probe.objects.filter(pk=probe.pk).update(pending_message_id="", pending_sent_at=None)
    return store(probe.pk, outcome, now=now, next_run_at=max(now, sent_at + probe.interval), report=report)


# --- Running ---------------------------------------------------------------------------------------
def run_probe(probe: Probe, *, now: dt.datetime | None = None, report: RunReport | None = None) -> ProbeResult | None:
    """Run ``probe`` once now (the "Run now" button, and each due probe). None: no result this time (a
    heartbeat not late yet, a test message sent or still waiting for its receipt)."""
    now = now or clock.now()
    if probe.kind == ProbeKind.HTTP:
        outcome = _http(probe)
        return store(probe.pk, outcome, now=clock.now(), next_run_at=now + probe.interval, report=report)
    if probe.kind == ProbeKind.HEARTBEAT:
        return _run_heartbeat(probe.pk, now=now, report=report)
    return _run_sms(probe.pk, now=now, report=report)


def _claim(now: dt.datetime) -> list[Probe]:
    due = list(
        Probe.objects.filter(enabled=True, next_run_at__lte=now)
        .order_by("next_run_at", "pk")
        .select_related("account")[:MAX_PER_RUN]
    )
    claimed = []
    for probe in due:
        if Probe.objects.filter(pk=probe.pk, next_run_at=probe.next_run_at).update(next_run_at=now + CLAIM):
            claimed.append(probe)
    return claimed


def run_due(now: dt.datetime | None = None) -> RunReport:
    """Every minute: run each enabled probe whose time has come (HTTP checks side by side)."""
    now = now or clock.now()
    report = RunReport()
    claimed = _claim(now)
    web = [p for p in claimed if p.kind == ProbeKind.HTTP]
    if web:
        with ThreadPoolExecutor(max_workers=min(HTTP_WORKERS, len(web))) as pool:
            outcomes = list(pool.map(_http, web))
        for probe, outcome in zip(web, outcomes, strict=True):
            try:
                store(probe.pk, outcome, now=clock.now(), next_run_at=now + probe.interval, report=report)
            except Exception:
                logger.exception("storing probe %s failed", probe.pk)
    for probe in claimed:
        if probe.kind == ProbeKind.HTTP:
            continue
        try:
            run_probe(probe, now=now, report=report)
        except Exception:
            logger.exception("probe %s failed", probe.pk)
    return report


def result_days() -> int:
    return int(getattr(settings, "MONITORING_PROBE_RESULT_DAYS", DEFAULT_RESULT_DAYS))


def purge_results(now: dt.datetime | None = None) -> int:
    """Delete probe results older than MONITORING_PROBE_RESULT_DAYS (30), in batches."""
    cutoff = (now or clock.now()) - dt.timedelta(days=result_days())
    deleted = 0
    while True:
        ids = list(ProbeResult.objects.filter(at__lt=cutoff).values_list("pk", flat=True)[:PURGE_BATCH])
        if not ids:
            return deleted
        deleted += ProbeResult.objects.filter(pk__in=ids).delete()[0]
