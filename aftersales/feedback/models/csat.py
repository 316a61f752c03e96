"""Satisfaction (CSAT): one rating request per ticket, and the survey emails on their way out.

A ``CsatRequest`` is written when a ticket is resolved (or closed) and has a contact with an
email address (``feedback.csat.ask_after_resolution``). It keeps what the later reports group by
— the customer, the owner and team at resolution, the category — so the dashboards aggregate
it in SQL without joining the ticket's current (changed) state.

One request per ticket: a ticket reopened and resolved again reuses it (an unanswered request
is asked again with a fresh expiry; an answer, once given, stays the ticket's answer and can be
changed for ``FEEDBACK_CSAT_CHANGE_DAYS`` after it was first given).

``CsatEmail`` is the outbox of survey emails (not ticket replies: they never appear on the
ticket's timeline). It is written in the transaction that creates or re-asks the request and
sent by the shared outbox engine (``aftersales.core.outbox``) with retries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import OutboxRow


class CsatChannel(models.TextChoices):
    EMAIL = "email", _("Email link")
    PORTAL = "portal", _("Portal")


class CsatRequest(models.Model):
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="csat", verbose_name=_("ticket")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("customer"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="csat_requests",
        verbose_name=_("contact"),
    )
    language = models.CharField(_("language"), max_length=10)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner at resolution"),
    )
    team = models.ForeignKey(
        "people.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("team")
    )
    category = models.ForeignKey(
        "tickets.Category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("category"),
    )
    # The ticket's resolved_at this request was (last) sent for: a later one means "resolved again".
    resolved_at = models.DateTimeField(_("resolved"))
    sent_at = models.DateTimeField(_("sent"))
    times_sent = models.PositiveSmallIntegerField(_("times asked"), default=1)
    expires_at = models.DateTimeField(_("link expires"))
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed"), null=True, blank=True)
    answered_via = models.CharField(_("answered via"), max_length=10, choices=CsatChannel.choices, blank=True)
    followup_ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("follow-up"),
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("satisfaction request")
        verbose_name_plural = _("satisfaction requests")
        indexes = [
            models.Index(fields=["owner", "answered_at"], name="csat_owner_answered"),
            models.Index(fields=["customer", "answered_at"], name="csat_customer_answered"),
            models.Index(fields=["answered_at"], name="csat_answered"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="csat_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"CSAT {self.ticket_id}: {self.rating or '-'}"

    @property
    def is_answered(self) -> bool:
        return self.rating is not None


class CsatEmailState(models.TextChoices):
    PENDING = "pending", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class CsatEmail(OutboxRow):
    """A satisfaction survey email on its way to the contact (rendered when queued)."""

    request = models.ForeignKey(CsatRequest, on_delete=models.CASCADE, related_name="emails")
    from_email = models.CharField(_("from"), max_length=320)
    to = models.CharField(_("to"), max_length=320)
    subject = models.CharField(_("subject"), max_length=998)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    language = models.CharField(_("language"), max_length=10)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CsatEmailState.choices, default=CsatEmailState.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("satisfaction email")
        verbose_name_plural = _("satisfaction emails")
        indexes = [
            models.Index(fields=["next_attempt_at"], name="csat_email_pending", condition=models.Q(state="pending")),
            models.Index(fields=["claimed_at"], name="csat_email_sending", condition=models.Q(state="sending")),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject} ({self.state})"
