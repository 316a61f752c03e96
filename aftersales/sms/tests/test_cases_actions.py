"""Vendor-case actions: opening, linking (the ticket waits on the vendor, its clock paused),
vendor responses, updates posted to every linked ticket, status changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from aftersales.audit.models import AuditEntry
from aftersales.notify.models import Notification
from aftersales.sms import cases
from aftersales.sms.models import VendorCase, VendorCaseNote
from aftersales.testing.factories import make_contact, make_ticket
from aftersales.tickets import actions as ticket_actions
from aftersales.tickets.models import MessageKind, Status

pytestmark = pytest.mark.django_db

# A Tuesday, 10:00 in Shanghai: inside business hours, so the SLA clocks run.
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def _case(personas, **kwargs) -> VendorCase:
    kwargs.setdefault("vendor", "vonage")
    kwargs.setdefault("case_number", "01234567")
    kwargs.setdefault("subject", "DLRs from Vietnam fail with err-code 11")
    return cases.open_case(actor=personas.agent, owner=personas.lead, **kwargs)


def _open_ticket(personas, subject: str = "Delivery to Vietnam failing", **kwargs):
    ticket = make_ticket(subject, customer=personas.customer, contact=personas.contact, **kwargs)
    ticket_actions.record_reply(ticket=ticket, body="We are looking into it.", actor=personas.agent)
    ticket.refresh_from_db()
    return ticket


def test_open_case_records_the_number_and_links_tickets(personas):
    with time_machine.travel(NOW, tick=False):
        ticket = _open_ticket(personas)
        case = _case(personas, case_number=" #01234567 ", tickets=[ticket])
    assert case.case_number == "01234567"
    assert case.status == VendorCase.Status.WAITING_VENDOR
    assert case.opened_at == NOW and case.owner == personas.lead
    assert list(case.tickets.all()) == [ticket]
    assert AuditEntry.objects.filter(action="sms.case.open", object_id=str(case.pk)).exists()


def test_the_same_case_number_twice_for_a_vendor_is_refused(personas):
    _case(personas)
    with pytest.raises(cases.CaseActionError) as refused:
        _case(personas, case_number="01234567", subject="Again")
    assert "already recorded" in str(refused.value.message_dict["case_number"])
    # Another vendor may use the same number.
    assert _case(personas, vendor="simulator").vendor == "simulator"
    assert VendorCase.objects.count() == 2


def test_a_case_needs_a_number_and_a_subject_and_cannot_open_in_the_future(personas):
    with pytest.raises(cases.CaseActionError) as refused:
        cases.open_case(
            vendor="vonage", case_number=" ", subject="", actor=personas.agent,
            opened_at=datetime(2099, 1, 1, tzinfo=UTC),
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"case_number", "subject", "opened_at"}


def test_a_viewer_cannot_open_a_case(personas):
    with pytest.raises(cases.CaseActionError):
        cases.open_case(vendor="vonage", case_number="1", subject="x", actor=personas.viewer)
    assert not VendorCase.objects.exists()


def test_linking_a_ticket_sets_it_waiting_on_the_vendor_and_pauses_its_clock(personas):
    with time_machine.travel(NOW, tick=False):
        ticket = _open_ticket(personas)
        assert ticket.status == Status.OPEN and ticket.paused_since is None
        assert ticket.resolution_due_at is not None
        case = _case(personas)
    later = NOW + timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        assert cases.link_ticket(case=case, ticket=ticket, actor=personas.agent) is True
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_VENDOR
    assert ticket.paused_since == later
    assert ticket.resolution_due_at is None  # paused: no deadline while the vendor works on it
    note = ticket.messages.filter(kind=MessageKind.NOTE).get()
    assert "Linked to vendor case Vonage case #01234567" in note.body
    assert f"/sms/cases/{case.pk}/" in note.body
    event = ticket.events.filter(kind="status").latest("pk")
    assert event.reason == cases.REASON_LINKED
    # Linking again changes nothing.
    assert cases.link_ticket(case=case, ticket=ticket, actor=personas.agent) is False
    assert ticket.messages.filter(kind=MessageKind.NOTE).count() == 1


def test_a_merged_or_closed_ticket_is_not_linked(personas):
    case = _case(personas)
    closed = _open_ticket(personas, "Old problem")
    ticket_actions.change_status(ticket=closed, status=Status.CLOSED, actor=personas.agent)
    closed.refresh_from_db()
    with pytest.raises(cases.CaseActionError, match="closed"):
        cases.link_ticket(case=case, ticket=closed, actor=personas.agent)
    assert not case.tickets.exists()


def test_unlinking_sends_the_ticket_back_to_open_and_resumes_its_clock(personas):
    with time_machine.travel(NOW, tick=False):
        ticket = _open_ticket(personas)
        case = _case(personas, tickets=[ticket])
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        assert cases.unlink_ticket(case=case, ticket=ticket, actor=personas.agent) is True
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.paused_since is None
    assert ticket.resolution_due_at is not None
    assert not case.tickets.exists()
    assert "Unlinked from vendor case" in ticket.messages.filter(kind=MessageKind.NOTE).latest("pk").body


def test_first_vendor_response_is_stamped_once(personas):
    with time_machine.travel(NOW, tick=False):
        case = _case(personas)
    first = NOW + timedelta(hours=20)
    with time_machine.travel(first, tick=False):
        cases.record_vendor_response(case=case, body="We are checking with the carrier.", actor=None)
    with time_machine.travel(NOW + timedelta(hours=30), tick=False):
        cases.record_vendor_response(case=case, body="Carrier fixed the route.", actor=personas.agent)
    case.refresh_from_db()
    assert case.first_vendor_response_at == first
    notes = list(case.notes.filter(kind=VendorCaseNote.Kind.FROM_VENDOR))
    assert [n.body for n in notes] == ["We are checking with the carrier.", "Carrier fixed the route."]
    # The owner hears about each answer.
    assert Notification.objects.filter(recipient=personas.lead, kind="vendor_case").count() == 2


def test_an_automatic_reply_is_kept_but_is_not_a_response(personas):
    case = _case(personas)
    cases.record_vendor_response(case=case, body="We received your request.", actor=None, automatic=True)
    case.refresh_from_db()
    assert case.first_vendor_response_at is None
    assert case.notes.get().body.startswith("[Automatic reply]")


def test_the_same_mail_is_recorded_once(personas):
    case = _case(personas)
    for _ in range(2):
        cases.record_vendor_response(case=case, body="Fixed.", actor=None, message_id="<v1@vonage.example>")
    assert case.notes.count() == 1


def test_an_update_is_posted_to_all_three_linked_tickets(personas):
    with time_machine.travel(NOW, tick=False):
        tickets = [_open_ticket(personas, f"Vietnam OTP failing {n}") for n in range(3)]
        case = _case(personas, tickets=tickets)
        note = cases.post_update(case=case, body="Vonage rerouted Viettel traffic.", actor=personas.agent)
    assert note.posted_to_tickets and not note.sent_to_customers
    for ticket in tickets:
        posted = ticket.messages.filter(kind=MessageKind.NOTE).latest("pk")
        assert "Update on vendor case Vonage case #01234567" in posted.body
        assert "Vonage rerouted Viettel traffic." in posted.body
        assert posted.author_user == personas.agent
    assert AuditEntry.objects.get(action="sms.case.update").after["tickets"] == sorted(t.ref for t in tickets)


def test_an_update_to_the_customers_is_a_reply_on_each_ticket(personas):
    other_contact = make_contact(personas.other_customer, "Omar Haddad")
    tickets = [
        _open_ticket(personas, "OTP to Vietnam"),
        make_ticket("Vietnam DLRs", customer=personas.other_customer, contact=other_contact),
    ]
    case = _case(personas, tickets=tickets)
    cases.post_update(case=case, body="The route is fixed; please try again.", actor=personas.agent, to_customers=True)
    for ticket in tickets:
        reply = ticket.messages.filter(kind=MessageKind.OUTBOUND).latest("pk")
        assert reply.body == "The route is fixed; please try again."
        assert reply.outbound_email is not None  # handed to the mail channel  # type: ignore[attr-defined]
        ticket.refresh_from_db()
        assert ticket.status == Status.WAITING_VENDOR  # still waiting: the case is open


def test_an_update_with_no_linked_ticket_is_refused(personas):
    case = _case(personas)
    with pytest.raises(cases.CaseActionError, match="No ticket is linked"):
        cases.post_update(case=case, body="News", actor=personas.agent)
    assert not case.notes.exists()


def test_resolving_stamps_the_time_and_can_reopen_the_waiting_tickets(personas):
    with time_machine.travel(NOW, tick=False):
        waiting, answered = _open_ticket(personas, "A"), _open_ticket(personas, "B")
        case = _case(personas, tickets=[waiting, answered])
        ticket_actions.change_status(ticket=answered, status=Status.WAITING_CUSTOMER, actor=personas.agent)
    done = NOW + timedelta(days=3)
    with time_machine.travel(done, tick=False):
        cases.change_case_status(case=case, status="resolved", actor=personas.agent, reopen_tickets=True)
    case.refresh_from_db()
    assert case.status == "resolved" and case.resolved_at == done
    waiting.refresh_from_db()
    answered.refresh_from_db()
    assert waiting.status == Status.OPEN and waiting.paused_since is None
    assert answered.status == Status.WAITING_CUSTOMER  # not waiting on the vendor: left alone
    assert case.notes.filter(kind="status").get().body == "Waiting on vendor → Resolved"
    # Reopening the case clears the resolution time.
    cases.change_case_status(case=case, status="open", actor=personas.agent)
    case.refresh_from_db()
    assert case.resolved_at is None


def test_resolving_without_reopening_leaves_the_tickets_waiting(personas):
    ticket = _open_ticket(personas)
    case = _case(personas, tickets=[ticket])
    cases.change_case_status(case=case, status="resolved", actor=personas.agent)
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_VENDOR


def test_a_ticket_waiting_on_two_cases_stays_waiting_until_both_are_done(personas):
    ticket = _open_ticket(personas)
    first = _case(personas, tickets=[ticket])
    _case(personas, case_number="07654321", tickets=[ticket])
    cases.change_case_status(case=first, status="resolved", actor=personas.agent, reopen_tickets=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_VENDOR


def test_notes_and_what_was_sent_to_the_vendor(personas):
    case = _case(personas)
    cases.add_note(case=case, body="Sent them 20 sample message IDs.", actor=personas.agent, kind="to_vendor")
    cases.add_note(case=case, body="Ask again on Friday.", actor=personas.agent)
    assert [n.kind for n in case.notes.all()] == ["to_vendor", "note"]
    with pytest.raises(cases.CaseActionError):
        cases.add_note(case=case, body="x", actor=personas.agent, kind="from_vendor")
