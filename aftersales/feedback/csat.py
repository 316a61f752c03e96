"""Satisfaction (CSAT): ask when a ticket is resolved, record the answer, follow up a low one.

Flow:

1. ``ask_after_resolution`` is a ``tickets`` listener (registered by ``register()`` from
   ``FeedbackConfig.ready()``). After any committed change that leaves a ticket resolved or
   closed, it makes sure the ticket has its one ``CsatRequest`` and queues the survey email
   (``feedback.csat_mail``) in the same transaction.
2. The email carries five links, one per rating; each is a signed token (``make_token``) for
   the public page ``/feedback/csat/<token>/``. Opening it stores nothing (mail scanners fetch
   links): it shows the chosen rating preselected and a comment box; the POST stores it.
3. ``record_rating`` stores or changes the answer (email link or portal) and, the first time an
   answer is low, opens one follow-up ticket for the team lead (``open_followup``).

Decisions (see docs/feedback.md): one request per ticket; a ticket resolved again after a
reopening reuses it — unanswered, it is asked again with a fresh expiry; answered, the answer
stands (still changeable within its window) and nobody is asked twice. Not asked: tickets with
no contact or a contact without an email address (monitoring and other system tickets usually
have none), merged tickets, imported history and our own follow-up tickets.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.feedback.models.csat import CsatChannel, CsatRequest
from aftersales.tickets import actions as ticket_actions
from aftersales.tickets.models import DONE_STATUSES, Category, Priority, Ticket

logger = logging.getLogger(__name__)

TOKEN_SALT = "aftersales.feedback.csat"  # noqa: S105 - a signing salt (namespace), not a secret
FOLLOWUP_SOURCE = "csat_followup"
RATINGS = (1, 2, 3, 4, 5)
COMMENT_MAX = 2000


class CsatError(ValidationError):
    """A rating was refused; the message says why, for the person who rated."""


# --- Settings (read when used, so override_settings works) -----------------------------------
def link_days() -> int:
    return int(getattr(settings, "FEEDBACK_CSAT_LINK_DAYS", 14))


def change_days() -> int:
    return int(getattr(settings, "FEEDBACK_CSAT_CHANGE_DAYS", 7))


def low_rating() -> int:
    """Ratings at or below this open a follow-up for the lead."""
    return int(getattr(settings, "FEEDBACK_CSAT_LOW_RATING", 2))


def followup_category_code() -> str:
    return str(getattr(settings, "FEEDBACK_CSAT_FOLLOWUP_CATEGORY", "follow-up"))


# --- Rules on a request ------------------------------------------------------------------------
def change_until(request: CsatRequest) -> dt.datetime | None:
    """Until when an answer may be changed (None: not answered yet)."""
    if request.answered_at is None:
        return None
    return request.answered_at + dt.timedelta(days=change_days())


def can_change(request: CsatRequest, now: dt.datetime | None = None) -> bool:
    """Unanswered, or answered less than ``FEEDBACK_CSAT_CHANGE_DAYS`` ago."""
    until = change_until(request)
    return until is None or (now or clock.now()) <= until


def link_works(request: CsatRequest, now: dt.datetime | None = None) -> bool:
    """An emailed link works until it expires, and after an answer as long as it may be changed."""
    now = now or clock.now()
    until = change_until(request)
    return now <= request.expires_at or (until is not None and now <= until)


# --- Tokens ------------------------------------------------------------------------------------
def make_token(request: CsatRequest, rating: int) -> str:
    return signing.dumps({"q": request.pk, "r": int(rating), "t": int(clock.now().timestamp())}, salt=TOKEN_SALT)


@dataclass(frozen=True)
class TokenResult:
    request: CsatRequest | None
    rating: int
    problem: str = ""  # "", "invalid" or "expired"


def read_token(token: str) -> TokenResult:
    """The request and rating a link names. ``problem`` says why it cannot be used.

    The age is checked against the desk clock (``clock.now()``) rather than ``max_age``'s
    wall clock, so the demo's moving clock and frozen test time agree with it.
    """
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
        request_pk, rating, made_at = int(payload["q"]), int(payload["r"]), int(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return TokenResult(None, 0, "invalid")
    if rating not in RATINGS:
        return TokenResult(None, 0, "invalid")
    request = (
        CsatRequest.objects.select_related("ticket", "contact", "owner__agent_profile").filter(pk=request_pk).first()
    )
    if request is None:
        return TokenResult(None, rating, "invalid")
    now = clock.now()
    made = dt.datetime.fromtimestamp(made_at, tz=dt.UTC)
    if made > now + dt.timedelta(minutes=5) or not link_works(request, now):
        return TokenResult(request, rating, "expired")
    return TokenResult(request, rating)


# --- Asking ------------------------------------------------------------------------------------
def wants_survey(ticket: Ticket) -> bool:
    """Whether a resolved ``ticket`` should be asked about at all."""
    contact = ticket.contact
    return (
        ticket.status in DONE_STATUSES
        and contact is not None
        and bool((contact.email or "").strip())
        and ticket.merged_into_id is None
        and not ticket.imported
        and ticket.source_kind != FOLLOWUP_SOURCE
    )


def ask_after_resolution(ticket: Ticket, what: str) -> None:
    """The ``tickets`` listener: runs after every committed ticket change (imported ones ask nobody)."""
    if ticket.imported or ticket.status not in DONE_STATUSES:
        return
    ticket = Ticket.objects.select_related("contact__customer", "owner", "team", "category").get(pk=ticket.pk)
    if wants_survey(ticket):
        ask(ticket=ticket)


def ask(*, ticket: Ticket) -> CsatRequest | None:
    """Make sure the resolved ``ticket`` has its request, and email it when it is new or re-asked.

    Idempotent: called again for the same resolution (closing a resolved ticket, an edit), it
    does nothing. Returns the request, or None when the ticket is not to be asked.
    """
    from aftersales.feedback import csat_mail

    if not wants_survey(ticket) or ticket.resolved_at is None:
        return None
    contact = ticket.contact
    assert contact is not None  # wants_survey
    now = clock.now()
    language = contact.language or getattr(contact.customer, "language", "") or settings.LANGUAGE_CODE
    snapshot = {
        "customer": ticket.customer or contact.customer,
        "contact": contact,
        "language": language,
        "owner": ticket.owner,
        "team": ticket.team,
        "category": ticket.category,
        "resolved_at": ticket.resolved_at,
        "sent_at": now,
        "expires_at": now + dt.timedelta(days=link_days()),
    }
    try:
        with transaction.atomic():
            existing = CsatRequest.objects.select_for_update().filter(ticket=ticket).first()
            if existing is None:
                request = CsatRequest.objects.create(ticket=ticket, created_at=now, **snapshot)
                audit(actor=None, action="feedback.csat.ask", obj=ticket, after={"request": request.pk})
            elif existing.resolved_at == ticket.resolved_at or existing.is_answered:
                return existing  # the same resolution, or already answered: ask nobody twice
            else:  # reopened and resolved again, never answered: ask again about the final fix
                for field, value in snapshot.items():
                    setattr(existing, field, value)
                existing.times_sent += 1
                existing.save()
                request = existing
                audit(actor=None, action="feedback.csat.ask_again", obj=ticket, after={"request": request.pk})
            csat_mail.queue_survey(request)
    except IntegrityError:  # a concurrent listener created it first
        return CsatRequest.objects.filter(ticket=ticket).first()
    return request


# --- Answering ---------------------------------------------------------------------------------
def clean_rating(value: Any) -> int:
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if rating not in RATINGS:
        raise CsatError(_("Choose a rating from 1 to 5."))
    return rating


def record_rating(
    *, request: CsatRequest, rating: Any, comment: str = "", via: str = CsatChannel.EMAIL, actor: Any = None
) -> CsatRequest:
    """Store (or change) the answer. Refused once the change window has closed.

    The first time an answer is low (≤ ``FEEDBACK_CSAT_LOW_RATING``) one follow-up ticket is
    opened for the lead; changing the answer later never opens a second one.
    """
    rating = clean_rating(rating)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise CsatError(_("Please keep the comment under %(max)d characters.") % {"max": COMMENT_MAX})
    now = clock.now()
    with transaction.atomic():
        request = CsatRequest.objects.select_for_update().select_related("ticket").get(pk=request.pk)
        if not can_change(request, now):
            raise CsatError(
                _("This rating was given more than %(days)d days ago and can no longer be changed.")
                % {"days": change_days()}
            )
        before = {"rating": request.rating, "comment": request.comment}
        first = request.answered_at is None
        request.rating = rating
        request.comment = comment
        request.answered_via = via
        if first:
            request.answered_at = now
        else:
            request.changed_at = now
        request.save(update_fields=["rating", "comment", "answered_via", "answered_at", "changed_at"])
        audit(
            actor=actor,
            action="feedback.csat.answer" if first else "feedback.csat.change",
            obj=request.ticket,
            before=None if first else before,
            after={"rating": rating, "via": via},
        )
        if rating <= low_rating() and request.followup_ticket_id is None:
            request.followup_ticket = open_followup(request)
            request.save(update_fields=["followup_ticket"])
    return request


def followup_lead(ticket: Ticket) -> User | None:
    """Who follows a low rating up: the ticket team's lead, else the owner's team lead, else a lead."""
    from aftersales.people.models import Team

    if ticket.team is not None and ticket.team.lead is not None and ticket.team.lead.is_active:
        return ticket.team.lead
    if ticket.owner_id is not None:
        team = (
            Team.objects.filter(members=ticket.owner_id, lead__isnull=False, lead__is_active=True)
            .select_related("lead")
            .order_by("name")
            .first()
        )
        if team is not None:
            return team.lead
    return User.objects.filter(groups__name="lead", is_active=True).order_by("pk").first()


def open_followup(request: CsatRequest) -> Ticket:
    """An internal follow-up ticket owned by the lead, linked to the rated ticket.

    Called inside ``record_rating``'s transaction. The lead is told by ``open_ticket`` itself
    (an "assigned" notification, in-app and email).
    """
    ticket = request.ticket
    lead = followup_lead(ticket)
    profile = getattr(lead, "agent_profile", None)
    language = getattr(profile, "language", "") or settings.LANGUAGE_CODE
    category = Category.objects.filter(code=followup_category_code(), is_active=True).first()
    with translation.override(language):
        subject = _("Low satisfaction %(rating)d/5 on %(ref)s: %(subject)s") % {
            "rating": request.rating,
            "ref": ticket.ref,
            "subject": ticket.subject,
        }
        description = _(
            "%(contact)s rated %(ref)s %(rating)d out of 5.\n\nComment: %(comment)s\n\n"
            "Please get in touch with the customer, find out what went wrong and note what you agreed."
        ) % {
            "contact": request.contact.name if request.contact else "-",
            "ref": ticket.ref,
            "rating": request.rating,
            "comment": request.comment or _("(none)"),
        }
    followup = ticket_actions.open_ticket(
        subject=subject,
        description=description,
        channel=ticket.channel,
        actor=None,
        customer=ticket.customer,
        contact=ticket.contact,
        category=category,
        priority=Priority.P2,
        owner=lead,
        team=ticket.team,
        from_customer=False,
        source_kind=FOLLOWUP_SOURCE,
        source_ref=f"csat:{request.pk}",
    )
    ticket_actions.link_tickets(ticket=followup, other=ticket, actor=None)
    audit(actor=None, action="feedback.csat.followup", obj=ticket, after={"followup": followup.ref})
    return followup


def register() -> None:
    """Called from ``FeedbackConfig.ready()``."""
    from aftersales.feedback import csat_panels, csat_tasks  # noqa: F401 - registers the send job

    ticket_actions.register_listener(ask_after_resolution)
    csat_panels.register()
