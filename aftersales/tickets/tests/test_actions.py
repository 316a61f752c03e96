from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aftersales.audit.models import AuditEntry
from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import EventKind, MessageKind, Status, Ticket

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def test_refs_are_zero_padded_and_never_reused(personas):
    first = make_ticket(customer=personas.customer)
    second = make_ticket(customer=personas.customer)
    assert first.ref == "AS-000001" and second.ref == "AS-000002"
    Ticket.objects.filter(pk=second.pk).delete()
    third = make_ticket(customer=personas.customer)
    assert third.ref == "AS-000003"


def test_ref_grows_past_six_digits(personas):
    from aftersales.core.models import Sequence

    Sequence.objects.create(name="ticket_ref", value=999_999)
    assert make_ticket().ref == "AS-1000000"


def test_open_ticket_stamps_times_and_writes_event_and_audit(personas):
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(customer=personas.customer, actor=personas.agent, tags=["VN", " otp "])
    assert ticket.created_at == T0 and ticket.last_customer_message_at == T0
    assert ticket.status == Status.NEW and not ticket.imported
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["otp", "vn"]
    assert list(ticket.events.values_list("kind", flat=True)) == [EventKind.CREATED]
    assert AuditEntry.objects.filter(action="ticket.open", object_id=str(ticket.pk)).exists()


def test_ticket_without_customer_is_allowed(personas):
    ticket = make_ticket(subject="Unknown caller asked for prices")
    assert ticket.needs_customer()


def test_first_reply_stamps_first_response_once(personas):
    ticket = make_ticket(customer=personas.customer)
    with time_machine.travel(T0, tick=False):
        actions.record_reply(ticket=ticket, body="We are checking.", actor=personas.agent)
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        actions.record_reply(ticket=ticket, body="Fixed.", actor=personas.agent)
    ticket.refresh_from_db()
    assert ticket.first_response_at == T0
    assert ticket.status == Status.OPEN


def test_resolve_then_customer_reply_reopens(personas):
    ticket = make_ticket(customer=personas.customer)
    actions.change_status(ticket=ticket, status=Status.RESOLVED, actor=personas.agent)
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None
    actions.record_customer_message(ticket=ticket, body="Still failing", channel="email", contact=personas.contact)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.resolved_at is None


def test_viewer_cannot_reply(personas):
    ticket = make_ticket(customer=personas.customer)
    with pytest.raises(actions.TicketActionError):
        actions.record_reply(ticket=ticket, body="hi", actor=personas.viewer)
    assert not ticket.messages.exists()


def test_assign_opens_new_ticket_and_records_handoff(personas):
    ticket = make_ticket(customer=personas.customer)
    actions.assign_ticket(ticket=ticket, owner=personas.agent, actor=personas.lead)
    actions.assign_ticket(ticket=ticket, owner=personas.agent2, actor=personas.lead)
    ticket.refresh_from_db()
    assert ticket.owner == personas.agent2 and ticket.status == Status.OPEN
    owners = [e.after["owner"]["name"] for e in ticket.events.filter(kind=EventKind.OWNER)]
    assert owners == ["Li Heping", "Yang Meng"]


def test_cannot_assign_to_viewer(personas):
    ticket = make_ticket(customer=personas.customer)
    with pytest.raises(actions.TicketActionError, match="cannot own tickets"):
        actions.assign_ticket(ticket=ticket, owner=personas.viewer, actor=personas.lead)


def test_merge_moves_messages_and_closes_source(personas):
    source = make_ticket("Duplicate", customer=personas.customer)
    target = make_ticket("Original", customer=personas.customer)
    actions.record_customer_message(ticket=source, body="more detail", channel="email")
    actions.merge_tickets(source=source, target=target, actor=personas.agent)
    source.refresh_from_db()
    assert source.status == Status.CLOSED and source.merged_into == target
    assert target.messages.filter(kind=MessageKind.INBOUND, body="more detail").exists()
    with pytest.raises(actions.TicketActionError):
        actions.merge_tickets(source=source, target=target, actor=personas.agent)


def test_update_writes_one_event_per_changed_field(personas):
    ticket = make_ticket(customer=personas.customer)
    changed = actions.update_ticket(ticket=ticket, actor=personas.agent, priority=1, subject=ticket.subject)
    assert [e.kind for e in changed] == [EventKind.PRIORITY]


def test_dangerous_attachment_refused_and_nothing_written(personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = make_ticket(customer=personas.customer)
    evil = SimpleUploadedFile("invoice.exe", b"MZ...")
    with pytest.raises(actions.TicketActionError, match="program file"):
        actions.record_reply(ticket=ticket, body="see file", actor=personas.agent, attachments=[evil])
    assert not ticket.messages.exists()


def test_time_in_status_is_added_up_in_business_seconds_and_reopenings_counted(personas):
    """The reports' "where the time goes": Monday 09:00 Beijing, one hour with us, one waiting on
    the customer, half an hour with us again, resolved, reopened a quarter of an hour later."""
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(customer=personas.customer, actor=personas.agent)
    steps = [(60, Status.WAITING_CUSTOMER), (120, Status.OPEN), (150, Status.RESOLVED), (165, Status.OPEN)]
    for minutes, status in steps:
        with time_machine.travel(T0 + dt.timedelta(minutes=minutes), tick=False):
            actions.change_status(ticket=ticket, status=status, actor=personas.agent)
    ticket.refresh_from_db()
    assert (ticket.seconds_with_us, ticket.seconds_waiting_customer, ticket.seconds_waiting_vendor) == (5400, 3600, 0)
    assert ticket.reopen_count == 1
    assert ticket.status_since == T0 + dt.timedelta(minutes=165)
