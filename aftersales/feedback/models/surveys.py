"""Periodic surveys (issue 8): an NPS question (0–10) and a few free-text questions, sent to chosen
contacts; one invitation per contact, answered through a signed link until the survey closes.

``SurveyInvitation`` is also the outbox of the invitation email (the fields the shared engine in
``core.outbox`` needs: state, attempts, next_attempt_at, claimed_at, claimed_by, last_error,
sent_at): it is written in the transaction that sends the survey, and ``feedback.surveys_delivery``
sends it with retries. ``customer`` is copied from the contact when invited, so answers stay with the customer
(and aggregate per customer in SQL) even if the contact is later deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import OutboxRow

MAX_QUESTIONS = 3
PROMOTER_MIN = 9
DETRACTOR_MAX = 6


def pick_text(texts: dict[str, Any] | None, language: str) -> str:
    """The text in ``language``, else in any language given (English first)."""
    texts = texts or {}
    for key in (language, "en", "zh-hans", *texts.keys()):
        value = str(texts.get(key) or "").strip()
        if value:
            return value
    return ""


class Survey(models.Model):
    name = models.CharField(_("name"), max_length=200)
    # {"en": "...", "zh-hans": "..."}: the 0–10 question.
    nps_question = models.JSONField(_("NPS question"), default=dict)
    # [{"en": "...", "zh-hans": "..."}, ...]: up to MAX_QUESTIONS free-text questions.
    questions = models.JSONField(_("questions"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.name

    def is_open(self, now: dt.datetime) -> bool:
        return now < self.closes_at

    def question_texts(self, language: str) -> list[str]:
        return [pick_text(question, language) for question in self.questions or []]

    def nps_text(self, language: str) -> str:
        return pick_text(self.nps_question, language)


class InvitationState(models.TextChoices):
    PENDING = "pending", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class SurveyInvitation(OutboxRow):
    """One contact asked to answer one survey; holds their answer (one per invitation)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("survey"))
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="survey_invitations", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_invitations",
        verbose_name=_("contact"),
    )
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=10)
    # Part of the signed link: a link for another invitation (or a forged one) never matches.
    nonce = models.CharField(max_length=32, unique=True, editable=False)
    # The invitation email (the outbox lifecycle of ``core.outbox``).
    state = models.CharField(
        _("state"), max_length=10, choices=InvitationState.choices, default=InvitationState.PENDING
    )
    created_at = models.DateTimeField(_("created"))
    # The answer.
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    answers = models.JSONField(_("answers"), default=list, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    changed_at = models.DateTimeField(_("last changed"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        indexes = [
            models.Index(fields=["next_attempt_at"], name="survey_invite_pending", condition=models.Q(state="pending")),
            models.Index(fields=["claimed_at"], name="survey_invite_sending", condition=models.Q(state="sending")),
            models.Index(fields=["customer", "answered_at"], name="survey_invite_customer"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["survey", "contact"], name="survey_invitation_once_per_contact"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=10),
                name="survey_invitation_score_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.email}"

    @property
    def answered(self) -> bool:
        return self.score is not None

    @property
    def nps_group(self) -> str:
        """ "promoter" (9–10), "passive" (7–8), "detractor" (0–6) or "" when not answered."""
        if self.score is None:
            return ""
        if self.score >= PROMOTER_MIN:
            return "promoter"
        return "detractor" if self.score <= DETRACTOR_MAX else "passive"
