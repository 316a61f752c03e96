"""Agent replies leave by email: outbox row with the reply, headers that thread, retries, state shown."""

from __future__ import annotations

import datetime as dt
import email
import email.message
import re
import smtplib
from email import policy

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftersales.core import clock
from aftersales.mail import outbound
from aftersales.mail.models import InboundEmail, Mailbox
from aftersales.mail.models_outbound import OutboundEmail, OutboundState
from aftersales.testing.factories import make_contact, make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Channel, Message

pytestmark = pytest.mark.django_db

CUSTOMER_MID = "<20260301.abc123@mail.starriver.example>"


@pytest.fixture(autouse=True)
def desk_settings(settings):
    settings.DESK_EMAIL = "support@desk.example"
    settings.MAIL_DOMAIN = "desk.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def content(message: email.message.EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None, f"no {kind} part"
    return str(part.get_content())


def email_ticket(personas, subject="无法登录 Cannot sign in", **kwargs):
    ticket = make_ticket(subject, customer=personas.customer, contact=personas.contact, **kwargs)
    actions.record_customer_message(
        ticket=ticket,
        body="登录时提示密码错误。",
        channel=Channel.EMAIL,
        contact=personas.contact,
        external_id=CUSTOMER_MID,
    )
    return ticket


def test_reply_is_sent_with_threading_headers_text_and_html(personas, django_capture_on_commit_callbacks):
    personas.contact.email = "zhou.min@starriver.example"
    personas.contact.save()
    ticket = email_ticket(personas)
    with django_capture_on_commit_callbacks(execute=True):
        reply = actions.record_reply(ticket=ticket, body="请重置密码后再试。\nTry resetting it.", actor=personas.agent)

    assert len(mail.outbox) == 1
    sent = email.message_from_bytes(mail.outbox[0].message().as_bytes(), policy=policy.default)
    # Django folds the encoded subject onto a continuation line; unfolded, the value is the same.
    assert sent["Subject"].strip() == f"Re: [{ticket.ref}] 无法登录 Cannot sign in"
    assert sent["From"] == "support@desk.example"
    assert sent["To"] == "zhou.min@starriver.example"
    assert re.fullmatch(rf"<{ticket.ref}\.{reply.pk}\.[0-9a-f]+@desk\.example>", sent["Message-ID"])
    assert sent["In-Reply-To"] == CUSTOMER_MID
    assert sent["References"] == CUSTOMER_MID
    assert sent.get_content_type() == "multipart/alternative"
    text = content(sent, "plain")
    html = content(sent, "html")
    assert text.startswith("请重置密码后再试。\nTry resetting it.")
    assert "请重置密码后再试。<br>Try resetting it." in html and 'lang="zh-hans"' in html
    assert ticket.ref in text

    reply.refresh_from_db()
    assert reply.external_id == sent["Message-ID"]  # so the customer's answer threads back
    row = OutboundEmail.objects.get(ticket_message=reply)
    assert row.state == OutboundState.SENT and row.attempts == 1 and row.sent_at is not None
    assert row.language == "zh-hans"


def test_second_reply_references_the_whole_thread(personas, django_capture_on_commit_callbacks):
    ticket = email_ticket(personas)
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.record_reply(ticket=ticket, body="First answer.", actor=personas.agent)
    first.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_reply(ticket=ticket, body="Second answer.", actor=personas.agent)
    second = email.message_from_bytes(mail.outbox[1].message().as_bytes(), policy=policy.default)
    assert second["In-Reply-To"] == CUSTOMER_MID
    assert second["References"].split() == [first.external_id, CUSTOMER_MID]


def test_from_is_the_mailbox_the_ticket_came_in_through(personas, django_capture_on_commit_callbacks):
    ticket = email_ticket(personas)
    box = Mailbox.objects.create(
        name="Starriver support", address="starriver@desk.example", imap_host="127.0.0.1", username="x"
    )
    InboundEmail.objects.create(
        received_at=clock.now(), source="imap", mailbox=box, raw=b"x", sha256="0" * 64, ticket=ticket
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_reply(ticket=ticket, body="Hello.", actor=personas.agent)
    assert mail.outbox[0].from_email == "starriver@desk.example"


def test_subject_prefixes_and_tokens_are_not_stacked(personas):
    ticket = make_ticket("回复：RE: [AS-000001] 订单同步失败", customer=personas.customer)
    ticket.ref = "AS-000001"
    assert outbound.reply_subject(ticket) == "Re: [AS-000001] 订单同步失败"


def test_attachments_go_with_the_reply(personas, django_capture_on_commit_callbacks):
    ticket = email_ticket(personas)
    upload = SimpleUploadedFile("步骤说明.txt", "第一步：重置密码".encode(), content_type="text/plain")
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_reply(ticket=ticket, body="See the attached steps.", actor=personas.agent, attachments=[upload])
    sent = email.message_from_bytes(mail.outbox[0].message().as_bytes(), policy=policy.default)
    [part] = list(sent.iter_attachments())
    assert part.get_filename() == "步骤说明.txt"
    assert part.get_content() == "第一步：重置密码"


def test_no_contact_address_keeps_the_reply_and_says_why(personas, client, django_capture_on_commit_callbacks):
    nobody = make_contact(personas.customer, "Wang Fang", email="")
    ticket = email_ticket(personas)
    ticket.contact = nobody
    ticket.save()
    with django_capture_on_commit_callbacks(execute=True):
        reply = actions.record_reply(ticket=ticket, body="We fixed it.", actor=personas.agent)
    assert mail.outbox == []
    row = OutboundEmail.objects.get(ticket_message=reply)
    assert row.state == OutboundState.FAILED and row.attempts == 0
    assert Message.objects.filter(pk=reply.pk).exists()

    client.force_login(personas.agent)
    page = client.get(reverse("tickets:detail", args=[ticket.ref])).content.decode()
    assert 'data-state="failed"' in page
    assert "Not sent: the ticket has no contact with an email address." in page

    nobody.email = "wang.fang@starriver.example"
    nobody.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert outbound.retry(row)
    row.refresh_from_db()
    assert row.state == OutboundState.SENT and mail.outbox[0].to == ["wang.fang@starriver.example"]


def test_replies_on_other_channels_and_notes_are_not_emailed(personas, django_capture_on_commit_callbacks):
    phone = make_ticket("Call back", customer=personas.customer, contact=personas.contact, channel=Channel.PHONE)
    emailed = email_ticket(personas)
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_reply(ticket=phone, body="Called back.", actor=personas.agent)
        actions.add_note(ticket=emailed, body="internal only", actor=personas.agent)
    assert OutboundEmail.objects.count() == 0 and mail.outbox == []


def test_sent_state_is_shown_on_the_message(personas, client, django_capture_on_commit_callbacks):
    ticket = email_ticket(personas)
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_reply(ticket=ticket, body="Done.", actor=personas.agent)
    client.force_login(personas.agent)
    page = client.get(reverse("tickets:detail", args=[ticket.ref])).content.decode()
    assert 'data-state="sent"' in page and personas.contact.email in page


def test_failures_are_retried_with_backoff_then_marked_failed(personas, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    ticket = email_ticket(personas)
    with django_capture_on_commit_callbacks(execute=True):
        reply = actions.record_reply(ticket=ticket, body="Will this arrive?", actor=personas.agent)
    row = OutboundEmail.objects.get(ticket_message=reply)
    assert row.state == OutboundState.PENDING and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.claimed_at is not None and row.next_attempt_at - row.claimed_at == dt.timedelta(minutes=1)

    now = row.next_attempt_at
    for attempt in range(2, outbound.MAX_ATTEMPTS + 1):
        report = outbound.deliver_due(now=now)
        row.refresh_from_db()
        assert row.attempts == attempt
        now = row.next_attempt_at
    assert report.failed == 1 and row.state == OutboundState.FAILED
    assert outbound.deliver_due(now=now + dt.timedelta(days=1)).sent == 0


def test_a_permanent_refusal_fails_at_once(personas, monkeypatch, django_capture_on_commit_callbacks):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({"zhou.min@starriver.example": (550, b"5.1.1 no such user")})

    monkeypatch.setattr("django.core.mail.message.EmailMessage.send", refuse)
    ticket = email_ticket(personas)
    with django_capture_on_commit_callbacks(execute=True):
        reply = actions.record_reply(ticket=ticket, body="Hello?", actor=personas.agent)
    row = OutboundEmail.objects.get(ticket_message=reply)
    assert row.state == OutboundState.FAILED and row.attempts == 1 and "no such user" in row.last_error


def test_a_worker_that_died_mid_send_is_recovered_by_the_lease(personas, django_capture_on_commit_callbacks):
    ticket = email_ticket(personas)
    actions.record_reply(ticket=ticket, body="Stuck.", actor=personas.agent)  # on_commit never runs: no enqueue
    row = OutboundEmail.objects.get()
    now = clock.now()
    assert outbound.claim(row.pk, now=now)
    assert not outbound.claim(row.pk, now=now)  # a second worker does not get it
    assert outbound.deliver_due(now=now + dt.timedelta(minutes=5)).sent == 0  # lease still held
    report = outbound.deliver_due(now=now + outbound.LEASE + dt.timedelta(seconds=1))
    assert report.requeued == 1 and report.sent == 1
    assert len(mail.outbox) == 1


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_send_again_from_the_ticket_page(personas, client, django_capture_on_commit_callbacks):
    nobody = make_contact(personas.customer, "Wang Fang", email="")
    ticket = make_ticket("Refund", customer=personas.customer, contact=nobody)
    reply = actions.record_reply(ticket=ticket, body="Refunded.", actor=personas.agent)
    row = OutboundEmail.objects.get(ticket_message=reply)
    detail = reverse("tickets:detail", args=[ticket.ref])
    retry_url = reverse("mail:outbound_retry", args=[row.pk])

    client.force_login(personas.viewer)
    assert 'data-testid="delivery-retry"' not in client.get(detail).content.decode()
    assert client.post(retry_url).status_code == 403

    client.force_login(personas.agent)
    assert 'data-testid="delivery-retry"' in client.get(detail).content.decode()
    page = client.post(retry_url, follow=True).content.decode()
    assert "no email address" in page
    row.refresh_from_db()
    assert row.state == OutboundState.FAILED

    nobody.email = "wang.fang@starriver.example"
    nobody.save()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(retry_url, follow=True).content.decode()
    assert "The reply will be sent again." in page
    row.refresh_from_db()
    assert row.state == OutboundState.SENT and mail.outbox[0].to == ["wang.fang@starriver.example"]
    assert 'data-state="sent"' in client.get(detail).content.decode()


def test_a_failed_reply_sent_again_by_hand_names_no_holder(personas):
    contact = make_contact(personas.customer, "Ma Yun", email="")  # no address: the reply fails at once
    ticket = make_ticket("Reply that could not be sent", customer=personas.customer, contact=contact)
    reply = actions.record_reply(ticket=ticket, body="Fixed.", actor=personas.agent)
    row = OutboundEmail.objects.get(ticket_message=reply)
    assert row.state == OutboundState.FAILED
    OutboundEmail.objects.filter(pk=row.pk).update(claimed_by="worker-1:4242")  # as if a worker had failed it
    contact.email = "ma.yun@starriver.example"
    contact.save()
    assert outbound.retry(row, actor=personas.agent)  # its wake-up runs on commit, which this test never reaches
    row.refresh_from_db()
    assert (row.state, row.to, row.claimed_by) == (OutboundState.PENDING, "ma.yun@starriver.example", "")
