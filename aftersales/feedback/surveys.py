"""Periodic surveys (NPS): writes, the signed answer link, and the figures.

A lead creates a survey, chooses contacts (all primary contacts with an email, or the contacts of
chosen customers) and sends it: one ``SurveyInvitation`` per contact is written in that
transaction, and is itself the outbox row of the invitation email (``feedback.surveys_delivery``).

The link is ``/feedback/s/<token>/``: the token is the invitation id and its random nonce, signed
with the secret key (``django.core.signing``). A changed token fails the signature; a token whose
survey has closed opens a page saying so. The answer can be changed until the survey closes.

NPS = % promoters (9–10) − % detractors (0–6) of the answers, a whole number from −100 to 100.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.customers.models import Contact, Customer, CustomerStatus
from aftersales.feedback.models import InvitationState, Survey, SurveyInvitation
from aftersales.feedback.models.surveys import DETRACTOR_MAX, MAX_QUESTIONS, PROMOTER_MIN

TOKEN_SALT = "aftersales.feedback.survey"  # noqa: S105 - a signing salt, not a secret
MAX_ANSWER_LENGTH = 4000
SCOPE_PRIMARY = "primary"
SCOPE_CUSTOMERS = "customers"


class SurveyError(ValidationError):
    pass


# --- Creating and sending -----------------------------------------------------------------------


def _texts(en: str, zh: str) -> dict[str, str]:
    return {key: value.strip() for key, value in (("en", en), ("zh-hans", zh)) if value and value.strip()}


def create_survey(
    *,
    actor: Any,
    name: str,
    closes_at: dt.datetime,
    nps_question: dict[str, str],
    questions: Sequence[dict[str, str]] = (),
) -> Survey:
    now = clock.now()
    name = name.strip()
    if not name:
        raise SurveyError({"name": _("Give the survey a name.")})
    if closes_at <= now:
        raise SurveyError({"closes_at": _("The closing date must be in the future.")})
    if not any(v.strip() for v in nps_question.values()):
        raise SurveyError({"nps_en": _("Write the 0–10 question in at least one language.")})
    kept = [{k: v.strip() for k, v in q.items() if v and v.strip()} for q in questions]
    kept = [q for q in kept if q]
    if len(kept) > MAX_QUESTIONS:
        raise SurveyError(_("At most %(count)d extra questions.") % {"count": MAX_QUESTIONS})
    with transaction.atomic():
        survey = Survey.objects.create(
            name=name[:200],
            nps_question={k: v.strip() for k, v in nps_question.items() if v.strip()},
            questions=kept,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=now,
            closes_at=closes_at,
        )
        audit(
            actor=actor,
            action="feedback.survey.created",
            obj=survey,
            after={"name": survey.name, "closes_at": closes_at.isoformat(), "questions": len(kept)},
        )
    return survey


def recipients(*, scope: str, customers: Iterable[Customer] = (), primary_only: bool = False) -> QuerySet[Contact]:
    """The contacts a survey would go to: every primary contact with an email (of active
    customers), or the contacts with an email of the chosen customers (and their sub-accounts)."""
    contacts = Contact.objects.exclude(email="").filter(customer__status=CustomerStatus.ACTIVE)
    if scope == SCOPE_PRIMARY:
        contacts = contacts.filter(is_primary=True)
    elif scope == SCOPE_CUSTOMERS:
        ids = [customer.pk for customer in customers]
        contacts = contacts.filter(Q(customer_id__in=ids) | Q(customer__parent_id__in=ids))
        if primary_only:
            contacts = contacts.filter(is_primary=True)
    else:
        raise SurveyError({"scope": _("Choose who receives the survey.")})
    return contacts.select_related("customer").order_by("customer__name", "name", "pk")


def send_survey(*, survey: Survey, contacts: Iterable[Contact], actor: Any) -> int:
    """Invite ``contacts`` (each once per survey; already invited ones are skipped) and queue
    their emails. Returns how many were invited now."""
    now = clock.now()
    if not survey.is_open(now):
        raise SurveyError(_("This survey has closed; create a new one."))
    with transaction.atomic():
        Survey.objects.select_for_update().filter(pk=survey.pk).first()
        done = set(SurveyInvitation.objects.filter(survey=survey).values_list("contact_id", flat=True))
        rows = [
            SurveyInvitation(
                survey=survey,
                customer_id=contact.customer_id,
                contact=contact,
                email=contact.email.strip(),
                language=contact.language or "en",
                nonce=secrets.token_hex(16),
                state=InvitationState.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
            for contact in contacts
            if contact.pk not in done and contact.email.strip()
        ]
        if not rows:
            raise SurveyError(_("Nobody to send to: every chosen contact was already invited or has no email."))
        created = SurveyInvitation.objects.bulk_create(rows)
        if survey.sent_at is None:
            survey.sent_at = now
            survey.save(update_fields=["sent_at"])
        audit(actor=actor, action="feedback.survey.sent", obj=survey, after={"invited": len(created)})
        ids = [row.pk for row in created if row.pk is not None]
        if not ids:  # backends that do not return ids from bulk_create
            ids = list(SurveyInvitation.objects.filter(survey=survey, created_at=now).values_list("pk", flat=True))
        transaction.on_commit(lambda: _enqueue(ids))
    return len(rows)


def _enqueue(ids: list[int]) -> None:
    from aftersales.feedback.checkins_tasks import send_survey_invitations

    try:
        send_survey_invitations.enqueue(invitation_ids=ids)
    except Exception:  # the every-minute job sends them anyway
        import logging

        logging.getLogger(__name__).exception("feedback: could not enqueue survey invitations %s", ids)


# --- The signed link ----------------------------------------------------------------------------


def make_token(invitation: SurveyInvitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=TOKEN_SALT)


def read_token(token: str) -> SurveyInvitation | None:
    """The invitation the link was made for, or None when it was changed or forged."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
        pk, nonce = int(payload["i"]), str(payload["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    invitation = SurveyInvitation.objects.select_related("survey", "customer", "contact").filter(pk=pk).first()
    if invitation is None or not secrets.compare_digest(invitation.nonce, nonce):
        return None
    return invitation


def answer_path(invitation: SurveyInvitation) -> str:
    from django.urls import reverse

    return reverse("feedback:survey_answer", args=[make_token(invitation)])


# --- Answering ----------------------------------------------------------------------------------


def record_answer(*, invitation: SurveyInvitation, score: int, answers: Sequence[str]) -> SurveyInvitation:
    """Store (or change, until the survey closes) the contact's answer."""
    now = clock.now()
    if not invitation.survey.is_open(now):
        raise SurveyError(_("This survey has closed; answers can no longer be changed."))
    if not 0 <= int(score) <= 10:
        raise SurveyError({"score": _("Choose a score from 0 to 10.")})
    count = len(invitation.survey.questions or [])
    cleaned = [str(text or "").strip()[:MAX_ANSWER_LENGTH] for text in list(answers)[:count]]
    cleaned += [""] * (count - len(cleaned))
    first = invitation.answered_at is None
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        score=int(score), answers=cleaned, answered_at=invitation.answered_at or now, changed_at=now
    )
    invitation.refresh_from_db()
    audit(
        actor=None,
        action="feedback.survey.answered" if first else "feedback.survey.answer_changed",
        obj=invitation,
        after={"score": int(score)},
    )
    return invitation


# --- Figures ------------------------------------------------------------------------------------


@dataclass
class NpsFigures:
    answered: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    distribution: list[int] = field(default_factory=lambda: [0] * 11)  # count per score 0..10

    @property
    def nps(self) -> int | None:
        if not self.answered:
            return None
        return round(100 * (self.promoters - self.detractors) / self.answered)

    def percent(self, count: int) -> int:
        return round(100 * count / self.answered) if self.answered else 0

    @property
    def bars(self) -> list[tuple[int, int, int]]:
        """(score, count, width % of the largest bar) for the distribution chart."""
        top = max(self.distribution) or 1
        return [(score, count, round(100 * count / top)) for score, count in enumerate(self.distribution)]


def nps_figures(invitations: QuerySet[SurveyInvitation]) -> NpsFigures:
    """One grouped query: answers per score."""
    figures = NpsFigures()
    for score, count in (
        invitations.filter(score__isnull=False).values_list("score").annotate(n=Count("pk")).order_by("score")
    ):
        figures.distribution[score] = count
        figures.answered += count
        if score >= PROMOTER_MIN:
            figures.promoters += count
        elif score <= DETRACTOR_MAX:
            figures.detractors += count
        else:
            figures.passives += count
    return figures


def delivery_counts(survey: Survey) -> dict[str, int]:
    counts = dict.fromkeys(InvitationState.values, 0)
    for state, count in survey.invitations.values_list("state").annotate(n=Count("pk")).order_by():
        counts[state] = count
    counts["total"] = sum(counts.values())
    return counts


def customer_scores(customer: Customer, limit: int = 6) -> list[SurveyInvitation]:
    """The customer's latest answered scores (and its sub-accounts'), newest first."""
    return list(
        SurveyInvitation.objects.filter(Q(customer=customer) | Q(customer__parent=customer), score__isnull=False)
        .select_related("survey", "contact")
        .order_by("-answered_at", "-pk")[:limit]
    )


def answers_for(survey: Survey) -> QuerySet[SurveyInvitation]:
    return (
        survey.invitations.filter(score__isnull=False)
        .select_related("customer", "contact")
        .order_by("-answered_at", "-pk")
    )


def texts(en: str, zh: str) -> dict[str, str]:
    return _texts(en, zh)
