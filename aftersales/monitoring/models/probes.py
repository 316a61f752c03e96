"""Probes (巡检): checks the desk runs itself, for a customer or for the team's own services.

- ``http``: request a URL, expect a status (and optionally a text in the body) within a timeout;
- ``heartbeat``: a job calls ``/hooks/heartbeat/<token>`` every ``interval_minutes``; no ping for
  the interval plus ``grace_minutes`` is a failure (a dead-man's switch);
- ``sms_roundtrip``: send a test message through a vendor account, expect its delivery receipt
  within ``receipt_minutes``.

Every run stores a ``ProbeResult``; ``failures_before_alert`` failed runs in a row fire an alert
(fingerprint ``probe:<id>``), ``successes_before_resolve`` good runs in a row resolve it
(``monitoring.probes.alerting``).

The heartbeat token is stored as it is, not hashed: the heartbeat URL is meant to be shown and
copied again from the probe's page (as healthchecks.io does), and all it allows is to say "still
alive" for that one probe. "New heartbeat URL" replaces it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.monitoring.models.alerts import Severity

# Results older than this are purged (``monitoring.purge_probe_results``; MONITORING_PROBE_RESULT_DAYS).
DEFAULT_RESULT_DAYS = 30
TIMEOUT_RANGE = (1, 60)
MAX_INTERVAL_MINUTES = 7 * 24 * 60
_E164 = re.compile(r"[1-9]\d{6,14}")


def new_heartbeat_token() -> str:
    return secrets.token_urlsafe(24)


class ProbeKind(models.TextChoices):
    HTTP = "http", _("HTTP(S) check")
    HEARTBEAT = "heartbeat", _("Heartbeat (a job pings us)")
    SMS_ROUNDTRIP = "sms_roundtrip", _("SMS round trip")


class ProbeStatus(models.TextChoices):
    NEW = "new", _("Not checked yet")
    UP = "up", _("Up")
    DOWN = "down", _("Down")


class ProbeReason(models.TextChoices):
    """Why a run passed or failed (stored on each result, shown translated)."""

    OK = "ok", _("OK")
    PING = "ping", _("Ping received")
    SMS_DELIVERED = "sms_delivered", _("Receipt received: delivered")
    STATUS = "status", _("Unexpected HTTP status")
    BODY = "body", _("Expected text missing from the body")
    TIMEOUT = "timeout", _("Timed out")
    SSL = "ssl", _("TLS/SSL error")
    DNS = "dns", _("Host name not found (DNS)")
    CONNECTION = "connection", _("Connection failed")
    ERROR = "error", _("Request failed")
    HEARTBEAT_MISSING = "heartbeat_missing", _("No ping in time")
    HEARTBEAT_NEVER = "heartbeat_never", _("Never pinged")
    SMS_NO_RECEIPT = "sms_no_receipt", _("No delivery receipt in time")
    SMS_UNDELIVERED = "sms_undelivered", _("Test message not delivered")
    SMS_SEND_FAILED = "sms_send_failed", _("Test message could not be sent")


class Probe(models.Model):
    class Method(models.TextChoices):
        GET = "GET", "GET"
        HEAD = "HEAD", "HEAD"
        POST = "POST", "POST"

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=ProbeKind.choices, default=ProbeKind.HTTP)
    customer = models.ForeignKey(  # empty: one of the team's own services
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("customer"),
        help_text=_("Empty: one of our own services."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    severity = models.CharField(
        _("alert severity"),
        max_length=10,
        default=Severity.WARNING,
        choices=[(Severity.WARNING, Severity.WARNING.label), (Severity.CRITICAL, Severity.CRITICAL.label)],
    )
    interval_minutes = models.PositiveIntegerField(_("every (minutes)"), default=5)
    failures_before_alert = models.PositiveSmallIntegerField(_("failed checks before an alert"), default=2)
    successes_before_resolve = models.PositiveSmallIntegerField(_("good checks before it resolves"), default=2)
    # HTTP
    url = models.URLField(_("URL"), max_length=500, blank=True)
    method = models.CharField(_("method"), max_length=6, choices=Method.choices, default=Method.GET)
    expected_status = models.PositiveSmallIntegerField(_("expected status"), default=200)
    body_contains = models.CharField(_("body contains"), max_length=200, blank=True)
    timeout_seconds = models.PositiveSmallIntegerField(_("timeout (seconds)"), default=10)
    follow_redirects = models.BooleanField(_("follow redirects"), default=False)
    # Heartbeat
    heartbeat_token = models.CharField(max_length=64, unique=True, default=new_heartbeat_token, editable=False)
    grace_minutes = models.PositiveIntegerField(_("grace (minutes)"), default=5)
    last_ping_at = models.DateTimeField(_("last ping"), null=True, blank=True)
    # SMS round trip
    account = models.ForeignKey(
        "sms.VendorAccount",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("vendor account"),
    )
    destination = models.CharField(_("destination number"), max_length=20, blank=True)  # E.164 digits
    receipt_minutes = models.PositiveIntegerField(_("receipt within (minutes)"), default=5)
    pending_message_id = models.CharField(max_length=100, blank=True)
    pending_sent_at = models.DateTimeField(null=True, blank=True)
    # State
    status = models.CharField(_("status"), max_length=10, choices=ProbeStatus.choices, default=ProbeStatus.NEW)
    consecutive_failures = models.PositiveIntegerField(default=0)
    consecutive_successes = models.PositiveIntegerField(default=0)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True, db_index=True)
    last_ok = models.BooleanField(_("last run passed"), null=True, blank=True)
    last_reason = models.CharField(_("last result"), max_length=20, choices=ProbeReason.choices, blank=True)
    last_detail = models.CharField(_("detail"), max_length=300, blank=True)
    last_latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    # When it was created or last enabled: a heartbeat that never pinged is late from here.
    watching_since = models.DateTimeField(_("watching since"))
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("probe")
        verbose_name_plural = _("probes")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["enabled", "next_run_at"], name="mon_probe_due")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The rules a probe must follow, each error on its field (the form shows them there)."""
        errors: dict[str, Any] = {}
        if not 1 <= (self.interval_minutes or 0) <= MAX_INTERVAL_MINUTES:
            errors["interval_minutes"] = _("Check at least every minute and at most once a week (1–10080 minutes).")
        if (self.failures_before_alert or 0) < 1:
            errors["failures_before_alert"] = _("At least one failed check must come before an alert.")
        if (self.successes_before_resolve or 0) < 1:
            errors["successes_before_resolve"] = _("At least one good check must come before the alert resolves.")
        if self.kind == ProbeKind.HTTP:
            scheme = urlsplit(self.url or "").scheme.lower()
            if not self.url:
                errors["url"] = _("An HTTP probe needs the URL to check.")
            elif scheme not in ("http", "https"):
                errors["url"] = _("Only http:// and https:// URLs can be checked.")
            if not TIMEOUT_RANGE[0] <= (self.timeout_seconds or 0) <= TIMEOUT_RANGE[1]:
                errors["timeout_seconds"] = _("The timeout must be between 1 and 60 seconds.")
            if not 100 <= (self.expected_status or 0) <= 599:
                errors["expected_status"] = _("An HTTP status is a number from 100 to 599.")
        elif self.kind == ProbeKind.SMS_ROUNDTRIP:
            from aftersales.sms.connectors.registry import connector_class

            if self.account_id is None:
                errors["account"] = _("An SMS round trip needs the vendor account to send through.")
            elif not connector_class(self.account.kind).sends_test_messages:  # type: ignore[union-attr]
                errors["account"] = _(
                    "The desk cannot send test messages through this vendor account's connector "
                    "yet; pick a simulator account."
                )
            self.destination = re.sub(r"[\s+()-]", "", self.destination or "")
            if not _E164.fullmatch(self.destination):
                errors["destination"] = _("Give the number in international form, e.g. +447700900123.")
            if not 1 <= (self.receipt_minutes or 0) <= 24 * 60:
                errors["receipt_minutes"] = _("Wait between 1 minute and 24 hours for the receipt.")
        if errors:
            raise ValidationError(errors)

    @property
    def fingerprint(self) -> str:
        return f"probe:{self.pk}"

    @property
    def interval(self) -> dt.timedelta:
        return dt.timedelta(minutes=max(1, self.interval_minutes))

    def heartbeat_deadline(self) -> dt.datetime:
        """When a heartbeat is late: the last ping (or the start of watching, if later) + interval + grace."""
        since = max(self.last_ping_at, self.watching_since) if self.last_ping_at else self.watching_since
        return since + self.interval + dt.timedelta(minutes=self.grace_minutes)


class ProbeResult(models.Model):
    probe = models.ForeignKey(Probe, on_delete=models.CASCADE, related_name="results", verbose_name=_("probe"))
    at = models.DateTimeField(_("at"))
    ok = models.BooleanField(_("passed"))
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    reason = models.CharField(_("result"), max_length=20, choices=ProbeReason.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("probe result")
        verbose_name_plural = _("probe results")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["probe", "-at"], name="mon_probe_result_at"),
            models.Index(fields=["at"], name="mon_probe_result_purge"),
        ]

    def __str__(self) -> str:
        return f"{self.probe_id} {self.at:%Y-%m-%d %H:%M:%S} {self.reason}"
