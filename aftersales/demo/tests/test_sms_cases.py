"""The demo's vendor cases: a Vietnam route case pausing three tickets, and figures to look at."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.core import clock
from aftersales.demo import sms_cases
from aftersales.demo.loader import moving_clock
from aftersales.sms import case_queries
from aftersales.sms.models import VendorCase, VendorSupportAddress
from aftersales.testing.factories import make_ticket
from aftersales.tickets.models import MessageKind, Status

pytestmark = pytest.mark.django_db


def test_the_demo_case_pauses_three_tickets_and_posts_to_all(personas):
    now = clock.now().replace(microsecond=0)
    with moving_clock(now - dt.timedelta(days=3)) as fake:
        tickets = []
        for n in range(4):
            fake.at = now - dt.timedelta(days=3, hours=-n)
            tickets.append(make_ticket(f"Vietnam OTP {n}", customer=personas.customer, contact=personas.contact))
    users = {"demo-lead": personas.lead, "demo-agent": personas.agent}
    case = sms_cases.load(now=now, users=users, customers={"starriver": personas.customer})
    assert clock.now() >= now  # the real clock is back
    assert case is not None and case.case_number == sms_cases.OPEN_CASE_NUMBER
    assert VendorSupportAddress.objects.get().email == "support@vonage.example"
    linked = list(case.tickets.order_by("pk"))
    assert len(linked) == 3
    for ticket in linked:
        assert ticket.status == Status.WAITING_VENDOR and ticket.paused_since is not None
        assert ticket.messages.filter(kind=MessageKind.NOTE, body__contains="Update on vendor case").exists()
    case.refresh_from_db()
    assert case.first_vendor_response_at is not None and case.first_vendor_response_at <= now
    assert VendorCase.objects.filter(status="resolved").count() == 3
    (vonage,) = case_queries.response_figures(months=6)
    assert vonage.total.opened == 4 and vonage.total.median_resolution is not None
