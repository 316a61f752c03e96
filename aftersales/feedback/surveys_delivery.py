"""Sending survey invitations: the invitation row is the outbox (``core.outbox``), the email is
rendered at send time in the contact's language and leaves through Django's mail backend
(``feedback.mailing``). Retries with backoff; a 5xx refusal fails at once; a worker that dies
mid-send leaves a 'sending' row that the every-minute job puts back after the lease.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftersales.core import clock, outbox
from aftersales.feedback import mailing, surveys
from aftersales.feedback.models import InvitationState, SurveyInvitation

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = dt.timedelta(minutes=10)


def _send(invitation: SurveyInvitation) -> None:
    survey = invitation.survey
    if not survey.is_open(clock.now()):
        raise ValueError("the survey closed before its invitation could be sent")
    language = invitation.language or "en"
    context = {
        "invitation": invitation,
        "survey": survey,
        "name": invitation.contact.name if invitation.contact else "",
        "url": mailing.absolute_url(surveys.answer_path(invitation)),
        "question": survey.nps_text(language),
    }
    with translation.override(language):
        context["closes"] = date_format(survey.closes_at, "DATE_FORMAT")
        subject = _("How are we doing? A two-minute survey")
    text, html = mailing.render("feedback/email/survey_invitation", context, language)
    mailing.send_contact_email(
        to=invitation.email,
        subject=subject,
        text=text,
        html=html,
        key=f"survey-invitation:{invitation.pk}",
        kind="survey",
    )


OUTBOX: outbox.Outbox[SurveyInvitation] = outbox.Outbox(
    model=SurveyInvitation,
    states=InvitationState,
    send=_send,
    permanent=mailing.is_permanent,
    max_attempts=MAX_ATTEMPTS,
    lease=LEASE,
    select_related=("survey", "contact"),
    label="feedback",
    item="survey invitation",
    items="survey invitations",
    logger=logger,
)

send_one = OUTBOX.send_one
deliver = OUTBOX.deliver
deliver_due = OUTBOX.deliver_due
