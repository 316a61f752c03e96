"""receive(): raw bytes stored first, then threading, sender matching, noise and failures."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from aftersales.customers.models import Contact
from aftersales.mail.inbound import receive
from aftersales.mail.models import InboundEmail, InboundState, Mailbox
from aftersales.people.models import Team
from aftersales.testing.factories import make_contact, make_customer, make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Message, MessageKind, Status, Ticket, TicketLink

CORPUS = Path(__file__).parent / "corpus"
pytestmark = pytest.mark.django_db


def mail(
    *,
    sender: str = "Zhou Min <zhou.min@starriver.example>",
    subject: str = "Balance query returns 0",
    body: str = "Our balance query has returned 0 since 09:00.",
    message_id: str = "<m1@starriver.example>",
    headers: str = "",
    charset: str = "utf-8",
) -> bytes:
    """A small hand-written message (8bit body in ``charset``)."""
    head = (
        f"From: {sender}\r\nTo: support@desk.example.test\r\nSubject: {subject}\r\n"
        f"Date: Tue, 24 Nov 2026 09:12:03 +0800\r\nMessage-ID: {message_id}\r\n{headers}"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return head.encode("utf-8") + body.encode(charset) + b"\r\n"


def test_new_mail_from_a_contact_opens_a_ticket_and_keeps_the_raw_bytes(personas: Any) -> None:
    raw = mail()
    inbound = receive(raw, source="smtp")
    assert inbound.state == InboundState.PROCESSED
    assert bytes(InboundEmail.objects.get(pk=inbound.pk).raw) == raw
    assert inbound.sha256 == hashlib.sha256(raw).hexdigest() and inbound.size == len(raw)
    ticket = inbound.ticket
    assert ticket is not None and not inbound.threaded
    assert ticket.subject == "Balance query returns 0"
    assert ticket.customer == personas.customer and ticket.contact == personas.contact
    assert ticket.channel == "email"
    message = ticket.messages.get()
    assert message == inbound.ticket_message
    assert message.kind == MessageKind.INBOUND and message.author_contact == personas.contact
    assert message.body == "Our balance query has returned 0 since 09:00."
    assert message.external_id == "<m1@starriver.example>"
    assert inbound.subject == "Balance query returns 0" and inbound.sender == "zhou.min@starriver.example"


def test_gbk_foxmail_reply_threads_onto_our_reply_with_clean_chinese(personas: Any) -> None:
    ticket = make_ticket("深圳号码发送失败", customer=personas.customer, contact=personas.contact)
    reply = actions.record_reply(ticket=ticket, body="请提供失败号码。", actor=personas.agent)
    Message.objects.filter(pk=reply.pk).update(external_id=f"<{ticket.ref}.{reply.pk}.q9w8@desk.example.test>")
    raw = (CORPUS / "18_reply_foxmail.eml").read_bytes()
    raw = raw.replace(b"wang.jl@example-trade.cn", b"zhou.min@starriver.example")
    raw = raw.replace(
        b"<AS-000124.55.q9w8@desk.example.test>", f"<{ticket.ref}.{reply.pk}.q9w8@desk.example.test>".encode()
    )
    inbound = receive(raw, source="smtp")
    assert inbound.state == InboundState.PROCESSED, inbound.reason
    assert inbound.ticket == ticket and inbound.threaded
    latest = ticket.messages.order_by("-pk").first()
    assert latest is not None and latest.kind == MessageKind.INBOUND
    assert latest.body.startswith("收到，谢谢。但是深圳的号码仍然失败。")
    assert "请提供失败号码" not in latest.body  # the quote is stripped from the shown body
    assert latest.author_contact == personas.contact


def test_references_thread_when_in_reply_to_is_unknown(personas: Any) -> None:
    first = receive(mail(message_id="<first@starriver.example>"), source="smtp")
    raw = mail(
        subject="Re: something else",
        message_id="<second@starriver.example>",
        headers="In-Reply-To: <unknown@elsewhere.example>\r\n"
        "References: <first@starriver.example> <unknown@elsewhere.example>\r\n",
        body="More detail.",
    )
    second = receive(raw, source="imap")
    assert second.ticket == first.ticket and second.threaded
    assert Ticket.objects.count() == 1


def test_our_message_id_format_threads_even_without_a_stored_id(personas: Any) -> None:
    ticket = make_ticket(customer=personas.customer, contact=personas.contact)
    raw = mail(
        subject="Re: whatever", message_id="<r2@starriver.example>",
        headers=f"In-Reply-To: <{ticket.ref}.77.zz99@desk.example.test>\r\n",
    )  # fmt: skip
    assert receive(raw, source="smtp").ticket == ticket
    forged = mail(
        sender="x@bluewave.example", subject="Re: whatever", message_id="<r3@bluewave.example>",
        headers=f"In-Reply-To: <{ticket.ref}.1.guess@evil.example>\r\n",
    )  # fmt: skip
    stranger = receive(forged, source="smtp")
    assert stranger.ticket != ticket and not stranger.threaded  # a guessed ref threads nobody else's mail


def test_subject_token_threads_for_the_customers_people_only(personas: Any) -> None:
    ticket = make_ticket(customer=personas.customer, contact=personas.contact)
    own = receive(mail(subject=f"Re: [{ticket.ref}] balance", message_id="<t1@starriver.example>"), source="smtp")
    assert own.ticket == ticket and own.threaded
    colleague = make_contact(personas.customer, "Liu Yang", email="liu.yang@starriver.example")
    same_customer = receive(
        mail(
            sender=f"Liu Yang <{colleague.email}>", subject=f"[{ticket.ref}] too", message_id="<t2@starriver.example>"
        ),
        source="smtp",
    )
    assert same_customer.ticket == ticket
    stranger = receive(
        mail(sender="x@bluewave.example", subject=f"Re: [{ticket.ref}] balance", message_id="<t3@bluewave.example>"),
        source="smtp",
    )
    assert stranger.state == InboundState.PROCESSED
    assert stranger.ticket is not None and stranger.ticket != ticket and not stranger.threaded


def test_unknown_sender_on_a_customer_domain_becomes_a_contact(personas: Any) -> None:
    personas.customer.mail_domains = ["starriver.example"]
    personas.customer.save()
    inbound = receive(mail(sender="=?utf-8?B?5p2O5Y2O?= <li.hua@mail.starriver.example>"), source="smtp")
    contact = Contact.objects.get(email="li.hua@mail.starriver.example")
    assert contact.customer == personas.customer and contact.name == "李华"
    assert contact.language == "en"  # wrote in English: replies go out in English
    receive(mail(sender="wu.fang@starriver.example", body="余额查询一直返回 0。", message_id="<zh@x>"), source="smtp")
    assert Contact.objects.get(email="wu.fang@starriver.example").language == "zh-hans"
    assert inbound.ticket is not None and inbound.ticket.customer == personas.customer
    assert inbound.ticket.contact == contact


def test_unknown_sender_lands_without_a_customer(personas: Any) -> None:
    make_customer("qqfans", "QQ Fans", mail_domains=["qq.com"])  # a free-mail domain never matches
    inbound = receive(mail(sender="someone@qq.com", message_id="<u1@qq.com>"), source="smtp")
    assert inbound.state == InboundState.PROCESSED
    assert inbound.ticket is not None and inbound.ticket.customer is None and inbound.ticket.contact is None
    assert not Contact.objects.filter(email="someone@qq.com").exists()


def test_mailbox_customer_and_team(personas: Any) -> None:
    team = Team.objects.create(name="Mail desk")
    box = Mailbox.objects.create(
        name="bluewave", imap_host="127.0.0.1", username="u", customer=personas.other_customer, team=team
    )
    inbound = receive(mail(sender="new.person@example-isp.test", message_id="<mb1@x>"), source="imap", mailbox=box)
    ticket = inbound.ticket
    assert ticket is not None and ticket.customer == personas.other_customer and ticket.team == team
    assert ticket.contact is not None and ticket.contact.email == "new.person@example-isp.test"
    assert inbound.mailbox == box


@pytest.mark.parametrize(
    "name", ["25_autoreply_auto_submitted.eml", "26_autoreply_qq.eml", "27_autoreply_exchange.eml"]
)
def test_auto_replies_are_recorded_but_never_reopen_or_open_tickets(personas: Any, name: str) -> None:
    ticket = make_ticket(customer=personas.customer, contact=personas.contact)
    actions.record_reply(ticket=ticket, body="We are on it.", actor=personas.agent, status=Status.WAITING_CUSTOMER)
    raw = (
        (CORPUS / name)
        .read_bytes()
        .replace(b"AS-000123", ticket.ref.encode())
        .replace(b"AS-000130", ticket.ref.encode())
    )
    before = ticket.messages.count()
    inbound = receive(raw, source="smtp")
    assert inbound.state == InboundState.IGNORED and inbound.reason == "auto-reply"
    assert inbound.ticket_message is None
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CUSTOMER and ticket.messages.count() == before
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    "name,reason",
    [
        ("28_bounce_dsn.eml", "bounce"),
        ("29_bounce_zh.eml", "bounce"),
        ("30_mailing_list.eml", "mailing list or bulk mail"),
    ],
)
def test_bounces_and_lists_open_nothing(personas: Any, name: str, reason: str) -> None:
    inbound = receive((CORPUS / name).read_bytes(), source="imap")
    assert inbound.state == InboundState.IGNORED and inbound.reason == reason
    assert Ticket.objects.count() == 0


def test_per_sender_rate_limit(personas: Any, settings: Any) -> None:
    settings.MAIL_RATE_LIMIT_PER_HOUR = 3
    states = [receive(mail(message_id=f"<rl{i}@starriver.example>"), source="smtp").state for i in range(5)]
    assert states == ["processed"] * 3 + ["ignored"] * 2
    assert InboundEmail.objects.filter(reason__startswith="rate limit").count() == 2


def test_reply_reopens_a_resolved_ticket_and_restarts_the_customer_clock(personas: Any) -> None:
    first = receive(mail(message_id="<ro1@starriver.example>"), source="smtp")
    ticket = first.ticket
    assert ticket is not None
    actions.record_reply(ticket=ticket, body="Fixed.", actor=personas.agent)
    actions.change_status(ticket=ticket, status=Status.RESOLVED, actor=personas.agent)
    receive(
        mail(message_id="<ro2@starriver.example>", headers="In-Reply-To: <ro1@starriver.example>\r\n"), source="smtp"
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.messages.filter(kind=MessageKind.INBOUND).count() == 2


def test_mailbox_that_does_not_reopen_opens_a_linked_ticket(personas: Any) -> None:
    box = Mailbox.objects.create(name="noreopen", imap_host="h", username="u", reopen_resolved=False)
    first = receive(mail(message_id="<nr1@starriver.example>"), source="imap", mailbox=box)
    assert first.ticket is not None
    actions.change_status(ticket=first.ticket, status=Status.RESOLVED, actor=personas.agent)
    second = receive(mail(message_id="<nr2@starriver.example>", headers="In-Reply-To: <nr1@starriver.example>\r\n"),
                     source="imap", mailbox=box)  # fmt: skip
    assert second.ticket is not None and second.ticket != first.ticket
    assert first.ticket.ref in second.reason
    assert TicketLink.objects.filter(from_ticket=second.ticket, to_ticket=first.ticket).exists()
    first.ticket.refresh_from_db()
    assert first.ticket.status == Status.RESOLVED


def test_reply_to_a_closed_ticket_opens_a_new_one(personas: Any) -> None:
    first = receive(mail(message_id="<c1@starriver.example>"), source="smtp")
    assert first.ticket is not None
    actions.change_status(ticket=first.ticket, status=Status.CLOSED, actor=personas.agent)
    second = receive(mail(message_id="<c2@starriver.example>", headers="References: <c1@starriver.example>\r\n"),
                     source="smtp")  # fmt: skip
    assert second.ticket is not None and second.ticket != first.ticket and not second.threaded


def test_merged_ticket_threads_to_its_target(personas: Any) -> None:
    source = make_ticket("dup", customer=personas.customer, contact=personas.contact)
    target = make_ticket("main", customer=personas.customer, contact=personas.contact)
    actions.merge_tickets(source=source, target=target, actor=personas.agent)
    inbound = receive(mail(subject=f"Re: [{source.ref}] dup", message_id="<mg@starriver.example>"), source="smtp")
    assert inbound.ticket == target


def test_unparseable_mail_is_kept_as_failed() -> None:
    raw = b"\x00\x01 this is not an email at all"
    inbound = receive(raw, source="upload")
    assert inbound.state == InboundState.FAILED and inbound.reason.startswith("cannot parse")
    assert bytes(InboundEmail.objects.get(pk=inbound.pk).raw) == raw
    assert Ticket.objects.count() == 0


def test_a_failure_while_processing_rolls_back_but_keeps_the_mail(personas: Any, monkeypatch: Any) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "record_customer_message", broken)
    inbound = receive(mail(), source="smtp")
    assert inbound.state == InboundState.FAILED and "disk full" in inbound.reason
    assert Ticket.objects.count() == 0  # the half-opened ticket rolled back
    assert InboundEmail.objects.filter(pk=inbound.pk, subject="Balance query returns 0").exists()


def test_duplicates_and_our_own_address_are_ignored(personas: Any) -> None:
    first = receive(mail(message_id="<dup@starriver.example>"), source="imap")
    again = receive(mail(message_id="<dup@starriver.example>"), source="smtp")
    assert again.state == InboundState.IGNORED and again.reason.startswith("duplicate")
    assert again.ticket == first.ticket
    Mailbox.objects.create(name="desk", address="support@desk.example.test", imap_host="h", username="u")
    loop = receive(mail(sender="support@desk.example.test", message_id="<loop@desk>"), source="smtp")
    assert loop.state == InboundState.IGNORED and "loop" in loop.reason
    assert Ticket.objects.count() == 1


def test_attachments_are_stored_and_dangerous_ones_noted(personas: Any) -> None:
    nested = receive((CORPUS / "11_nested_multipart.eml").read_bytes(), source="smtp")
    assert nested.ticket_message is not None
    assert sorted(a.filename for a in nested.ticket_message.attachments.all()) == ["chart.png", "report-2026-11.pdf"]
    danger = receive((CORPUS / "41_dangerous_attachment.eml").read_bytes(), source="smtp")
    assert danger.ticket_message is not None
    assert [a.filename for a in danger.ticket_message.attachments.all()] == ["screen.png"]
    assert "reproduce.exe" in danger.ticket_message.body


def test_the_whole_corpus_goes_through_without_failures(personas: Any) -> None:
    results = [receive(p.read_bytes(), source="upload") for p in sorted(CORPUS.glob("*.eml"))]
    failed = [(r.subject, r.reason) for r in results if r.state == InboundState.FAILED]
    assert failed == []
    ignored = sorted(r.reason for r in results if r.state == InboundState.IGNORED)
    assert ignored == ["auto-reply"] * 3 + ["bounce"] * 2 + ["mailing list or bulk mail"] * 2
