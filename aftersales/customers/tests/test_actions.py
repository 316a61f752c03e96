from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from aftersales.audit.models import AuditEntry
from aftersales.customers.actions import save_contact, save_customer

pytestmark = pytest.mark.django_db


def test_create_customer_is_audited(personas):
    customer = save_customer(actor=personas.agent, code="kaito-pay", name="Kaito Pay", tier="standard")
    assert AuditEntry.objects.filter(action="customer.create", object_id=str(customer.pk)).exists()


def test_subaccount_of_subaccount_refused(personas):
    with pytest.raises(ValidationError, match="sub-account cannot be a master"):
        save_customer(actor=personas.agent, code="deep", name="Deep", parent=personas.subaccount)


def test_master_with_subs_cannot_become_sub(personas):
    with pytest.raises(ValidationError):
        save_customer(actor=personas.agent, customer=personas.customer, parent=personas.other_customer)


def test_own_parent_refused(personas):
    with pytest.raises(ValidationError, match="own master"):
        save_customer(actor=personas.agent, customer=personas.other_customer, parent=personas.other_customer)


def test_contact_phone_stored_in_e164(personas):
    contact = save_contact(
        actor=personas.agent,
        customer=personas.other_customer,
        name="Aiko Tan",
        phone="+44 7911 123456",
        email="aiko@bluewave.example",
    )
    assert contact.phone == "+447911123456"


def test_invalid_phone_is_a_clear_error(personas):
    with pytest.raises(ValidationError, match="not a valid phone number"):
        save_contact(actor=personas.agent, customer=personas.other_customer, name="X", phone="+86 123")


def test_one_primary_contact(personas):
    second = save_contact(actor=personas.agent, customer=personas.customer, name="Wu Lei", is_primary=True)
    personas.contact.refresh_from_db()
    assert second.is_primary and not personas.contact.is_primary


def test_viewer_cannot_save(personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        save_customer(actor=personas.viewer, code="nope", name="Nope")
