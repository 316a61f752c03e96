"""The one place that decides what a portal contact may see. Every portal view goes through it.

A contact sees the tickets of their own customer; a master account's contacts also see the
tickets of its sub-accounts; a sub-account's contacts see only their own account's. Anything
else is a 404, never a 403, so a contact cannot even learn that a reference exists.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from aftersales.customers.models import Contact
from aftersales.tickets.models import Attachment, Message, MessageKind, Ticket

PUBLIC_KINDS = (MessageKind.INBOUND, MessageKind.OUTBOUND)


def contact_for(user: Any) -> Contact | None:
    """The contact signed in as ``user``, or None (anonymous, or a desk user)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if not hasattr(user, "_aftersales_portal_contact"):
        user._aftersales_portal_contact = (
            Contact.objects.select_related("customer__parent").filter(portal_user=user).first()
        )
    contact: Contact | None = user._aftersales_portal_contact
    return contact


def require_contact(user: Any) -> Contact:
    contact = contact_for(user)
    if contact is None:
        raise PermissionDenied
    return contact


def portal_tickets_for(contact: Contact) -> QuerySet[Ticket]:
    """The tickets ``contact`` may see: their account's, plus its sub-accounts' for a master account."""
    customer = contact.customer
    if customer.parent_id is None:
        return Ticket.objects.filter(Q(customer=customer) | Q(customer__parent=customer))
    return Ticket.objects.filter(customer=customer)


def get_portal_ticket(contact: Contact, ref: str) -> Ticket:
    try:
        return portal_tickets_for(contact).select_related("customer", "contact").get(ref=ref.upper())
    except Ticket.DoesNotExist as exc:
        raise Http404("No such ticket") from exc


def can_close(contact: Contact, ticket: Ticket) -> bool:
    """A contact closes their own account's tickets (a master's contacts only read and answer a sub's)."""
    return ticket.customer_id == contact.customer_id and ticket.merged_into_id is None and ticket.status != "closed"


def public_messages(ticket: Ticket) -> QuerySet[Message]:
    """What the customer sees of the conversation: their messages and our replies, never notes."""
    return (
        ticket.messages.filter(kind__in=PUBLIC_KINDS)
        .select_related("author_user__agent_profile", "author_contact")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def get_portal_attachment(contact: Contact, ref: str, attachment_id: int) -> Attachment:
    ticket = get_portal_ticket(contact, ref)
    try:
        return Attachment.objects.get(pk=attachment_id, message__ticket=ticket, message__kind__in=PUBLIC_KINDS)
    except Attachment.DoesNotExist as exc:
        raise Http404("No such attachment") from exc
