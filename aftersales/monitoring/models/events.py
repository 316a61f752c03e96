"""Telemetry as it arrives, and one row per message part.

``RawEvent`` is written (its own transaction) before anything parses the request, so a webhook
answers 2xx only once the event is stored durably; what cannot be parsed or mapped is kept with
its reason. ``MessageRecord`` is the parsed state of one message part (submitted → DLR → converted),
kept for the raw-event window (``MONITORING_RAW_DAYS``, default 30) like the raw events.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventSource(models.TextChoices):
    VONAGE_DLR = "vonage_dlr", _("Vonage delivery receipt")
    VONAGE_INBOUND = "vonage_inbound", _("Vonage inbound message")
    VONAGE_VERIFY = "vonage_verify", _("Vonage Verify callback")
    CONVERSION = "conversion", _("Conversion event")
    TRAFFIC = "traffic", _("Traffic feed")
    CSV = "csv", _("CSV import")
    REPORTS = "reports", _("Reports API pull")


class EventState(models.TextChoices):
    STORED = "stored", _("Stored, not processed yet")
    PROCESSED = "processed", _("Processed")
    DUPLICATE = "duplicate", _("Duplicate (ignored)")
    UNMAPPED = "unmapped", _("Account not known")
    INVALID = "invalid", _("Could not be read")


class TrafficFeed(models.Model):
    """Who may post to ``/hooks/traffic`` (the team's own platform, other products): a token, stored
    hashed, optionally tied to one vendor account for events that name none."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_hash = models.CharField(max_length=128, unique=True, editable=False)
    token_prefix = models.CharField(_("token starts with"), max_length=12, editable=False)
    account = models.ForeignKey(
        "sms.VendorAccount", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("default vendor account"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("traffic feed")
        verbose_name_plural = _("traffic feeds")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RawEvent(models.Model):
    source = models.CharField(_("source"), max_length=20, choices=EventSource.choices)
    received_at = models.DateTimeField(_("received"), db_index=True)
    # The request as received: method, content type, the body or query string (text), and who sent it.
    method = models.CharField(max_length=8, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(_("body as received"), blank=True)
    remote_addr = models.CharField(max_length=64, blank=True)
    feed = models.ForeignKey(TrafficFeed, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("state"), max_length=12, choices=EventState.choices, default=EventState.STORED)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # The vendor key the event names (Vonage ``api-key``), kept for the unmapped-traffic page.
    api_key = models.CharField(_("API key"), max_length=100, blank=True, db_index=True)
    account = models.ForeignKey(
        "sms.VendorAccount", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("vendor account"),
    )
    # message id + status + part: a repeat of an event already processed is ignored.
    dedup_key = models.CharField(max_length=200, blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("raw telemetry event")
        verbose_name_plural = _("raw telemetry events")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "received_at"], name="mon_raw_state_received"),
            models.Index(fields=["dedup_key"], name="mon_raw_dedup"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.received_at:%Y-%m-%d %H:%M:%S} {self.state}"


class MessageRecord(models.Model):
    """One message part, from its submission (or first receipt) to its final status and conversion."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        BUFFERED = "buffered", _("Buffered")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        REJECTED = "rejected", _("Rejected")
        UNKNOWN = "unknown", _("Unknown")
        INBOUND = "inbound", _("Inbound (MO)")

    account = models.ForeignKey(
        "sms.VendorAccount", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("vendor account"),
    )
    message_id = models.CharField(_("message ID"), max_length=100)
    part = models.PositiveSmallIntegerField(_("part"), default=1)
    direction = models.CharField(max_length=3, default="out")  # "out" (MT) or "in" (MO)
    msisdn = models.CharField(_("number"), max_length=20, blank=True)  # E.164 digits, no plus
    sender = models.CharField(_("sender"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    network = models.CharField(_("network"), max_length=10, blank=True)  # MCCMNC
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    err_code = models.PositiveSmallIntegerField(_("error code"), null=True, blank=True)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=8, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    client_ref = models.CharField(_("client reference"), max_length=100, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    final_at = models.DateTimeField(_("final status at"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("DLR latency (ms)"), null=True, blank=True)
    conversion_requested = models.BooleanField(_("conversion requested"), default=False)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), db_index=True)

    class Meta:
        verbose_name = _("message record")
        verbose_name_plural = _("message records")
        constraints = [
            models.UniqueConstraint(fields=["message_id", "part", "direction"], name="mon_message_part_unique"),
        ]
        indexes = [
            models.Index(fields=["account", "submitted_at"], name="mon_message_account_sub"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}/{self.part} {self.status}"
