"""Scheduled reviews: who gets which review, how often, and a record of each delivery.

A ``ReviewDelivery`` is one schedule's review of one period; the unique pair (schedule, period)
means a period is sent once, however often the job runs. The row is also its own outbox
(``core.outbox``): pending → sending → sent, retried with backoff, failed after a few attempts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import OutboxRow


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


class ReviewDelivery(OutboxRow):
    schedule = models.ForeignKey(ReviewSchedule, on_delete=models.CASCADE, related_name="deliveries")
    period = models.CharField(_("period"), max_length=30)
    recipients = models.TextField(_("recipients"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING,
                             db_index=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("review delivery")
        verbose_name_plural = _("review deliveries")
        constraints = [models.UniqueConstraint(fields=["schedule", "period"], name="review_delivery_once")]

    def __str__(self) -> str:
        return f"{self.schedule} {self.period}"


# --- Stored daily figures (``reports.daily``) -------------------------------------------------
class OpenedCounts(models.Model):
    """The tickets opened on one day (in the desk's timezone) of one team and category, counted
    for the dashboard's tiles, daily chart and SLA table. Merged tickets are left out, as in
    ``Scope.tickets()``. A cache of ``tickets_ticket``: ``reports.daily`` keeps it exact."""

    day = models.DateField()
    team_id = models.BigIntegerField(null=True)
    category_id = models.BigIntegerField(null=True)
    n = models.IntegerField(default=0)
    proactive = models.IntegerField(default=0)
    imported = models.IntegerField(default=0)
    with_sla = models.IntegerField(default=0)
    breached = models.IntegerField(default=0)
    first_response_late = models.IntegerField(default=0)
    resolution_late = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} opened {self.n}"


class DailyOpened(OpenedCounts):
    """Per day, team and category: what the whole desk's and a team's figures sum."""

    class Meta:
        indexes = [models.Index(fields=["day", "team_id"], name="daily_opened_day")]


class CustomerDailyOpened(OpenedCounts):
    """The same per customer too: what one customer's (and its sub-accounts') figures sum."""

    customer_id = models.BigIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["customer_id", "day"], name="customer_daily_opened"),
                   models.Index(fields=["day"], name="customer_daily_opened_day")]


class ResolvedCounts(models.Model):
    """The tickets resolved on one day of one team, category and root cause, with their reopenings
    and the business seconds they spent with us / waiting on the customer / on the vendor."""

    day = models.DateField()
    team_id = models.BigIntegerField(null=True)
    category_id = models.BigIntegerField(null=True)
    root_cause_id = models.BigIntegerField(null=True)
    n = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    seconds_with_us = models.BigIntegerField(default=0)
    seconds_waiting_customer = models.BigIntegerField(default=0)
    seconds_waiting_vendor = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} resolved {self.n}"


class DailyResolved(ResolvedCounts):
    class Meta:
        indexes = [models.Index(fields=["day", "team_id"], name="daily_resolved_day")]


class CustomerDailyResolved(ResolvedCounts):
    customer_id = models.BigIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["customer_id", "day"], name="customer_daily_resolved"),
                   models.Index(fields=["day"], name="customer_daily_resolved_day")]


class DailyStale(models.Model):
    """An instant whose day's figures may be out of date: written by database triggers on
    ``tickets_ticket`` (the old and new ``created_at`` / ``resolved_at`` of every insert, delete, and
    update of a column the daily figures read), consumed by ``reports.daily.refresh``."""

    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"stale {self.at:%Y-%m-%d %H:%M}"
