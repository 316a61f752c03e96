"""One delivery through a real SMTP server on loopback (aiosmtpd), not the locmem backend."""

from __future__ import annotations

import email
import socket
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from aftersales.notify import delivery
from aftersales.notify.api import notify
from aftersales.notify.models import Delivery, DeliveryState
from aftersales.notify.transports import message_id

pytestmark = pytest.mark.django_db


class Collector:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings: Any) -> Any:
    collector = Collector()
    port = _free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = "desk@aftersales.example"
    yield collector
    controller.stop()


def test_an_email_notification_reaches_a_real_smtp_server(personas, smtp_server):
    title = "AS-000042 breached its first response"
    notify([personas.agent], kind="sla_breach", title=title, url="/tickets/AS-000042/")
    report = delivery.deliver()
    assert report.sent == 1
    row = Delivery.objects.get(transport="email")
    assert row.state == DeliveryState.SENT
    assert len(smtp_server.messages) == 1
    mail_from, rcpt_tos, content = smtp_server.messages[0]
    assert mail_from == "desk@aftersales.example"
    assert rcpt_tos == [personas.agent.email]
    parsed = email.message_from_bytes(content)
    assert parsed["Subject"] == "AS-000042 breached its first response"
    assert parsed["To"] == personas.agent.email
    assert parsed["Message-ID"] == message_id(row.idempotency_key)
    payload = parsed.get_payload(decode=True)
    assert isinstance(payload, bytes) and b"/tickets/AS-000042/" in payload
