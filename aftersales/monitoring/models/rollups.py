"""Hourly counters that monitors and reports read (never the raw events). Kept for years."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrafficRollup(models.Model):
    """One hour of one account's traffic to one country and network (``network`` "" when unknown)."""

    account = models.ForeignKey(
        "sms.VendorAccount", on_delete=models.CASCADE, related_name="+", verbose_name=_("vendor account")
    )
    hour = models.DateTimeField(_("hour"))  # UTC, truncated to the hour
    country = models.CharField(_("country"), max_length=2, blank=True)
    network = models.CharField(_("network"), max_length=10, blank=True)
    submitted = models.PositiveIntegerField(_("submitted"), default=0)
    delivered = models.PositiveIntegerField(_("delivered"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)  # failed + rejected
    expired = models.PositiveIntegerField(_("expired"), default=0)
    unknown = models.PositiveIntegerField(_("unknown"), default=0)
    # Final DLRs by err-code, e.g. {"6": 12, "11": 3}.
    errors = models.JSONField(_("failures by error code"), default=dict, blank=True)
    latency_ms_sum = models.BigIntegerField(default=0)
    latency_count = models.PositiveIntegerField(default=0)
    conversion_requested = models.PositiveIntegerField(_("conversions requested"), default=0)
    conversion_verified = models.PositiveIntegerField(_("conversions verified"), default=0)
    inbound = models.PositiveIntegerField(_("inbound messages"), default=0)
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=6, default=0)

    class Meta:
        verbose_name = _("traffic rollup")
        verbose_name_plural = _("traffic rollups")
        constraints = [
            models.UniqueConstraint(fields=["account", "hour", "country", "network"], name="mon_rollup_unique"),
        ]
        indexes = [models.Index(fields=["hour"], name="mon_rollup_hour")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.hour:%Y-%m-%d %H}:00 {self.country}/{self.network}"


class PrefixRollup(models.Model):
    """Messages per number prefix (E.164 without its last 4 digits) per hour: pumping shows as many
    distinct numbers under one prefix."""

    account = models.ForeignKey(
        "sms.VendorAccount", on_delete=models.CASCADE, related_name="+", verbose_name=_("vendor account")
    )
    hour = models.DateTimeField(_("hour"))
    prefix = models.CharField(_("prefix"), max_length=16)
    country = models.CharField(_("country"), max_length=2, blank=True)
    messages = models.PositiveIntegerField(_("messages"), default=0)
    numbers = models.PositiveIntegerField(_("distinct numbers"), default=0)
    # Distinct numbers whose neighbour (the number one below or above) was already seen under this
    # prefix in the same hour: an enumeration (…0001, …0002, …0003) counts nearly every number here,
    # random real recipients almost never.
    sequential = models.PositiveIntegerField(_("numbers next to another"), default=0, db_default=0)

    class Meta:
        verbose_name = _("prefix rollup")
        verbose_name_plural = _("prefix rollups")
        constraints = [
            models.UniqueConstraint(fields=["account", "hour", "prefix"], name="mon_prefix_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.hour:%Y-%m-%d %H}:00 {self.prefix}"
