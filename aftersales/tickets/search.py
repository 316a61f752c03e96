"""Tickets in the one search box (issue 5): the ``ticket`` search source, the reference lookup,
and the calls ``tickets.actions`` makes to keep the index current.

A ticket's doc is everything an agent may remember about it: the subject, the description,
every message and internal note, the contact's name, email and phone (in every common written
form, so ``138-1234-5678`` finds it as well as ``+8613812345678``) and the customer's name.
``title`` is the subject, ``ref`` the reference (AS-000123), ``status`` the ticket's status,
``customer_id`` its customer, ``language`` its contact's (else its customer's) language and
``happened_at`` when it was opened.

Kept current inside the actions' transactions (never after commit, so the index cannot miss a
committed change nor keep a rolled-back one): opening puts the doc; each message or note is
appended; status changes update the doc's status; a new subject, a new customer and a merge
rewrite the doc from the database (a merge rewrites both tickets: the target now holds the
source's messages). A renamed customer or a contact whose name, email or phone changed
rewrites the docs of their tickets (``customers.actions`` tells us).

Exact lookups: ``AS-000123``, ``as-123``, ``AS123`` or ``#123`` is that ticket (the search page
jumps straight to it); a bare number of up to 9 digits is offered as an exact hit next to the
ranked results, without jumping (it may as well be a word someone wrote).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aftersales.core.access import is_staff_member
from aftersales.core.search import index
from aftersales.core.search.registry import Hit, SearchSource, register_lookup, register_source
from aftersales.customers.models import Contact, Customer
from aftersales.customers.search import phone_text
from aftersales.tickets.models import Message, Ticket

KIND = "ticket"
BATCH = 1_000  # tickets per reindex batch: one query for them, one for all their messages

_BARE_NUMBER = re.compile(r"^#?0*(\d{1,9})$")


# --- The doc ---------------------------------------------------------------------------------
def _language(ticket: Ticket) -> str:
    if ticket.contact is not None:
        return ticket.contact.language
    if ticket.customer is not None:
        return ticket.customer.language
    return ""


def _people_text(ticket: Ticket) -> str:
    """Who the ticket is from: the contact's name, email and phone forms, the customer's name."""
    parts: list[str] = []
    contact: Contact | None = ticket.contact
    if contact is not None:
        parts += [contact.name, contact.email, phone_text(contact.phone)]
    customer: Customer | None = ticket.customer
    if customer is not None:
        parts.append(customer.name)
    return "\n".join(part for part in parts if part)


def ticket_doc(ticket: Ticket, bodies: Iterable[str]) -> dict[str, Any]:
    """The ``index.put`` arguments of ``ticket`` with its message ``bodies`` (oldest first).

    ``ticket.contact`` and ``ticket.customer`` should be loaded (select_related) by the caller.
    """
    text = "\n".join(part for part in (ticket.description, *bodies, _people_text(ticket)) if part)
    return {
        "kind": KIND,
        "object_id": ticket.pk,
        "title": ticket.subject,
        "text": text,
        "ref": ticket.ref,
        "customer_id": ticket.customer_id,
        "status": ticket.status,
        "language": _language(ticket),
        "happened_at": ticket.created_at,
    }


def _put(doc: dict[str, Any]) -> None:
    fields = dict(doc)
    index.put(fields.pop("kind"), fields.pop("object_id"), **fields)


def _docs(tickets: list[Ticket]) -> Iterator[dict[str, Any]]:
    """Docs for ``tickets`` (contact and customer loaded) with one query for all their messages."""
    if not tickets:
        return
    bodies: dict[int, list[str]] = defaultdict(list)
    rows = (
        Message.objects.filter(ticket_id__in=[ticket.pk for ticket in tickets])
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "body")
    )
    for ticket_id, body in rows.iterator(chunk_size=5_000):
        bodies[ticket_id].append(body)
    for ticket in tickets:
        yield ticket_doc(ticket, bodies.get(ticket.pk, ()))


def _with_people() -> Any:
    return Ticket.objects.select_related("contact", "customer").only(
        "pk",
        "ref",
        "subject",
        "description",
        "status",
        "created_at",
        "customer_id",
        "contact_id",
        "contact__name",
        "contact__email",
        "contact__phone",
        "contact__language",
        "customer__name",
        "customer__language",
    )


# --- Keeping the index current (tickets.actions calls these inside its transactions) ---------
def ticket_opened(ticket: Ticket) -> None:
    """A new ticket: its doc (the description is its only text so far), one INSERT."""
    index.put_many([ticket_doc(ticket, ())], replace=False)


def tickets_imported(docs: list[dict[str, Any]]) -> None:
    """A batch of imported tickets (``import_tickets``): their docs (``ticket_doc`` plus the
    ``appended`` note bodies) in one INSERT, the tokens ``ticket_opened`` + ``message_added`` give."""
    index.put_many(docs, replace=False)


def notes_imported(changes: Iterable[tuple[Ticket, str, str, dt.datetime]]) -> None:
    """A batch of imported notes and status changes on tickets that exist (``import_notes``), in
    order, each ``(ticket, body, status, at)``: the body joins the doc as ``message_added`` appends
    it, a status ("" for none) is stored as ``status_set`` stores it, at the change's time."""
    index.change_many(KIND, [
        (ticket.pk, body if body and body != ticket.description else "", {"status": status} if status else {}, at)
        for ticket, body, status, at in changes
    ])  # fmt: skip


def message_added(ticket: Ticket, message: Message, *, status_changed: bool) -> None:
    """A message or note: its body joins the doc; a status it moved the ticket to is stored too.

    A channel that opens a ticket with the first message as its description (mail, chat, the
    portal) records that message next: its words are in the doc already, so it costs nothing.
    """
    if message.body and message.body != ticket.description:
        index.append(KIND, ticket.pk, message.body)
    if status_changed:
        status_set(ticket)


def status_set(ticket: Ticket) -> None:
    index.update_meta(KIND, ticket.pk, status=ticket.status)


def rewrite(*tickets: Ticket) -> None:
    """Rewrite the docs of ``tickets`` from the database (a new subject, customer, a merge)."""
    fresh = list(_with_people().filter(pk__in=[ticket.pk for ticket in tickets]).order_by("pk"))
    for doc in _docs(fresh):
        _put(doc)


def details_changed(obj: Customer | Contact) -> None:
    """A customer was renamed or a contact's details changed: rewrite the docs of their tickets.

    Registered with ``customers.actions`` (which knows no tickets); runs inside its transaction,
    in batches of ``BATCH`` tickets.
    """
    if isinstance(obj, Customer):
        tickets = _with_people().filter(customer_id=obj.pk)
    else:
        tickets = _with_people().filter(contact_id=obj.pk)
    for doc in _reindex(tickets):
        _put(doc)


# --- The search source -----------------------------------------------------------------------
def _reindex(queryset: Any = None) -> Iterator[dict[str, Any]]:
    """Every ticket's doc in batches of ``BATCH`` by primary key: two queries per batch."""
    queryset = _with_people() if queryset is None else queryset
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        yield from _docs(batch)
        last = batch[-1].pk


def reindex() -> Iterator[dict[str, Any]]:
    return _reindex()


def texts(ids: list[int]) -> dict[int, str]:
    """Subject, description and message bodies of each ticket, for snippets: one query (a UNION)."""
    if not ids:
        return {}
    heads = (
        Ticket.objects.filter(pk__in=ids)
        .order_by()
        .values_list("pk", Concat(F("subject"), Value("\n"), F("description"), output_field=TextField()), Value(0))
    )
    bodies = Message.objects.filter(ticket_id__in=ids).order_by().values_list("ticket_id", "body", "id")
    parts: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, text, order in heads.union(bodies, all=True):
        parts[pk].append((order, text))
    return {pk: "\n".join(text for _order, text in sorted(rows) if text) for pk, rows in parts.items()}


def url(object_id: int, ref: str) -> str:
    return reverse("tickets:detail", args=[ref])


# --- Exact lookup: a reference -----------------------------------------------------------------
def reference_number(text: str) -> int | None:
    """The ticket number ``text`` names as a reference (``AS-000123``, ``as-123``, ``AS123``,
    ``#123``), or None. A bare number is not a reference (see :func:`lookup_reference`)."""
    prefix = re.escape(settings.TICKET_REF_PREFIX)
    match = re.match(rf"^(?:{prefix}\s*[-‐–—_]?\s*|#)0*(\d{{1,12}})$", text.strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None


def lookup_reference(q: str, user: Any) -> list[Hit]:
    """A ticket reference → that ticket; a bare short number → the ticket with that number."""
    if not is_staff_member(user):
        return []
    number = reference_number(q)
    if number is None:
        bare = _BARE_NUMBER.match(q.strip())
        if bare is None:
            return []
        number = int(bare.group(1))
    ticket = Ticket.objects.filter(number=number).only("pk", "ref", "subject", "status").first()
    if ticket is None:
        return []
    return [
        Hit(
            kind=KIND,
            object_id=ticket.pk,
            ref=ticket.ref,
            title=ticket.subject,
            snippet=format_html("<mark>{}</mark> · {}", ticket.ref, ticket.get_status_display()),
            url=url(ticket.pk, ticket.ref),
            score=1.0,
        )
    ]


def jump(q: str, user: Any) -> str | None:
    """Where the search page goes straight to: the ticket ``q`` names by its reference."""
    number = reference_number(q)
    if number is None or not is_staff_member(user):
        return None
    ref = Ticket.objects.filter(number=number).values_list("ref", flat=True).first()
    return url(0, ref) if ref else None


def register() -> None:
    """Called from ``TicketsConfig.ready()``."""
    from aftersales.customers.actions import register_details_listener

    register_source(
        SearchSource(
            kind=KIND,
            label=_("Tickets"),
            url=url,
            texts=texts,
            allowed=is_staff_member,
            reindex=reindex,
            count=lambda: Ticket.objects.count(),
        )
    )
    register_lookup(lookup_reference)
    register_details_listener(details_changed)
