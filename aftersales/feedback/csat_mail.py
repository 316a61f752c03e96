"""The survey email: rendered into the ``CsatEmail`` outbox in the contact's language, sent by
the shared outbox engine (``aftersales.core.outbox``: claim, send, retry with backoff).

Not a ticket reply, so not ``tickets.actions.record_reply`` and not ``mail.outbound`` (whose
rows belong to a ticket message and would show on the timeline): the survey has its own outbox
table here, enqueued after the commit and swept every minute (``feedback.csat_tasks``).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import smtplib
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales.core import clock, outbox
from aftersales.feedback.models.csat import CsatEmail, CsatEmailState, CsatRequest

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = dt.timedelta(minutes=10)


def rating_label(rating: int) -> str:
    labels = {
        1: _("Very dissatisfied"),
        2: _("Dissatisfied"),
        3: _("Neutral"),
        4: _("Satisfied"),
        5: _("Very satisfied"),
    }
    return labels.get(rating, "")


def _domain() -> str:
    configured = getattr(settings, "MAIL_DOMAIN", "")
    return str(configured) if configured else (urlparse(settings.SITE_URL).hostname or "aftersales.invalid")


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def rating_links(request: CsatRequest) -> list[tuple[int, str, str]]:
    """(rating, label, absolute URL) for 1..5, in the active language."""
    from aftersales.feedback.csat import RATINGS, make_token

    return [
        (rating, rating_label(rating), absolute(reverse("feedback:csat_answer", args=[make_token(request, rating)])))
        for rating in RATINGS
    ]


def queue_survey(request: CsatRequest) -> CsatEmail:
    """Write the outbox row (inside the caller's transaction); sent after the commit."""
    from aftersales.feedback.csat import link_days

    ticket = request.ticket
    contact = request.contact
    assert contact is not None
    now = clock.now()
    with translation.override(request.language):
        subject = _("How did we do? [%(ref)s] %(subject)s") % {"ref": ticket.ref, "subject": ticket.subject}
        context = {
            "request": request,
            "ticket": ticket,
            "contact": contact,
            "links": rating_links(request),
            "days": link_days(),
            "portal_url": absolute(reverse("portal:detail", args=[ticket.ref])),
            "subject": subject,
        }
        body_text = render_to_string("feedback/csat/email.txt", context).strip() + "\n"
        body_html = render_to_string("feedback/csat/email.html", context)
    email = CsatEmail.objects.create(
        request=request,
        from_email=str(getattr(settings, "DESK_EMAIL", "") or settings.DEFAULT_FROM_EMAIL),
        to=contact.email.strip(),
        subject=subject[:998],
        message_id=f"<csat.{ticket.ref}.{request.pk}.{secrets.token_hex(6)}@{_domain()}>",
        language=request.language,
        body_text=body_text,
        body_html=body_html,
        next_attempt_at=now,
        created_at=now,
    )
    transaction.on_commit(lambda: _enqueue([email.pk]))
    return email


def _enqueue(ids: list[int]) -> None:
    from aftersales.feedback.csat_tasks import send_csat_emails

    try:
        send_csat_emails.enqueue(email_ids=ids)
    except Exception:  # the every-minute job sends it anyway
        logger.exception("feedback: could not enqueue survey email %s", ids)


def build(email: CsatEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email,
        to=[email.to],
        headers={
            "Message-ID": email.message_id,
            "X-Aftersales-Kind": "csat",
            "X-Aftersales-Ticket": email.request.ticket.ref,
            "Auto-Submitted": "auto-generated",
        },
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _send(email: CsatEmail) -> None:
    build(email).send(fail_silently=False)


OUTBOX: outbox.Outbox[CsatEmail] = outbox.Outbox(
    model=CsatEmail,
    states=CsatEmailState,
    send=_send,
    permanent=_permanent,
    max_attempts=MAX_ATTEMPTS,
    lease=LEASE,
    select_related=("request__ticket",),
    label="csat",
    item="survey email",
    items="survey emails",
    logger=logger,
)

deliver = OUTBOX.deliver
deliver_due = OUTBOX.deliver_due
send_one = OUTBOX.send_one
