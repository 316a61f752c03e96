"""Scheduled reviews: who gets which review, how often, and a record of each delivery.

A ``ReviewDelivery`` is one schedule's review of one period; the unique pair (schedule, period)
means a period is sent once, however often the job runs. The row is also its own outbox
(``core.outbox``): pending → sending → sent, retried with backoff, failed after a few attempts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly (the week before, on Mondays)")
    MONTHLY = "monthly", _("Monthly (the month before, on the 1st)")


class ReviewSchedule(models.Model):
    name = models.CharField(_("name"), max_length=100)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    recipient_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="review_schedules", verbose_name=_("staff recipients")
    )
    recipient_emails = models.TextField(_("other addresses"), blank=True, help_text=_("One address a line."))
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    formats = models.CharField(_("formats"), max_length=40, default="pdf",
                               help_text=_("Comma-separated: pdf, md, xlsx, html."))
    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                             verbose_name=_("team"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+", verbose_name=_("customer"))
    active = models.BooleanField(_("active"), default=True)
    last_sent_period = models.CharField(_("last period sent"), max_length=30, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("review schedule")
        verbose_name_plural = _("review schedules")

    def __str__(self) -> str:
        return self.name

    @property
    def format_list(self) -> list[str]:
        return [f.strip() for f in self.formats.split(",") if f.strip()]

    @property
    def email_list(self) -> list[str]:
        return [line.strip() for line in self.recipient_emails.replace(",", "\n").splitlines() if line.strip()]


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class ReviewDelivery(models.Model):
    schedule = models.ForeignKey(ReviewSchedule, on_delete=models.CASCADE, related_name="deliveries")
    period = models.CharField(_("period"), max_length=30)
    recipients = models.TextField(_("recipients"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING,
                             db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("review delivery")
        verbose_name_plural = _("review deliveries")
        constraints = [models.UniqueConstraint(fields=["schedule", "period"], name="review_delivery_once")]

    def __str__(self) -> str:
        return f"{self.schedule} {self.period}"
