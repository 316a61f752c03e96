"""Customers and contacts in the one search box (issue 5): their search sources and exact lookups.

Two kinds, registered from ``CustomersConfig.ready()``:

- ``customer``: name, short code, notes and mail domains; ``ref`` is the code, ``status`` the
  account status, ``customer_id`` the customer itself (so the customer filter finds it).
- ``contact``: name, email, phone (in every common written form, see :func:`phone_text`) and
  the customer's name; ``ref`` is the customer's code (the contact has no page of its own: its
  hit opens the customer's page at the contacts).

Exact lookups: an email address finds the contacts with that address; a phone number in any
format (default region CN: ``+86 138 1234 5678``, ``13812345678``, ``138-1234-5678``) finds the
contacts whose E.164 number it is. Tickets carry their contact's phone and email in their own
doc (``tickets.search``), so the ranked results list that contact's tickets too.

The docs are kept current by ``customers.actions.save_customer`` / ``save_contact``, inside
their transactions, through :func:`index_customer` and :func:`index_contact`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import phonenumbers
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aftersales.core.access import is_staff_member
from aftersales.core.search import index
from aftersales.core.search.registry import Hit, SearchSource, register_lookup, register_source
from aftersales.customers.models import Contact, Customer

PHONE_REGION = "CN"  # a number written without a country code is read as a Chinese one
BATCH = 1_000
EXACT_LIMIT = 20  # at most this many contacts per exact lookup (one shared address, a switchboard)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-]{7,24}$")


# --- Text of the docs ------------------------------------------------------------------------
@functools.lru_cache(maxsize=4096)  # reindexing meets the same contact on many tickets
def phone_text(e164: str) -> str:
    """Every common written form of a stored E.164 number, for the index.

    ``+8613812345678`` → ``8613812345678 13812345678 +86 138 1234 5678 138 1234 5678``; a
    Beijing landline also gets its local digits with the trunk prefix (``01065529988``). A query
    in the international or the local form, with or without spaces or dashes, then finds it
    (the tokenizer keeps digit runs, so ``138-1234-5678`` is the terms 138, 1234, 5678).
    """
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    parts = [
        e164.lstrip("+"),
        str(number.national_number),
        re.sub(r"\D", "", national),  # with the trunk prefix: 01065529988
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        national,
    ]
    return " ".join(dict.fromkeys(part for part in parts if part))


def customer_doc(customer: Customer) -> dict[str, Any]:
    """The ``index.put`` arguments of one customer."""
    domains = " ".join(str(domain) for domain in (customer.mail_domains or []))
    return {
        "kind": "customer",
        "object_id": customer.pk,
        "title": customer.name,
        "text": "\n".join(part for part in (customer.code, domains, customer.notes) if part),
        "ref": customer.code,
        "customer_id": customer.pk,
        "status": customer.status,
        "language": customer.language,
        "happened_at": customer.created_at,
    }


def contact_doc(contact: Contact, customer_name: str) -> dict[str, Any]:
    """The ``index.put`` arguments of one contact (``customer_name`` saves a query per contact)."""
    return {
        "kind": "contact",
        "object_id": contact.pk,
        "title": contact.name,
        "text": "\n".join(part for part in (contact.email, phone_text(contact.phone), customer_name) if part),
        "ref": contact.customer.code,
        "customer_id": contact.customer_id,
        "status": "",
        "language": contact.language,
        "happened_at": contact.created_at,
    }


def _put(doc: dict[str, Any]) -> None:
    fields = dict(doc)
    index.put(fields.pop("kind"), fields.pop("object_id"), **fields)


# --- Keeping the index current (called inside customers.actions' transactions) ---------------
def index_customer(customer: Customer, *, name_changed: bool = False) -> None:
    """(Re)write the customer's doc; after a rename, its contacts' docs too (they carry its name)."""
    _put(customer_doc(customer))
    if name_changed:
        for contact in customer.contacts.select_related("customer").order_by("pk").iterator(chunk_size=BATCH):
            _put(contact_doc(contact, customer.name))


def index_contact(contact: Contact) -> None:
    _put(contact_doc(contact, contact.customer.name))


# --- The search sources ----------------------------------------------------------------------
def _customer_url(object_id: int, ref: str) -> str:
    return reverse("customers:detail", args=[ref])


def _contact_url(object_id: int, ref: str) -> str:
    return reverse("customers:detail", args=[ref]) + "#contacts-title"


def _customer_texts(ids: list[int]) -> dict[int, str]:
    rows = Customer.objects.filter(pk__in=ids).values_list("pk", "name", "code", "notes")
    return {pk: "\n".join(part for part in (name, code, notes) if part) for pk, name, code, notes in rows}


def _contact_texts(ids: list[int]) -> dict[int, str]:
    rows = Contact.objects.filter(pk__in=ids).values_list("pk", "name", "email", "phone", "customer__name")
    return {
        pk: "\n".join(part for part in (name, email, phone, customer) if part)
        for pk, name, email, phone, customer in rows
    }


def _reindex_customers() -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        batch = list(Customer.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        for customer in batch:
            yield customer_doc(customer)
        last = batch[-1].pk


def _reindex_contacts() -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        batch = list(Contact.objects.filter(pk__gt=last).select_related("customer").order_by("pk")[:BATCH])
        if not batch:
            return
        for contact in batch:
            yield contact_doc(contact, contact.customer.name)
        last = batch[-1].pk


# --- Exact lookups ---------------------------------------------------------------------------
def parse_phone(text: str) -> str:
    """``text`` as an E.164 number if it looks like one and is valid (default region CN), else ""."""
    text = text.strip()
    if not _PHONE_CHARS.match(text):
        return ""
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _contact_hit(contact: Contact, snippet: str) -> Hit:
    return Hit(
        kind="contact",
        object_id=contact.pk,
        ref=contact.customer.code,
        title=contact.name,
        snippet=snippet,
        url=_contact_url(contact.pk, contact.customer.code),
        score=1.0,
    )


def lookup_contacts(q: str, user: Any) -> list[Hit]:
    """An email address or a phone number (any format) → the contacts it belongs to."""
    if not is_staff_member(user):
        return []
    text = q.strip()
    if _EMAIL.match(text):
        contacts = Contact.objects.filter(email__iexact=text)
        label = text
    else:
        phone = parse_phone(text)
        if not phone:
            return []
        contacts = Contact.objects.filter(phone=phone)
        label = phone
    rows = list(contacts.select_related("customer").order_by("-is_primary", "name", "pk")[:EXACT_LIMIT])
    return [
        _contact_hit(contact, format_html("<mark>{}</mark> · {}", label, contact.customer.name)) for contact in rows
    ]


def customer_ids_for_code(code: str, user: Any) -> list[int] | None:
    """The search page's customer filter: a short code → that customer and its sub-accounts."""
    if not is_staff_member(user):
        return []
    return list(
        Customer.objects.filter(Q(code=code.strip()) | Q(parent__code=code.strip())).values_list("pk", flat=True)
    )


def register() -> None:
    """Called from ``CustomersConfig.ready()``."""
    register_source(
        SearchSource(
            kind="customer",
            label=_("Customers"),
            url=_customer_url,
            texts=_customer_texts,
            allowed=is_staff_member,
            reindex=_reindex_customers,
            count=lambda: Customer.objects.count(),
        )
    )
    register_source(
        SearchSource(
            kind="contact",
            label=_("Contacts"),
            url=_contact_url,
            texts=_contact_texts,
            allowed=is_staff_member,
            reindex=_reindex_contacts,
            count=lambda: Contact.objects.count(),
        )
    )
    register_lookup(lookup_contacts)
