"""Every write the portal makes. Views call these; tickets change only through ``tickets.actions``."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.audit.log import record as audit
from aftersales.customers.models import Contact
from aftersales.portal import tokens
from aftersales.portal.access import can_close
from aftersales.tickets import actions as ticket_actions
from aftersales.tickets.actions import TicketActionError
from aftersales.tickets.models import Channel, Message, Status, Ticket

# Builds the absolute URL of a link from its token (the view knows the host the contact used).
UrlBuilder = Callable[[str], str]
MAX_CONTACTS_PER_ADDRESS = 5


def contacts_with_email(email: str) -> list[Contact]:
    email = (email or "").strip()
    if not email:
        return []
    return list(
        Contact.objects.select_related("portal_user", "customer")
        .filter(email__iexact=email)
        .order_by("pk")[:MAX_CONTACTS_PER_ADDRESS]
    )


def ensure_portal_user(contact: Contact) -> User:
    """The contact's portal login, made on first use: no desk role, no usable password yet."""
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if contact.portal_user_id is not None:
            return contact.portal_user  # type: ignore[return-value]
        user = User(username=f"portal.{contact.pk}.{secrets.token_hex(4)}", email=contact.email)
        user.set_unusable_password()
        user.save()
        contact.portal_user = user
        contact.save(update_fields=["portal_user"])
        audit(actor=None, action="portal.user_created", obj=contact, after={"user": user.pk})
    return user


def _send_link(contact: Contact, *, purpose: str, build_url: UrlBuilder, template: str, subject: str) -> None:
    url = build_url(tokens.make_token(contact, purpose))
    with translation.override(contact.language or settings.LANGUAGE_CODE):
        context = {"contact": contact, "url": url, "minutes": tokens.LINK_MAX_AGE_SECONDS // 60}
        body = render_to_string(template, context)
        send_mail(_(subject), body, None, [contact.email])
    audit(actor=None, action=f"portal.{purpose}_link_sent", obj=contact)


def send_sign_in_link(*, email: str, build_url: UrlBuilder) -> int:
    """Mail a one-time sign-in link to each contact with this address; returns how many were sent."""
    contacts = contacts_with_email(email)
    for contact in contacts:
        _send_link(
            contact,
            purpose=tokens.SIGN_IN,
            build_url=build_url,
            template="portal/email/sign_in_link.txt",
            subject=gettext_noop("Your sign-in link for the support portal"),
        )
    return len(contacts)


def send_password_link(*, email: str, build_url: UrlBuilder) -> int:
    """Mail a link that verifies the address and lets the contact choose a password."""
    contacts = contacts_with_email(email)
    for contact in contacts:
        _send_link(
            contact,
            purpose=tokens.SET_PASSWORD,
            build_url=build_url,
            template="portal/email/password_link.txt",
            subject=gettext_noop("Choose your password for the support portal"),
        )
    return len(contacts)


def set_portal_password(*, contact: Contact, password: str) -> User:
    user = ensure_portal_user(contact)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit(actor=user, action="portal.password_set", obj=contact)
    return user


# --- Tickets ---------------------------------------------------------------------------------
def open_portal_ticket(*, contact: Contact, subject: str, body: str, attachments: Sequence[Any] = ()) -> Ticket:
    """The contact opens a ticket for their own account; files go on a first message from them."""
    with transaction.atomic():
        ticket = ticket_actions.open_ticket(
            subject=subject,
            description=body,
            channel=Channel.PORTAL,
            customer=contact.customer,
            contact=contact,
            from_customer=True,
        )
        if attachments:
            ticket_actions.record_customer_message(
                ticket=ticket, body="", channel=Channel.PORTAL, contact=contact, attachments=attachments
            )
    return ticket


def reply_in_portal(*, contact: Contact, ticket: Ticket, body: str, attachments: Sequence[Any] = ()) -> Message:
    if ticket.status == Status.CLOSED:
        raise TicketActionError(_("This ticket is closed. Open a new ticket if you need more help."))
    return ticket_actions.record_customer_message(
        ticket=ticket, body=body, channel=Channel.PORTAL, contact=contact, attachments=attachments
    )


def close_in_portal(*, contact: Contact, ticket: Ticket) -> None:
    if not can_close(contact, ticket):
        raise TicketActionError(_("You cannot close this ticket."))
    with transaction.atomic():
        ticket_actions.change_status(
            ticket=ticket, status=Status.CLOSED, actor=None, reason=gettext_noop("closed by the customer in the portal")
        )
        audit(actor=contact.portal_user, action="portal.close", obj=ticket, after={"contact": contact.pk})
