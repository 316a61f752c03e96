"""Agents hear about their tickets: assigned to them, and the customer replied (in-app and email)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from aftersales.notify.delivery import deliver_due
from aftersales.notify.models import Notification
from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_assignment_by_someone_else_notifies_the_new_owner(personas):
    ticket = make_ticket(customer=personas.customer)
    actions.assign_ticket(ticket=ticket, owner=personas.agent, actor=personas.lead)
    note = Notification.objects.get(kind="assigned")
    assert note.recipient == personas.agent and note.title == f"{ticket.ref} is now yours"
    deliver_due()
    assert [m.to for m in mail.outbox] == [["li.heping@desk.example"]]


def test_taking_a_ticket_yourself_notifies_nobody(personas):
    ticket = make_ticket(customer=personas.customer)
    actions.assign_ticket(ticket=ticket, owner=personas.agent, actor=personas.agent)
    assert not Notification.objects.filter(kind="assigned").exists()


def test_customer_reply_notifies_the_owner_once_per_message(personas):
    ticket = make_ticket(customer=personas.customer, owner=personas.agent2)
    actions.record_customer_message(ticket=ticket, body="Still failing", channel="email")
    actions.record_customer_message(ticket=ticket, body="Any news?", channel="email")
    notes = Notification.objects.filter(kind="customer_replied", recipient=personas.agent2)
    assert notes.count() == 2
    assert {note.title for note in notes} == {f"{ticket.ref}: the customer replied"}


def test_a_rolled_back_change_notifies_nobody(personas):
    ticket = make_ticket(customer=personas.customer)
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.assign_ticket(ticket=ticket, owner=personas.agent, actor=personas.lead)
        raise RuntimeError("crash after the change")
    assert not Notification.objects.exists()


def test_a_new_ticket_routed_or_given_to_someone_notifies_them(personas):
    ticket = make_ticket(customer=personas.customer, owner=personas.agent, actor=personas.lead)
    assert Notification.objects.filter(kind="assigned", recipient=personas.agent, ticket_ref=ticket.ref).exists()
    mine = make_ticket("Logged my own call", customer=personas.customer, owner=personas.agent, actor=personas.agent)
    assert not Notification.objects.filter(ticket_ref=mine.ref).exists()
