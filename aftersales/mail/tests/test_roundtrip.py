"""Done when: a GBK Foxmail reply sent over SMTP threads onto the right ticket with clean Chinese
text; the agent's answer leaves with correct headers; the customer's reply to it threads back.

Everything goes over real SMTP on loopback: smtplib → the desk's smtpd (aiosmtpd), and the
desk's outgoing mail → Django's SMTP backend → an aiosmtpd sink standing in for the relay.
"""

from __future__ import annotations

import base64
import email
import email.message
import re
import smtplib
import socket
import time
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse

from aftersales.mail import smtpd
from aftersales.mail.models import InboundEmail, InboundState, Mailbox
from aftersales.testing.factories import make_contact, make_ticket
from aftersales.tickets.models import Channel, MessageKind, RootCause, Status

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CUSTOMER = "chen.jing@starriver.example"
DESK = "support@desk.example"


def content(message: email.message.EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None, f"no {kind} part"
    return str(part.get_content())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sink:
    """The relay the desk hands its mail to: keeps every message it is given."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def relay(settings) -> Iterator[Sink]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 10
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DESK_EMAIL, settings.MAIL_DOMAIN = DESK, "desk.example"
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def desk(personas) -> Iterator[int]:
    Mailbox.objects.create(name="Starriver desk", address=DESK, imap_host="", username="", customer=personas.customer)
    port = free_port()
    server = smtpd.controller("127.0.0.1", port)
    server.start()
    try:
        yield port
    finally:
        server.stop()


def b64(text: str, charset: str = "gbk") -> str:
    return base64.b64encode(text.encode(charset)).decode()


def foxmail_reply(*, subject: str, in_reply_to: str, references: str, message_id: str, body: str, quoted: str) -> bytes:
    """What Foxmail 7.2 sends: GBK labelled gb2312, base64 words, "原始邮件" quote block, CRLF."""
    text = (
        f"{body}\r\n\r\n\r\n------------------&nbsp;原始邮件&nbsp;------------------\r\n".replace("&nbsp;", " ")
        + f'发件人: "Starriver 客服"<{DESK}>;\r\n'
        "发送时间: 2026年3月2日(星期一) 上午10:30\r\n"
        f'收件人: "陈静"<{CUSTOMER}>;\r\n'
        f"主题: {subject}\r\n\r\n"
        f"{quoted}\r\n"
    )
    headers = (
        f'From: "=?gb2312?B?{b64("陈静")}?=" <{CUSTOMER}>\r\n'
        f'To: "=?gb2312?B?{b64("客服")}?=" <{DESK}>\r\n'
        f"Subject: =?gb2312?B?{b64(subject)}?=\r\n"
        "Mime-Version: 1.0\r\n"
        'Content-Type: text/plain;\r\n\tcharset="gb2312"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "Date: Mon, 2 Mar 2026 10:41:07 +0800\r\n"
        "X-Priority: 3\r\n"
        f"Message-ID: {message_id}\r\n"
        + (f"In-Reply-To: {in_reply_to}\r\nReferences: {references}\r\n" if in_reply_to else "")
        + "X-QQ-MIME: TCMime 1.0 by Tencent\r\n"
        "X-Mailer: Foxmail 7.2.25.228[cn]\r\n"
    )
    encoded = base64.encodebytes(text.encode("gbk")).replace(b"\n", b"\r\n")
    return headers.encode("ascii") + b"\r\n" + encoded


def send_to_desk(port: int, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        assert client.sendmail(CUSTOMER, [DESK], raw) == {}


def wait_for(sink: Sink, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(sink.received) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sink.received) == count


def test_gbk_foxmail_reply_round_trip(personas, relay, desk, client):
    contact = make_contact(personas.customer, "Chen Jing 陈静", email=CUSTOMER, language="zh-hans")
    # The ticket the customer is answering: opened on the phone, then our first answer went out.
    ticket = make_ticket("打印机无法连接", customer=personas.customer, contact=contact, channel=Channel.EMAIL)
    client.force_login(personas.agent)
    response = client.post(reverse("tickets:reply", args=[ticket.ref]), {"kind": "reply", "body": "请问是哪个型号？"})
    assert response.status_code in (200, 302)
    wait_for(relay, 1)
    first_id = email.message_from_bytes(relay.received[0][2], policy=policy.default)["Message-ID"]

    # 1. The customer answers from Foxmail, in GBK, over SMTP to the desk.
    customer_mid = "<tencent_3F2A9C1B7D@qq.com>"
    raw = foxmail_reply(
        subject=f"回复：Re: [{ticket.ref}] 打印机无法连接",
        in_reply_to=first_id,
        references=first_id,
        message_id=customer_mid,
        body="型号是 HP LaserJet M1136，昨天开始连不上。",
        quoted="请问是哪个型号？",
    )
    send_to_desk(desk, raw)
    inbound = InboundEmail.objects.get(message_id=customer_mid)
    assert inbound.state == InboundState.PROCESSED and inbound.threaded and inbound.ticket_id == ticket.pk
    assert bytes(inbound.raw) == raw
    answer = ticket.messages.filter(kind=MessageKind.INBOUND).get()
    assert answer.body == "型号是 HP LaserJet M1136，昨天开始连不上。"  # clean: the "原始邮件" quote is cut
    assert answer.author_contact == contact

    # 2. The agent answers in the agent UI; it leaves through the relay with the right headers.
    response = client.post(
        reverse("tickets:reply", args=[ticket.ref]), {"kind": "reply", "body": "请先重装驱动程序，再试一次。"}
    )
    assert response.status_code in (200, 302)
    wait_for(relay, 2)
    mail_from, rcpt_tos, data = relay.received[1]
    sent = email.message_from_bytes(data, policy=policy.default)
    assert rcpt_tos == [CUSTOMER] and mail_from == DESK
    assert sent["From"] == DESK and sent["To"] == CUSTOMER
    assert sent["Subject"].strip() == f"Re: [{ticket.ref}] 打印机无法连接"
    our_id = sent["Message-ID"]
    reply = ticket.messages.filter(kind=MessageKind.OUTBOUND).order_by("-pk").first()
    assert reply is not None
    assert re.fullmatch(rf"<{ticket.ref}\.{reply.pk}\.[0-9a-f]+@desk\.example>", our_id)
    assert sent["In-Reply-To"] == customer_mid
    assert sent["References"].split() == [first_id, customer_mid]
    assert content(sent, "plain").startswith("请先重装驱动程序，再试一次。")
    assert "请先重装驱动程序" in content(sent, "html")
    page = client.get(reverse("tickets:detail", args=[ticket.ref])).content.decode()
    assert page.count('data-state="sent"') == 2

    # 3. The customer's reply to THAT threads back onto the same ticket and reopens it.
    other = RootCause.objects.get(code="other").pk  # resolving asks for resolution notes (issue 8)
    resolve = {"status": Status.RESOLVED, "resolution_summary": "驱动已重装。", "root_cause": other}
    client.post(reverse("tickets:status", args=[ticket.ref]), resolve)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    send_to_desk(
        desk,
        foxmail_reply(
            subject=f"回复：Re: [{ticket.ref}] 打印机无法连接",
            in_reply_to=our_id,
            references=f"{first_id} {customer_mid} {our_id}",
            message_id="<tencent_5B6C7D8E9F@qq.com>",
            body="重装以后还是不行，打印时提示脱机。",
            quoted="请先重装驱动程序，再试一次。",
        ),
    )
    back = InboundEmail.objects.get(message_id="<tencent_5B6C7D8E9F@qq.com>")
    assert back.threaded and back.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    latest = ticket.messages.filter(kind=MessageKind.INBOUND).order_by("-pk").first()
    assert latest is not None
    assert latest.body == "重装以后还是不行，打印时提示脱机。"
    assert InboundEmail.objects.filter(ticket__isnull=False).exclude(ticket=ticket).count() == 0


def test_reply_threads_back_by_message_id_even_when_the_subject_lost_its_token(personas, relay, desk, client):
    contact = make_contact(personas.customer, "Chen Jing 陈静", email=CUSTOMER)
    ticket = make_ticket("发票抬头错误", customer=personas.customer, contact=contact, channel=Channel.EMAIL)
    client.force_login(personas.agent)
    client.post(reverse("tickets:reply", args=[ticket.ref]), {"kind": "reply", "body": "已重新开具。"})
    wait_for(relay, 1)
    our_id = email.message_from_bytes(relay.received[0][2], policy=policy.default)["Message-ID"]
    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = CUSTOMER, DESK, "收到了，谢谢"
    reply["Message-ID"], reply["In-Reply-To"] = "<thanks-1@starriver.example>", our_id
    reply.set_content("收到了，谢谢！")
    send_to_desk(desk, reply.as_bytes())
    assert InboundEmail.objects.get(message_id="<thanks-1@starriver.example>").ticket_id == ticket.pk
