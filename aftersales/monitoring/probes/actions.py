"""Creating and changing probes (leads and admins; audited). Views validate input with
``forms_probes.ProbeForm``; these functions check the model's rules again and write."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.core.access import require_lead
from aftersales.monitoring import alerts
from aftersales.monitoring.models import Probe, ProbeKind, ProbeStatus
from aftersales.monitoring.models.probes import new_heartbeat_token
from aftersales.monitoring.probes import alerting

# What a probe's form edits (in the form's order) and all ``save_probe`` accepts.
EDITABLE = (
    "name",
    "kind",
    "customer",
    "enabled",
    "severity",
    "interval_minutes",
    "failures_before_alert",
    "successes_before_resolve",
    "url",
    "method",
    "expected_status",
    "body_contains",
    "timeout_seconds",
    "follow_redirects",
    "grace_minutes",
    "account",
    "destination",
    "receipt_minutes",
)
FIELDS = frozenset(EDITABLE)


def _snapshot(probe: Probe) -> dict[str, Any]:
    return {
        "name": probe.name,
        "kind": probe.kind,
        "customer": probe.customer_id,
        "enabled": probe.enabled,
        "severity": probe.severity,
        "interval_minutes": probe.interval_minutes,
        "url": probe.url,
        "method": probe.method,
        "expected_status": probe.expected_status,
        "body_contains": probe.body_contains,
        "timeout_seconds": probe.timeout_seconds,
        "grace_minutes": probe.grace_minutes,
        "account": probe.account_id,
        "destination": probe.destination,
        "receipt_minutes": probe.receipt_minutes,
        "failures_before_alert": probe.failures_before_alert,
        "successes_before_resolve": probe.successes_before_resolve,
    }


def save_probe(*, actor: Any, probe: Probe | None = None, **values: Any) -> Probe:
    """Create (``probe`` None) or change a probe. A new or re-enabled probe is watched from now (a heartbeat
    that never pinged is late only after its interval and grace); disabling one resolves its alert.
    Raises ValidationError (per field) when a rule is broken."""
    if actor is not None:
        require_lead(actor)
    now = clock.now()
    unknown = set(values) - FIELDS
    if unknown:
        raise TypeError(f"unknown probe fields: {', '.join(sorted(unknown))}")
    is_new = probe is None
    before: dict[str, Any] = {} if probe is None else _snapshot(probe)
    was_enabled = probe is not None and probe.enabled
    old_kind = probe.kind if probe is not None else None
    stood_down = False
    with transaction.atomic():
        if probe is None:
            probe = Probe(created_at=now, updated_at=now, watching_since=now)
        for key, value in values.items():
            setattr(probe, key, value)
        probe.full_clean()
        restart = is_new or (probe.enabled and not was_enabled) or probe.kind != old_kind
        if restart:
            probe.watching_since = now
            probe.consecutive_failures = probe.consecutive_successes = 0
            probe.pending_message_id, probe.pending_sent_at = "", None
            probe.status = ProbeStatus.NEW
            probe.next_run_at = probe.heartbeat_deadline() if probe.kind == ProbeKind.HEARTBEAT else now
        if probe.kind != ProbeKind.SMS_ROUNDTRIP:
            probe.pending_message_id, probe.pending_sent_at = "", None
        probe.updated_at = now
        probe.save()
        if not probe.enabled and was_enabled:
            stood_down = alerting.stand_down(probe, now=now)
        audit(
            actor=actor,
            action="monitoring.probe.create" if is_new else "monitoring.probe.update",
            obj=probe,
            before=before,
            after=_snapshot(probe),
        )
    if stood_down:
        alerts.sync_incidents(now=now)
    return probe


def issue_heartbeat_token(*, actor: Any, probe: Probe) -> Probe:
    """A new heartbeat URL: the old one answers 404 from now on."""
    require_lead(actor)
    with transaction.atomic():
        probe.heartbeat_token = new_heartbeat_token()
        probe.updated_at = clock.now()
        probe.save(update_fields=["heartbeat_token", "updated_at"])
        audit(actor=actor, action="monitoring.probe.new_token", obj=probe)
    return probe


def delete_probe(*, actor: Any, probe: Probe) -> None:
    """Delete a probe and its results; its firing alert resolves, and with it the incident's ticket."""
    require_lead(actor)
    now = clock.now()
    with transaction.atomic():
        stood_down = alerting.stand_down(probe, now=now)
        audit(actor=actor, action="monitoring.probe.delete", obj=probe, before=_snapshot(probe))
        probe.delete()
    if stood_down:
        alerts.sync_incidents(now=now)
