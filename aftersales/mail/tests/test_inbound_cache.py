"""The inbound path's per-process caches (desk addresses, customers' mail domains, and through
tickets the routing rules and SLA policies): the next message sees every edit, and a warm
cache costs one stamp query per message instead of reading those tables again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.customers.models import Customer
from aftersales.mail.inbound import receive
from aftersales.mail.models import InboundState, Mailbox
from aftersales.routing.models import RoutingRule
from aftersales.sla.models import Calendar, Policy
from aftersales.testing.factories import make_customer

pytestmark = pytest.mark.django_db

CACHED = ('FROM "mail_mailbox"', 'AS "mail_domains"', 'FROM "routing_routingrule"',
          'FROM "routing_routingsettings"', 'FROM "sla_policy"', 'FROM "sla_calendar"')  # fmt: skip


def mail(*, sender: str, message_id: str, subject: str = "Balance query returns 0") -> bytes:
    return (
        f"From: {sender}\r\nTo: support@desk.example.test\r\nSubject: {subject}\r\n"
        f"Date: Tue, 24 Nov 2026 09:12:03 +0800\r\nMessage-ID: {message_id}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOur balance query returns 0.\r\n"
    ).encode()


def test_a_warm_cache_reads_none_of_the_cached_tables(personas: Any) -> None:
    Mailbox.objects.create(name="desk", address="support@desk.example.test", imap_host="h", username="u")
    make_customer("bank", "Example Bank", mail_domains=["example-bank.test"])
    receive(mail(sender="a@example-bank.test", message_id="<w1@x>"), source="smtp")
    with CaptureQueriesContext(connection) as ctx:
        inbound = receive(mail(sender="b@example-bank.test", message_id="<w2@x>"), source="smtp")
    assert inbound.state == InboundState.PROCESSED and inbound.ticket is not None
    assert inbound.ticket.customer is not None and inbound.ticket.customer.code == "bank"
    sql = [q["sql"] for q in ctx.captured_queries]
    assert [s for s in sql if any(table in s for table in CACHED)] == []
    assert sum("core_sequence" in s and "LIKE" in s for s in sql) == 1  # the stamps, once


def test_a_new_desk_address_is_a_loop_for_the_next_message(personas: Any) -> None:
    first = receive(mail(sender="desk2@desk.example.test", message_id="<l1@x>"), source="smtp")
    assert first.state == InboundState.PROCESSED
    box = Mailbox.objects.create(name="desk2", address="desk2@desk.example.test", imap_host="h", username="u")
    loop = receive(mail(sender="desk2@desk.example.test", message_id="<l2@x>"), source="smtp")
    assert loop.state == InboundState.IGNORED and "loop" in loop.reason
    box.address = "other@desk.example.test"
    box.save()
    again = receive(mail(sender="desk2@desk.example.test", message_id="<l3@x>"), source="smtp")
    assert again.state == InboundState.PROCESSED
    Mailbox.objects.filter(pk=box.pk).update(address="desk2@desk.example.test")
    assert receive(mail(sender="desk2@desk.example.test", message_id="<l4@x>"), source="smtp").state == "ignored"
    box.delete()
    assert receive(mail(sender="desk2@desk.example.test", message_id="<l5@x>"), source="smtp").state == "processed"


def test_the_pollers_bookkeeping_does_not_empty_the_cache(personas: Any) -> None:
    box = Mailbox.objects.create(name="desk", address="support@desk.example.test", imap_host="h", username="u")
    receive(mail(sender="a@example-isp.test", message_id="<p1@x>"), source="imap", mailbox=box)
    Mailbox.objects.filter(pk=box.pk).update(last_uid=42)
    box.last_polled_at = None
    box.save(update_fields=["last_polled_at"])
    with CaptureQueriesContext(connection) as ctx:
        receive(mail(sender="b@example-isp.test", message_id="<p2@x>"), source="imap", mailbox=box)
    assert not any("mail_mailbox" in q["sql"] and "address" in q["sql"] for q in ctx.captured_queries)


def test_an_edited_mail_domain_matches_the_next_message(personas: Any) -> None:
    customer = make_customer("bank", "Example Bank")
    before = receive(mail(sender="a@example-bank.test", message_id="<d1@x>"), source="smtp")
    assert before.ticket is not None and before.ticket.customer is None
    customer.mail_domains = ["example-bank.test"]
    customer.save()
    after = receive(mail(sender="b@example-bank.test", message_id="<d2@x>"), source="smtp")
    assert after.ticket is not None and after.ticket.customer == customer
    Customer.objects.get(pk=customer.pk).save()  # any other edit keeps the match
    kept = receive(mail(sender="b2@example-bank.test", message_id="<d2b@x>"), source="smtp")
    assert kept.ticket is not None and kept.ticket.customer == customer
    customer.mail_domains = []
    customer.save(update_fields=["mail_domains"])
    gone = receive(mail(sender="c@example-bank.test", message_id="<d3@x>"), source="smtp")
    assert gone.ticket is not None and gone.ticket.customer is None


def test_routing_and_sla_edits_apply_to_the_next_mail(personas: Any) -> None:
    first = receive(mail(sender="a@example-isp.test", message_id="<r1@x>"), source="smtp")
    assert first.ticket is not None and first.ticket.sla_policy is not None
    assert first.ticket.owner is None and first.ticket.sla_policy.name == "Default"
    RoutingRule.objects.create(name="Mail", channels=["email"], owner=personas.agent2)
    Policy.objects.create(name="Mail SLA", order=0, channels=["email"], calendar=Calendar.get_default())
    second = receive(mail(sender="b@example-isp.test", message_id="<r2@x>"), source="smtp")
    assert second.ticket is not None and second.ticket.sla_policy is not None
    assert second.ticket.owner == personas.agent2 and second.ticket.sla_policy.name == "Mail SLA"


def test_a_contact_stored_in_another_case_is_still_matched(personas: Any) -> None:
    contact = personas.contact
    contact.email = "Zhou.Min@StarRiver.example"
    contact.save()
    inbound = receive(mail(sender="zhou.min@starriver.example", message_id="<c1@x>"), source="smtp")
    assert inbound.ticket is not None and inbound.ticket.contact == contact
    assert inbound.ticket.customer == personas.customer


def test_a_customers_own_calendar_is_used_and_its_edits_apply(personas: Any) -> None:
    round_the_clock = {str(day): [["00:00", "24:00"]] for day in range(7)}
    calendar = Calendar.objects.create(name="24x7", timezone="UTC", week=round_the_clock, country="")
    make_customer("bank", "Example Bank", mail_domains=["example-bank.test"], calendar=calendar)
    first = receive(mail(sender="a@example-bank.test", message_id="<k1@x>"), source="smtp")
    ticket = first.ticket
    assert ticket is not None and ticket.first_response_due_at is not None
    assert ticket.first_response_due_at - ticket.created_at == dt.timedelta(hours=4)  # Default: 4 h, round the clock
    calendar.week = {"0": [["09:00", "10:00"]]}  # one hour a week: 4 hours take weeks
    calendar.save()
    second = receive(mail(sender="b@example-bank.test", message_id="<k2@x>"), source="smtp")
    assert second.ticket is not None and second.ticket.first_response_due_at is not None
    assert second.ticket.first_response_due_at - second.ticket.created_at > dt.timedelta(days=7)
