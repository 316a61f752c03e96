"""Writes to customers and contacts: validated, audited, one transaction each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.core.access import require_write
from aftersales.customers import search
from aftersales.customers.models import Contact, Customer, normalise_phone

_CUSTOMER_FIELDS = (
    "code", "name", "parent", "tier", "status", "timezone", "language", "account_manager", "calendar",
    "mail_domains", "notes",
)
_CONTACT_FIELDS = ("name", "email", "phone", "im_handles", "language", "is_primary")

# --- Copies of these details elsewhere: a ticket's search doc holds its customer's name and its
# contact's name, email and phone. customers knows no tickets, so tickets listens here.
DetailsListener = Callable[[Customer | Contact], None]
_details_listeners: list[DetailsListener] = []


def register_details_listener(listener: DetailsListener) -> None:
    """Call ``listener(customer_or_contact)`` inside the transaction that renames a customer or
    changes a contact's name, email or phone."""
    if listener not in _details_listeners:
        _details_listeners.append(listener)


def _details_changed(obj: Customer | Contact) -> None:
    for listener in list(_details_listeners):
        listener(obj)


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    data = model_to_dict(obj, fields=fields)
    return {
        key: (value if isinstance(value, str | int | bool | dict | type(None)) else str(value))
        for key, value in data.items()
    }


def save_customer(*, actor: Any, customer: Customer | None = None, products: Any = None, **values: Any) -> Customer:
    """Create (``customer`` None) or update a customer; validates the hierarchy (no cycles)."""
    if actor is not None:
        require_write(actor)
    now = clock.now()
    with transaction.atomic():
        is_new = customer is None
        if customer is None:
            customer = Customer(created_at=now)
            before: dict[str, Any] = {}
        else:
            before = _snapshot(customer, _CUSTOMER_FIELDS)
        for key, value in values.items():
            if key not in _CUSTOMER_FIELDS:
                raise TypeError(f"unknown customer field {key}")
            setattr(customer, key, value)
        customer.updated_at = now
        customer.full_clean()
        customer.save()
        if products is not None:
            customer.products.set(products)
        renamed = not is_new and before.get("name") != customer.name
        search.index_customer(customer, name_changed=renamed)
        if renamed:
            _details_changed(customer)
        audit(
            actor=actor,
            action="customer.create" if is_new else "customer.update",
            obj=customer,
            before=before,
            after=_snapshot(customer, _CUSTOMER_FIELDS),
        )
    return customer


def save_contact(*, actor: Any, customer: Customer, contact: Contact | None = None, **values: Any) -> Contact:
    """Create or update a contact; the phone number is stored in E.164. One primary per customer."""
    if actor is not None:
        require_write(actor)
    if values.get("phone"):
        values["phone"] = normalise_phone(values["phone"])
    with transaction.atomic():
        is_new = contact is None
        if contact is None:
            contact = Contact(customer=customer, created_at=clock.now())
            before: dict[str, Any] = {}
        else:
            before = _snapshot(contact, _CONTACT_FIELDS)
        for key, value in values.items():
            if key not in _CONTACT_FIELDS:
                raise TypeError(f"unknown contact field {key}")
            setattr(contact, key, value)
        contact.full_clean()
        contact.save()
        if contact.is_primary:
            Contact.objects.filter(customer=customer, is_primary=True).exclude(pk=contact.pk).update(is_primary=False)
        search.index_contact(contact)
        if not is_new and any(before.get(key) != getattr(contact, key) for key in ("name", "email", "phone")):
            _details_changed(contact)
        audit(
            actor=actor,
            action="contact.create" if is_new else "contact.update",
            obj=contact,
            before=before,
            after=_snapshot(contact, _CONTACT_FIELDS),
        )
    return contact
