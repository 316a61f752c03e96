"""Quality review (issue 8): a lead scores a resolved ticket with a short scorecard.

One review per ticket per reviewer. ``agent`` is the ticket's owner when it was reviewed (the
person whose work is scored), kept on the row so per-agent figures group in SQL and survive a
later reassignment.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.tickets.models import Ticket

TONE_MIN, TONE_MAX = 1, 5


class QualityReview(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="quality_reviews", verbose_name=_("ticket")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agent"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("reviewer")
    )
    correct = models.BooleanField(_("correct"))
    complete = models.BooleanField(_("complete"))
    tone = models.PositiveSmallIntegerField(
        _("tone"), validators=[MinValueValidator(TONE_MIN), MaxValueValidator(TONE_MAX)]
    )
    root_cause_found = models.BooleanField(_("root cause found"))
    notes = models.TextField(_("notes"), blank=True)
    # The ticket's resolution time, copied so the review can be grouped by when the work was done.
    ticket_resolved_at = models.DateTimeField(_("ticket resolved"), null=True, blank=True)
    created_at = models.DateTimeField(_("reviewed"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quality review")
        verbose_name_plural = _("quality reviews")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "reviewer"], name="quality_review_once_per_reviewer"),
            models.CheckConstraint(
                condition=models.Q(tone__gte=TONE_MIN, tone__lte=TONE_MAX), name="quality_review_tone_1_5"
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "created_at"], name="quality_agent_created"),
            models.Index(fields=["created_at"], name="quality_created"),
        ]

    def __str__(self) -> str:
        return f"review of {self.ticket_id} by {self.reviewer_id}"
