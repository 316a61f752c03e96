"""Relationship check-ins (issue 8): a plan per customer (owner, cadence) and the touchpoints logged.

``CheckinPlan.next_due_on`` and ``last_checkin_at`` are stored, not computed on read, so the overdue
list, the reminder job and the later review aggregate them in SQL. They are recomputed by
``feedback.checkins.refresh_plan`` whenever a check-in is logged or the plan changes (never in
``save()``). A check-in belongs to the customer, not to the plan: imported history (issue 9's
"月度回访" rows) can exist before any plan does.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_CADENCE_DAYS = 30
MAX_CADENCE_DAYS = 366


class CheckinPlan(models.Model):
    """How often the desk contacts a customer without being asked, and who does it."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="checkin_plan", verbose_name=_("customer")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checkin_plans",
        verbose_name=_("owner"),
    )
    cadence_days = models.PositiveSmallIntegerField(
        _("every (days)"),
        default=DEFAULT_CADENCE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CADENCE_DAYS)],
    )
    active = models.BooleanField(_("active"), default=True)
    # The first check-in is due on this date when there has been none yet.
    started_on = models.DateField(_("started"))
    last_checkin_at = models.DateTimeField(_("last check-in"), null=True, blank=True)
    next_due_on = models.DateField(_("next check-in due"))
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    # The due date the last reminder was for: one reminder per due date.
    reminded_for = models.DateField(_("reminded for due date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["next_due_on", "id"]
        verbose_name = _("check-in plan")
        verbose_name_plural = _("check-in plans")
        indexes = [
            models.Index(fields=["next_due_on"], name="checkin_plan_due", condition=models.Q(active=True)),
            models.Index(fields=["owner", "next_due_on"], name="checkin_plan_owner_due"),
        ]

    def __str__(self) -> str:
        return str(self.customer)

    def is_overdue(self, today: dt.date) -> bool:
        return self.active and self.next_due_on < today

    def is_due(self, today: dt.date) -> bool:
        """Due today or overdue."""
        return self.active and self.next_due_on <= today


class CheckinKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class CheckinSource(models.TextChoices):
    DESK = "desk", _("Logged on the desk")
    IMPORT = "import", _("Imported")


class Checkin(models.Model):
    """One touchpoint with a customer: who talked to them, when, how, and what was said."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="checkins", verbose_name=_("customer")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checkins",
        verbose_name=_("owner"),
    )
    occurred_at = models.DateTimeField(_("when"))
    kind = models.CharField(_("kind"), max_length=10, choices=CheckinKind.choices, default=CheckinKind.CALL)
    notes = models.TextField(_("notes"), blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logged by"),
    )
    logged_at = models.DateTimeField(_("logged"))
    source = models.CharField(_("source"), max_length=10, choices=CheckinSource.choices, default=CheckinSource.DESK)
    # For imports: the original row's id (e.g. "xlsx:月度回访:42"), so a re-import adds nothing twice.
    source_ref = models.CharField(_("source reference"), max_length=200, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="checkin_customer_time"),
            models.Index(fields=["owner", "occurred_at"], name="checkin_owner_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"], name="checkin_source_ref_unique", condition=~models.Q(source_ref="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.occurred_at:%Y-%m-%d} ({self.kind})"
