"""``aftersales smtpd``: mail handed to the desk over SMTP on loopback is stored byte for byte."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator

import pytest
from django.core.management.base import CommandError

from aftersales.mail import smtpd
from aftersales.mail.management.commands.smtpd import parse_bind
from aftersales.mail.models import InboundEmail, InboundState, Mailbox
from aftersales.tickets.models import Ticket

# The server stores mail from its own threads (own database connections): real transactions.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BIG5_MAIL = (
    b"From: =?big5?B?s6+kaqTl?= <chan.tai@harbour.example>\r\n"
    b"To: support@desk.example\r\n"
    b"Subject: =?big5?B?t3ytcKh0ss6w3cNE?=\r\n"
    b"Date: Tue, 3 Mar 2026 09:00:00 +0800\r\n"
    b"Message-ID: <smtpd-1@harbour.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=big5\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n" + "帳單金額不對，請查看。\r\n".encode("big5")
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def desk_smtpd() -> Iterator[int]:
    port = free_port()
    server = smtpd.controller("127.0.0.1", port, max_bytes=1_000_000)
    server.start()
    try:
        yield port
    finally:
        server.stop()


def send(port: int, raw: bytes, to: str = "support@desk.example") -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return client.sendmail("chan.tai@harbour.example", [to], raw)


def test_mail_is_stored_as_received_and_opens_a_ticket(personas, desk_smtpd):
    box = Mailbox.objects.create(
        name="Harbour desk", address="Support@Desk.example", imap_host="", username="", customer=personas.customer
    )
    assert send(desk_smtpd, BIG5_MAIL) == {}  # accepted for every recipient
    inbound = InboundEmail.objects.get()
    assert bytes(inbound.raw) == BIG5_MAIL and inbound.source == "smtp"
    assert inbound.mailbox == box  # chosen by the recipient address, case-insensitively
    assert inbound.state == InboundState.PROCESSED
    ticket = Ticket.objects.get()
    assert ticket.subject == "會計系統問題" and ticket.channel == "email"
    assert ticket.messages.get().body.startswith("帳單金額不對")


def test_unknown_recipient_is_accepted_without_a_mailbox(db, desk_smtpd):
    send(desk_smtpd, BIG5_MAIL, to="anything@elsewhere.example")
    assert InboundEmail.objects.get().mailbox is None


def test_too_big_is_refused(db, desk_smtpd):
    with pytest.raises(smtplib.SMTPException):
        send(desk_smtpd, BIG5_MAIL + b"x" * 1_100_000)
    assert InboundEmail.objects.count() == 0


def test_a_store_failure_asks_the_sender_to_retry(db, desk_smtpd, monkeypatch):
    def broken(raw: bytes, recipients: list[str]) -> InboundEmail:
        raise RuntimeError("database down")

    monkeypatch.setattr(smtpd, "store", broken)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(desk_smtpd, BIG5_MAIL)
    assert refused.value.smtp_code == 451


def test_bind_option():
    assert parse_bind("127.0.0.1:2525") == ("127.0.0.1", 2525)
    assert parse_bind("[::1]:25") == ("::1", 25)
    assert parse_bind(":2525") == ("127.0.0.1", 2525)
    for bad in ("2525", "host:", "host:99999", "host:abc"):
        with pytest.raises(CommandError):
            parse_bind(bad)
