"""A customer's data, exported on request: one zip with ``customer.json`` and the attachments.

``customer.json`` holds the customer and its sub-accounts, their contacts, their tickets with
every message and note (attachments by name; the files sit under ``attachments/`` in the zip),
check-ins and satisfaction ratings. The zip is written to a temporary file next to the target and
renamed into place, so a failure leaves no half-written file. The export is a sensitive read:
it is audited with its counts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from django.db.models import Q

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.customers.models import Contact, Customer
from aftersales.feedback.models import Checkin, CsatRequest
from aftersales.tickets.models import Attachment, Message, Ticket

FORMAT = "aftersales-customer-export/1"


class PrivacyError(Exception):
    """A request about a customer's data that cannot be done (unknown code, file exists …)."""


def customer_family(code: str) -> tuple[Customer, list[Customer]]:
    """The customer with ``code`` and, for a master account, its sub-accounts (itself first)."""
    customer = Customer.objects.filter(code=code).first()
    if customer is None:
        raise PrivacyError(f"No customer with code {code!r}.")
    return customer, [customer, *Customer.objects.filter(parent=customer).order_by("code")]


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def _user(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _contact(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk, "name": contact.name, "email": contact.email, "phone": contact.phone,
        "im_handles": contact.im_handles, "language": contact.language, "is_primary": contact.is_primary,
        "portal_user": _user(contact.portal_user), "created_at": _time(contact.created_at),
    }


def _customer(customer: Customer) -> dict[str, Any]:
    return {
        "code": customer.code, "name": customer.name, "parent": customer.parent.code if customer.parent else None,
        "tier": customer.tier, "status": customer.status, "timezone": customer.timezone,
        "language": customer.language, "notes": customer.notes, "mail_domains": customer.mail_domains,
        "account_manager": _user(customer.account_manager), "created_at": _time(customer.created_at),
        "updated_at": _time(customer.updated_at),
        "contacts": [_contact(c) for c in customer.contacts.select_related("portal_user").order_by("pk")],
    }


def _attachment_path(attachment: Attachment) -> str:
    return f"attachments/{attachment.message.ticket.ref}/{attachment.message_id}/{Path(attachment.filename).name}"


def _message(message: Message) -> dict[str, Any]:
    return {
        "kind": message.kind, "channel": message.channel, "created_at": _time(message.created_at),
        "author": _user(message.author_user) or (message.author_contact.name if message.author_contact else None),
        "body": message.body,
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size, "path": _attachment_path(a)}
            for a in message.attachments.all()
        ],
    }


def _ticket(ticket: Ticket) -> dict[str, Any]:
    return {
        "ref": ticket.ref, "subject": ticket.subject, "description": ticket.description,
        "customer": ticket.customer.code if ticket.customer else None,
        "contact": ticket.contact.name if ticket.contact else None,
        "status": ticket.status, "priority": ticket.priority, "channel": ticket.channel,
        "category": ticket.category.code if ticket.category else None, "owner": _user(ticket.owner),
        "created_at": _time(ticket.created_at), "first_response_at": _time(ticket.first_response_at),
        "resolved_at": _time(ticket.resolved_at), "closed_at": _time(ticket.closed_at),
        "resolution_summary": ticket.resolution_summary,
        "messages": [_message(m) for m in ticket.messages.all()],
    }


def collect(code: str) -> tuple[Customer, dict[str, Any], list[Attachment]]:
    customer, family = customer_family(code)
    ids = [c.pk for c in family]
    tickets = (
        Ticket.objects.filter(customer_id__in=ids)
        .select_related("customer", "contact", "category", "owner")
        .prefetch_related("messages__attachments", "messages__author_user", "messages__author_contact")
        .order_by("number")
    )
    ticket_list = list(tickets)
    checkins = Checkin.objects.filter(customer_id__in=ids).select_related("customer", "owner").order_by("occurred_at")
    ratings = CsatRequest.objects.filter(Q(customer_id__in=ids) | Q(ticket__in=ticket_list)).select_related(
        "ticket", "contact"
    ).order_by("sent_at")
    data = {
        "format": FORMAT,
        "exported_at": _time(clock.now()),
        "customers": [_customer(c) for c in family],
        "tickets": [_ticket(t) for t in ticket_list],
        "checkins": [
            {"customer": c.customer.code, "occurred_at": _time(c.occurred_at), "kind": c.kind, "notes": c.notes,
             "owner": _user(c.owner), "source": c.source}
            for c in checkins
        ],
        "ratings": [
            {"ticket": r.ticket.ref, "contact": r.contact.name if r.contact else None, "rating": r.rating,
             "comment": r.comment, "sent_at": _time(r.sent_at), "answered_at": _time(r.answered_at)}
            for r in ratings
        ],
    }
    attachments = [a for t in ticket_list for m in t.messages.all() for a in m.attachments.all()]
    return customer, data, attachments


def export_customer(code: str, output: str | Path, *, actor: Any = None) -> dict[str, int]:
    """Write the zip to ``output`` (refused if it exists); the counts, as audited."""
    output = Path(output)
    if output.exists():
        raise PrivacyError(f"{output} already exists; choose another file name.")
    if not output.parent.is_dir():
        raise PrivacyError(f"{output.parent} is not a directory.")
    customer, data, attachments = collect(code)
    counts = {
        "customers": len(data["customers"]), "contacts": sum(len(c["contacts"]) for c in data["customers"]),
        "tickets": len(data["tickets"]), "messages": sum(len(t["messages"]) for t in data["tickets"]),
        "attachments": len(attachments), "checkins": len(data["checkins"]), "ratings": len(data["ratings"]),
    }
    handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=".zip", dir=output.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("customer.json", json.dumps(data, ensure_ascii=False, indent=2))
            for attachment in attachments:
                try:
                    with attachment.file.open("rb") as source:
                        archive.writestr(_attachment_path(attachment), source.read())
                except (OSError, ValueError):
                    counts["attachments_missing"] = counts.get("attachments_missing", 0) + 1
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    audit(actor=actor, action="privacy.customer_export", obj=customer, after={"file": output.name, **counts})
    return counts
