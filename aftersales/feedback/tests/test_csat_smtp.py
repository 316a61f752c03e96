"""The survey email through a real SMTP server on loopback (aiosmtpd), then its link clicked through."""

from __future__ import annotations

import email
import re
import smtplib
from email import policy
from typing import Any

import pytest

from aftersales.feedback import csat_mail
from aftersales.feedback.models import CsatEmail
from aftersales.feedback.tests.csat_helpers import request_of
from aftersales.notify.tests.test_smtp import smtp_server  # noqa: F401 - the loopback SMTP fixture
from aftersales.testing.factories import make_contact, make_ticket
from aftersales.tickets import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(settings: Any) -> None:
    settings.SITE_URL = "https://desk.example"
    settings.DESK_EMAIL = "support@desk.example"


def test_survey_reaches_smtp_and_its_link_records_the_rating(
    client,
    personas,
    site,
    smtp_server,  # noqa: F811 - the imported fixture
    django_capture_on_commit_callbacks,
):
    contact = make_contact(personas.customer, "Lin Qiu", email="lin.qiu@starriver.example", language="zh-hans")
    ticket = make_ticket("短信无法送达越南", customer=personas.customer, contact=contact, owner=personas.agent)
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_status(ticket=ticket, status="resolved", actor=personas.agent)

    assert len(smtp_server.messages) == 1
    mail_from, rcpt_tos, content = smtp_server.messages[0]
    assert mail_from == "support@desk.example" and rcpt_tos == ["lin.qiu@starriver.example"]
    parsed = email.message_from_bytes(content, policy=policy.default)
    assert parsed["X-Aftersales-Kind"] == "csat"
    assert parsed["Message-ID"] == CsatEmail.objects.get().message_id
    body = parsed.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    tokens = re.findall(r"https://desk\.example/feedback/csat/([^/\s]+)/", text)
    assert len(tokens) == 5
    assert CsatEmail.objects.get().state == "sent"

    page = client.get(f"/feedback/csat/{tokens[4]}/")
    assert page.status_code == 200 and 'value="5" checked' in page.content.decode()
    client.post(f"/feedback/csat/{tokens[4]}/", {"rating": "5", "comment": "很好"})
    assert request_of(ticket).rating == 5


def test_a_refused_send_is_retried_later(personas, site, settings, django_capture_on_commit_callbacks, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def refuse(message: Any) -> None:
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr(csat_mail, "_send", refuse)
    monkeypatch.setattr(csat_mail.OUTBOX, "send", refuse)
    contact = make_contact(personas.customer, "Lin Qiu", email="lin.qiu@starriver.example", language="en")
    ticket = make_ticket("Route down", customer=personas.customer, contact=contact, owner=personas.agent)
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_status(ticket=ticket, status="resolved", actor=personas.agent)

    row = CsatEmail.objects.get()
    assert row.state == "pending" and row.attempts == 1 and "connection lost" in row.last_error
    assert row.next_attempt_at > row.created_at
