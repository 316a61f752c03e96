"""A probe's alert: fired after ``failures_before_alert`` failed runs in a row, resolved after
``successes_before_resolve`` good runs in a row (damping, like the monitors' ``hold_runs``).

The alert is the monitors' kind (monitor "probe", fingerprint ``probe:<id>``, the probe's customer or
none), so ``alerts.sync_incidents`` turns it into one incident (key ``probe:<id>``) with one proactive
ticket, notes and the self-resolution. The 5-minute monitor pass never touches it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from aftersales.monitoring.models import Alert, AlertState, Probe, ProbeKind, ProbeResult

MONITOR = "probe"
EVIDENCE_RESULTS = 5  # the last results kept in the evidence
SERIES_RESULTS = 30  # the latency chart: the last results


def _since(probe: Probe) -> str:
    return f"{probe.last_ping_at:%Y-%m-%d %H:%M} UTC" if probe.last_ping_at else "—"


def evidence_for(probe: Probe, now: dt.datetime) -> dict[str, Any]:
    """The message code and numbers of the probe's last failure, its last results and latency chart."""
    recent = list(ProbeResult.objects.filter(probe=probe).order_by("-at", "-pk")[:SERIES_RESULTS])
    last = recent[0] if recent else None
    params: dict[str, Any] = {
        "url": probe.url,
        "host": probe.url.split("//", 1)[-1].split("/", 1)[0],
        "expected": probe.expected_status,
        "timeout": probe.timeout_seconds,
        "text": probe.body_contains,
        "interval": probe.interval_minutes,
        "grace": probe.grace_minutes,
        "since": _since(probe),
        "to": probe.destination,
        "account": probe.account.name if probe.account_id and probe.account else "—",
        "minutes": probe.receipt_minutes,
        "status": last.status_code if last else None,
        "detail": last.detail if last else "",
        "failures": probe.consecutive_failures,
    }
    reason = probe.last_reason or "error"
    return {
        "code": f"probe_{reason}",
        "params": params,
        "where": probe.name,
        "series": [[r.at.isoformat(), r.latency_ms] for r in reversed(recent) if r.latency_ms is not None]
        if probe.kind == ProbeKind.HTTP
        else [],
        "unit": "ms",
        "articles": [],
        "link": reverse("monitoring:probe_detail", args=[probe.pk]),
        "results": [
            {
                "at": r.at.isoformat(),
                "ok": r.ok,
                "reason": r.reason,
                "detail": r.detail,
                "latency_ms": r.latency_ms,
                "status": r.status_code,
            }
            for r in recent[:EVIDENCE_RESULTS]
        ],
    }


def sync_alert(probe: Probe, *, now: dt.datetime) -> str:
    """Bring the probe's alert in line with its run counters (the caller holds the probe's row lock).
    Returns "fired", "updated", "resolved" or ""."""
    alert = Alert.objects.select_for_update().filter(fingerprint=probe.fingerprint, state=AlertState.FIRING).first()
    if probe.last_ok is False:
        if probe.consecutive_failures < max(1, probe.failures_before_alert):
            if alert is not None and alert.healthy_runs:
                alert.healthy_runs = 0  # recovering, then failing again: the count starts over
                alert.save(update_fields=["healthy_runs"])
            return ""
        evidence = evidence_for(probe, now)
        if alert is None:
            Alert.objects.create(
                fingerprint=probe.fingerprint,
                monitor=MONITOR,
                customer_id=probe.customer_id,
                account_id=probe.account_id,
                severity=probe.severity,
                state=AlertState.FIRING,
                first_seen=now,
                last_seen=now,
                evidence=evidence,
            )
            return "fired"
        alert.last_seen, alert.severity, alert.evidence, alert.healthy_runs = now, probe.severity, evidence, 0
        alert.save(update_fields=["last_seen", "severity", "evidence", "healthy_runs"])
        return "updated"
    if alert is None or probe.last_ok is None:
        return ""
    alert.healthy_runs = min(probe.consecutive_successes, 32767)
    if probe.consecutive_successes >= max(1, probe.successes_before_resolve):
        alert.state, alert.resolved_at = AlertState.RESOLVED, now
        alert.save(update_fields=["healthy_runs", "state", "resolved_at"])
        return "resolved"
    alert.save(update_fields=["healthy_runs"])
    return "updated"


def stand_down(probe: Probe, *, now: dt.datetime) -> bool:
    """The probe was disabled: its firing alert resolves now (the incident follows at the next sync)."""
    return bool(
        Alert.objects.filter(fingerprint=probe.fingerprint, state=AlertState.FIRING).update(
            state=AlertState.RESOLVED, resolved_at=now
        )
    )
