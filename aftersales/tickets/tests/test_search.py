"""Tickets in search: what an agent remembers about a ticket finds it, and the index follows
every change the actions make (inside their transactions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import transaction

from aftersales.core.search import query
from aftersales.customers import actions as customer_actions
from aftersales.testing.factories import make_contact, make_customer, make_ticket
from aftersales.tickets import actions
from aftersales.tickets import search as ticket_search
from aftersales.tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def found(user: Any, q: str, **filters: Any) -> list[str]:
    """The references the search finds for ``q`` (ranked tickets only, exact lookups left out)."""
    return [hit.ref for hit in query.search(q, kinds=["ticket"], user=user, **filters).items]


def test_a_two_character_chinese_word_from_a_later_message_finds_the_ticket(personas):
    ticket = make_ticket("验证码收不到", customer=personas.customer, contact=personas.contact)
    make_ticket("余额不足，请充值", customer=personas.customer)
    actions.record_customer_message(ticket=ticket, body="我们怀疑账号被盗刷了，请尽快处理。", channel="email")
    assert found(personas.agent, "盗刷") == [ticket.ref]
    assert found(personas.agent, "处理") == [ticket.ref]


def test_replies_and_internal_notes_are_searchable(personas):
    ticket = make_ticket("Delivery to Vietnam failing", customer=personas.customer)
    actions.record_reply(ticket=ticket, body="We rerouted traffic through Viettel.", actor=personas.agent)
    actions.add_note(ticket=ticket, body="Vendor case opened with Vonage about DLR code 1234.", actor=personas.agent)
    assert found(personas.agent, "viettel") == [ticket.ref]
    assert found(personas.agent, "vonage dlr") == [ticket.ref]
    assert found(personas.agent, "vonage paypal") == []


def test_the_contacts_phone_in_a_local_format_finds_the_ticket(personas):
    ticket = make_ticket("OTP delay", customer=personas.customer, contact=personas.contact)  # +8613800138000
    make_ticket("Another company's ticket", customer=personas.other_customer)
    for written in ("13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "8613800138000"):
        assert found(personas.agent, written) == [ticket.ref], written


def test_the_contacts_email_and_the_customer_name_find_the_ticket(personas):
    ticket = make_ticket("OTP delay", customer=personas.customer, contact=personas.contact)
    make_ticket("Another company's ticket", customer=personas.other_customer)
    assert found(personas.agent, "zhou.min@starriver.example") == [ticket.ref]
    assert found(personas.agent, "星河科技") == [ticket.ref]
    assert found(personas.agent, "starriver tech") == [ticket.ref]


def test_a_reference_is_an_exact_hit(personas):
    ticket = make_ticket("OTP delay", customer=personas.customer)
    number = ticket.number
    for written in (ticket.ref, ticket.ref.lower(), f"AS-{number}", f"as{number}", f"#{number}", str(number)):
        exact = query.search(written, user=personas.agent).exact
        assert [(hit.kind, hit.ref) for hit in exact] == [("ticket", ticket.ref)], written
    assert query.search("AS-999999", user=personas.agent).exact == []


def test_only_references_with_the_prefix_jump_to_the_ticket(personas):
    ticket = make_ticket("OTP delay", customer=personas.customer)
    assert ticket_search.jump(ticket.ref.lower(), personas.viewer) == f"/tickets/{ticket.ref}/"
    assert ticket_search.jump(str(ticket.number), personas.viewer) is None  # a bare number may be a word
    assert ticket_search.jump("AS-999999", personas.viewer) is None
    assert ticket_search.jump(ticket.ref, personas.outsider) is None


def test_status_filter_and_the_index_follows_status_changes(personas):
    closed = make_ticket("Sender ID for Indonesia rejected", customer=personas.customer)
    still_open = make_ticket("Sender ID for Malaysia", customer=personas.customer)
    actions.change_status(ticket=closed, status=Status.CLOSED, actor=personas.agent)
    assert found(personas.agent, "sender", status=["closed"]) == [closed.ref]
    assert found(personas.agent, "sender", status=["new", "open"]) == [still_open.ref]
    actions.change_status(ticket=closed, status=Status.OPEN, actor=personas.agent)
    assert found(personas.agent, "sender", status=["closed"]) == []


def test_a_customer_reply_reopening_a_ticket_updates_its_status(personas):
    ticket = make_ticket("Balance top-up", customer=personas.customer)
    actions.change_status(ticket=ticket, status=Status.RESOLVED, actor=personas.agent)
    actions.record_customer_message(ticket=ticket, body="还是不行", channel="email")
    assert found(personas.agent, "balance", status=["open"]) == [ticket.ref]


def test_assigning_a_new_ticket_opens_it_in_the_index(personas):
    ticket = make_ticket("Balance top-up", customer=personas.customer)
    assert found(personas.agent, "balance", status=["new"]) == [ticket.ref]
    actions.assign_ticket(ticket=ticket, owner=personas.agent, actor=personas.lead)
    assert found(personas.agent, "balance", status=["open"]) == [ticket.ref]


def test_a_new_subject_replaces_the_old_one(personas):
    ticket = make_ticket("Caller asked about prices", customer=personas.customer)
    actions.record_reply(ticket=ticket, body="Sent the price list.", actor=personas.agent)
    actions.update_ticket(ticket=ticket, actor=personas.agent, subject="Price list for Thailand")
    assert found(personas.agent, "thailand") == [ticket.ref]
    assert found(personas.agent, "caller") == []
    assert found(personas.agent, "price list") == [ticket.ref]  # the reply is still there
    hit = query.search("thailand", kinds=["ticket"], user=personas.agent).items[0]
    assert hit.title == "Price list for Thailand"


def test_setting_the_customer_moves_the_ticket_to_that_customer(personas):
    ticket = make_ticket("Unknown caller about OTP")
    assert found(personas.agent, "otp", customer_ids=[personas.customer.pk]) == []
    actions.set_customer(ticket=ticket, customer=personas.customer, contact=personas.contact, actor=personas.agent)
    assert found(personas.agent, "otp", customer_ids=[personas.customer.pk]) == [ticket.ref]
    assert found(personas.agent, "zhou min") == [ticket.ref]


def test_a_merge_gives_the_target_the_sources_text_and_closes_the_source(personas):
    source = make_ticket("客户反馈短信发送失败", description="错误码 500", customer=personas.customer)
    actions.record_customer_message(ticket=source, body="Vonage 余额 还有吗", channel="email")
    target = make_ticket("Delivery problem", customer=personas.customer)
    actions.merge_tickets(source=source, target=target, actor=personas.agent)
    assert found(personas.agent, "vonage 余额") == [target.ref]
    assert found(personas.agent, "短信", status=["closed"]) == [source.ref]  # its own subject, now closed
    assert sorted(found(personas.agent, "短信")) == sorted([source.ref, target.ref])  # the merge note names it


def test_a_changed_contact_phone_and_a_renamed_customer_rewrite_their_tickets(personas):
    ticket = make_ticket("OTP delay", customer=personas.customer, contact=personas.contact)
    customer_actions.save_contact(
        actor=personas.agent, customer=personas.customer, contact=personas.contact, phone="+86 139 1111 2222"
    )
    assert found(personas.agent, "139-1111-2222") == [ticket.ref]
    assert found(personas.agent, "13800138000") == []
    customer_actions.save_customer(actor=personas.agent, customer=personas.customer, name="Galaxy Cloud 银河云")
    assert found(personas.agent, "银河云") == [ticket.ref]
    assert found(personas.agent, "星河科技") == []


def test_a_rolled_back_action_leaves_nothing_in_the_index(personas):
    ticket = make_ticket("Sender ID for Indonesia", customer=personas.customer)
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.add_note(ticket=ticket, body="Escalated to Telkomsel", actor=personas.agent)
        raise RuntimeError("the request failed after the note")
    assert found(personas.agent, "telkomsel") == []


def test_date_range_filters_on_when_the_ticket_was_opened(personas):
    with time_machine.travel(T0, tick=False):
        march = make_ticket("Template rejected", customer=personas.customer)
    with time_machine.travel(T0 + dt.timedelta(days=40), tick=False):
        april = make_ticket("Template rejected again", customer=personas.customer)
    assert found(personas.agent, "template", date_to=dt.date(2026, 3, 31)) == [march.ref]
    assert found(personas.agent, "template", date_from=dt.date(2026, 4, 1)) == [april.ref]


def test_reindex_yields_every_ticket_with_its_messages_in_batches(personas, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(ticket_search, "BATCH", 2)
    contact = make_contact(make_customer("kaito", "Kaito Pay"), "Wu Lei", phone="+8613912345678")
    tickets = [make_ticket(f"Ticket {n}", customer=contact.customer, contact=contact) for n in range(3)]
    actions.record_reply(ticket=tickets[0], body="first reply", actor=personas.agent)
    actions.add_note(ticket=tickets[2], body="a note", actor=personas.agent)
    with django_assert_num_queries(5):  # per batch of 2: tickets, messages; then one empty batch
        docs = list(ticket_search.reindex())
    assert [doc["ref"] for doc in docs] == [ticket.ref for ticket in tickets]
    first = docs[0]
    assert first["kind"] == "ticket" and first["object_id"] == tickets[0].pk and first["title"] == "Ticket 0"
    assert "first reply" in first["text"] and "Wu Lei" in first["text"] and "139 1234 5678" in first["text"]
    assert "Kaito Pay" in first["text"] and first["customer_id"] == contact.customer_id
    assert first["status"] == "open" and first["language"] == "zh-hans"
    assert "a note" in docs[2]["text"]
    assert Ticket.objects.count() == len(docs)


def test_texts_for_snippets_are_one_query(personas, django_assert_num_queries):
    first = make_ticket("Balance low", description="Top up before Friday", customer=personas.customer)
    second = make_ticket("OTP delay", customer=personas.customer)
    actions.record_reply(ticket=first, body="Invoice sent", actor=personas.agent)
    with django_assert_num_queries(1):
        texts = ticket_search.texts([first.pk, second.pk])
    assert texts[first.pk].split("\n") == ["Balance low", "Top up before Friday", "Invoice sent"]
    assert texts[second.pk].startswith("OTP delay")
