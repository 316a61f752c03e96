"""Agent replies out by email: the outbox row (written with the reply) and its delivery.

``queue_reply`` is registered as a ``tickets`` message hook (``MailConfig.ready``): inside the
transaction that stores an agent's reply on an email ticket it writes an ``OutboundEmail`` —
``Re: [AS-000123] subject``, a Message-ID ``<AS-000123.<message pk>.<random>@<domain>>`` that
is also stored on the message (``Message.external_id``) so the customer's answer threads back,
``In-Reply-To``/``References`` from the mail it answers, From the mailbox the ticket came in
through (else ``DESK_EMAIL``/``DEFAULT_FROM_EMAIL``), To the ticket's contact, text and HTML in
the contact's language. Without a contact address the reply is kept and the row says why it
was not sent.

Delivery is the outbox engine shared with ``notify.delivery`` (``aftersales.core.outbox``): a
row is claimed with a conditional UPDATE (one worker wins), sent through Django's mail backend,
and on failure retried with exponential backoff until ``MAX_ATTEMPTS`` (a 5xx refusal fails at
once); a worker that dies mid-send leaves a 'sending' row whose lease (``LEASE``) expires and
the every-minute job puts it back.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import smtplib
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_noop

from aftersales.audit.log import record as audit
from aftersales.core import clock, outbox
from aftersales.mail.models import InboundEmail, Mailbox
from aftersales.mail.models_outbound import OutboundEmail, OutboundState
from aftersales.tickets.models import Channel, Message, MessageKind, Ticket

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = dt.timedelta(minutes=10)
BATCH = 200
MAX_REFERENCES = 20
NO_RECIPIENT = gettext_noop("Not sent: the ticket has no contact with an email address.")

# "Re:", "RE :", "Fwd:", "回复：", "答复:", "转发:" … at the start of a subject, repeated.
_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|sv|回复|答复|回覆|转发|轉寄)\s*[:：]\s*)+", re.IGNORECASE)


backoff = outbox.backoff
Report = outbox.Report


def mail_domain() -> str:
    configured = getattr(settings, "MAIL_DOMAIN", "")
    if configured:
        return str(configured)
    return urlparse(getattr(settings, "SITE_URL", "")).hostname or "aftersales.invalid"


def new_message_id(ticket: Ticket, message: Message) -> str:
    return f"<{ticket.ref}.{message.pk}.{secrets.token_hex(6)}@{mail_domain()}>"


def reply_subject(ticket: Ticket) -> str:
    """``Re: [AS-000123] <subject>``, without stacking prefixes or tokens already there."""
    token = f"[{ticket.ref}]"
    subject = _PREFIX.sub("", ticket.subject or "").replace(token, "").strip()
    subject = _PREFIX.sub("", subject).strip()
    return f"Re: {token} {subject}".strip()


def _angle(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    return value if value.startswith("<") else f"<{value.strip('<>')}>"


def threading_headers(ticket: Ticket, *, exclude: int | None = None) -> tuple[str, str]:
    """(In-Reply-To, References): the last customer mail, and the thread's Message-IDs."""
    email_messages = (
        Message.objects.filter(ticket=ticket, channel=Channel.EMAIL)
        .exclude(external_id="")
        .exclude(kind=MessageKind.NOTE)
        .order_by("created_at", "id")
    )
    if exclude is not None:
        email_messages = email_messages.exclude(pk=exclude)
    ids = [_angle(value) for value in email_messages.values_list("external_id", flat=True)]
    ids = [value for value in dict.fromkeys(ids) if value]
    inbound = email_messages.filter(kind=MessageKind.INBOUND).order_by("-created_at", "-id")
    last_in = inbound.values_list("external_id", flat=True).first()
    in_reply_to = _angle(last_in or "") or (ids[-1] if ids else "")
    references = ids[-MAX_REFERENCES:]
    if in_reply_to and in_reply_to in references:  # In-Reply-To goes last
        references.remove(in_reply_to)
        references.append(in_reply_to)
    return in_reply_to, " ".join(references)


def mailbox_of(ticket: Ticket) -> Mailbox | None:
    """The mailbox the ticket's latest mail came in through (its address is our From)."""
    inbound = (
        InboundEmail.objects.filter(ticket=ticket, mailbox__isnull=False)
        .select_related("mailbox")
        .order_by("-received_at", "-pk")
        .first()
    )
    return inbound.mailbox if inbound is not None else None


def from_address(mailbox: Mailbox | None) -> str:
    if mailbox is not None and mailbox.address:
        return mailbox.address
    return str(getattr(settings, "DESK_EMAIL", "") or settings.DEFAULT_FROM_EMAIL)


def queue_reply(message: Message) -> None:
    write_outbox(message)


def write_outbox(message: Message) -> OutboundEmail | None:
    """The message hook: write the outbox row for an agent's reply on an email ticket.

    Called inside the reply's transaction; the send is enqueued after it commits.
    """
    if message.kind != MessageKind.OUTBOUND or message.channel != Channel.EMAIL:
        return None
    ticket = message.ticket
    contact = ticket.contact
    to = (contact.email or "").strip() if contact is not None else ""
    language = contact.language if contact is not None else settings.LANGUAGE_CODE
    mailbox = mailbox_of(ticket)
    in_reply_to, references = threading_headers(ticket, exclude=message.pk)
    message_id = new_message_id(ticket, message)
    now = clock.now()
    with translation.override(language):
        context = {
            "ticket": ticket,
            "message": message,
            "agent": message.author_name,
            "contact": contact,
            "subject": reply_subject(ticket),
        }
        body_text = render_to_string("mail/reply.txt", context).strip() + "\n"
        body_html = render_to_string("mail/reply.html", context)
    outbound = OutboundEmail.objects.create(
        ticket_message=message,
        mailbox=mailbox,
        from_email=from_address(mailbox),
        to=to,
        subject=reply_subject(ticket),
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        language=language,
        body_text=body_text,
        body_html=body_html,
        state=OutboundState.PENDING if to else OutboundState.FAILED,
        last_error="" if to else NO_RECIPIENT,
        next_attempt_at=now,
        created_at=now,
    )
    Message.objects.filter(pk=message.pk).update(external_id=message_id)
    message.external_id = message_id
    if to:
        transaction.on_commit(lambda: _enqueue([outbound.pk]))
    return outbound


def _enqueue(ids: list[int]) -> None:
    from aftersales.mail.tasks import send_outbound

    try:
        send_outbound.enqueue(outbound_ids=ids)
    except Exception:  # the every-minute job sends it anyway
        logger.exception("mail: could not enqueue outbound delivery %s", ids)


# --- Delivery (the shared engine in ``aftersales.core.outbox``) ---------------------------


def build(outbound: OutboundEmail) -> EmailMultiAlternatives:
    headers = {"Message-ID": outbound.message_id, "X-Aftersales-Ticket": outbound.ticket_message.ticket.ref}
    if outbound.in_reply_to:
        headers["In-Reply-To"] = outbound.in_reply_to
    if outbound.references:
        headers["References"] = outbound.references
    email = EmailMultiAlternatives(
        subject=outbound.subject,
        body=outbound.body_text,
        from_email=outbound.from_email,
        to=[outbound.to],
        headers=headers,
    )
    if outbound.body_html:
        email.attach_alternative(outbound.body_html, "text/html")
    for attachment in outbound.ticket_message.attachments.all():
        with attachment.file.open("rb") as handle:
            email.attach(attachment.filename, handle.read(), attachment.content_type or None)
    return email


def _permanent(exc: Exception) -> bool:
    """A 5xx refusal of every recipient will not get better by retrying."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _send(outbound: OutboundEmail) -> None:
    if not parseaddr(outbound.to)[1]:
        raise ValueError(NO_RECIPIENT)
    build(outbound).send(fail_silently=False)


OUTBOX: outbox.Outbox[OutboundEmail] = outbox.Outbox(
    model=OutboundEmail,
    states=OutboundState,
    send=_send,
    permanent=_permanent,
    max_attempts=MAX_ATTEMPTS,
    lease=LEASE,
    batch=BATCH,
    select_related=("ticket_message__ticket",),
    label="mail",
    item="reply",
    items="replies",
    log_requeued=False,
    logger=logger,
)

claim = OUTBOX.claim
send_one = OUTBOX.send_one
requeue_stale = OUTBOX.requeue_stale
deliver = OUTBOX.deliver
deliver_due = OUTBOX.deliver_due


def retry(outbound: OutboundEmail, *, actor: Any = None) -> bool:
    """Put a failed reply back in the queue, to the ticket's current contact (after someone
    added or fixed its address, say). False when it has not failed or there is still nobody
    to send it to."""
    ticket = outbound.ticket_message.ticket
    contact = ticket.contact
    to = (contact.email or "").strip() if contact is not None else ""
    if not to:
        return False
    with transaction.atomic():
        updated = OutboundEmail.objects.filter(pk=outbound.pk, state=OutboundState.FAILED).update(
            state=OutboundState.PENDING, to=to, attempts=0, next_attempt_at=clock.now(), claimed_at=None,
            claimed_by="", last_error=""
        )
        if updated:
            audit(actor=actor, action="mail.outbound.retry", obj=ticket, after={"message": outbound.ticket_message_id})
            transaction.on_commit(lambda: _enqueue([outbound.pk]))
    return updated == 1
