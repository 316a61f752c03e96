"""Claimed mail (core.intake): a vendor's answer about a vendor case lands on the case, not on a
new customer ticket; everything else takes the normal path. The claimer is sms's, registered in
``SmsConfig.ready()``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from aftersales.core import intake
from aftersales.mail.inbound import receive
from aftersales.mail.models import InboundState
from aftersales.mail.tests.test_inbound import mail
from aftersales.sms import cases
from aftersales.sms.models import VendorCase, VendorSupportAddress
from aftersales.tickets.models import Ticket

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
SUPPORT = "support@vonage.example"


@pytest.fixture
def case(personas: Any) -> VendorCase:
    VendorSupportAddress.objects.create(vendor="vonage", email="Support@Vonage.example")
    with time_machine.travel(NOW - timedelta(hours=20), tick=False):
        return cases.open_case(
            vendor="vonage", case_number="01234567", subject="Vietnam route", owner=personas.lead, actor=personas.agent
        )


def vendor_mail(subject: str, *, sender: str = f"Vonage Support <{SUPPORT}>", **kwargs: Any) -> bytes:
    kwargs.setdefault("body", "Hello,\n\nThe carrier has fixed the route to Viettel.\n\nRegards,\nVonage Support")
    kwargs.setdefault("message_id", "<case-01234567-1@vonage.example>")
    return mail(sender=sender, subject=subject, **kwargs)


def test_mail_from_the_vendor_naming_the_case_lands_on_the_case(case: VendorCase) -> None:
    with time_machine.travel(NOW, tick=False):
        inbound = receive(vendor_mail("Re: [Case 01234567] Vietnam route"), source="imap")
    assert inbound.state == InboundState.PROCESSED
    assert inbound.ticket is None and not Ticket.objects.exists()
    assert inbound.reason == "vendor response on vonage case #01234567"
    note = case.notes.get()
    assert note.kind == "from_vendor" and note.author is None
    assert "The carrier has fixed the route to Viettel." in note.body
    assert note.message_id == "<case-01234567-1@vonage.example>" and note.inbound_id == inbound.pk
    case.refresh_from_db()
    assert case.first_vendor_response_at == NOW


@pytest.mark.parametrize(
    "subject", ["Case #01234567: update", "RE: Case 01234567 - Vietnam", "[Vonage] 01234567 closed", "01234567"]
)
def test_the_case_number_may_stand_anywhere_as_a_word(case: VendorCase, subject: str) -> None:
    assert receive(vendor_mail(subject), source="imap").ticket is None
    assert case.notes.count() == 1


def test_a_number_inside_a_longer_word_is_not_the_case(case: VendorCase) -> None:
    inbound = receive(vendor_mail("Invoice 9901234567 for November"), source="imap")
    assert inbound.ticket is not None  # a new ticket, as before
    assert not case.notes.exists()


def test_mail_from_elsewhere_naming_the_case_opens_a_ticket_as_before(case: VendorCase, personas: Any) -> None:
    inbound = receive(vendor_mail("Case 01234567", sender="Zhou Min <zhou.min@starriver.example>"), source="imap")
    assert inbound.state == InboundState.PROCESSED
    assert inbound.ticket is not None and inbound.ticket.customer == personas.customer
    assert not case.notes.exists()


def test_mail_from_the_vendor_about_an_unknown_case_opens_a_ticket(case: VendorCase) -> None:
    inbound = receive(vendor_mail("Case 07777777: maintenance notice"), source="imap")
    assert inbound.ticket is not None
    assert not case.notes.exists()


def test_another_vendors_case_number_is_not_claimed(case: VendorCase, personas: Any) -> None:
    VendorSupportAddress.objects.create(vendor="simulator", email="help@simulator.example")
    inbound = receive(vendor_mail("Case 01234567", sender="help@simulator.example"), source="imap")
    assert inbound.ticket is not None
    assert not case.notes.exists()


def test_the_vendors_auto_acknowledgement_is_kept_without_stamping_a_response(case: VendorCase) -> None:
    raw = vendor_mail("Case 01234567 received", headers="Auto-Submitted: auto-replied\r\n")
    inbound = receive(raw, source="imap")
    assert inbound.state == InboundState.PROCESSED and inbound.ticket is None
    case.refresh_from_db()
    assert case.first_vendor_response_at is None
    assert case.notes.get().body.startswith("[Automatic reply]")


def test_the_same_vendor_mail_twice_is_recorded_once(case: VendorCase) -> None:
    receive(vendor_mail("Case 01234567"), source="imap")
    again = receive(vendor_mail("Case 01234567"), source="imap")
    assert again.state == InboundState.IGNORED and "duplicate" in again.reason
    assert case.notes.count() == 1


def test_a_claimer_that_fails_leaves_the_mail_failed_and_nothing_written(personas: Any) -> None:
    def broken(message: intake.InboundMail) -> str | None:
        VendorSupportAddress.objects.create(vendor="vonage", email="half-written@vonage.example")
        raise RuntimeError("claimer bug")

    intake.register_mail_claimer(broken)
    try:
        inbound = receive(mail(), source="smtp")
    finally:
        intake.unregister_mail_claimer(broken)
    assert inbound.state == InboundState.FAILED and "claimer bug" in inbound.reason
    assert not VendorSupportAddress.objects.exists() and not Ticket.objects.exists()
