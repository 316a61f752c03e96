"""The mail problems page: what a lead sees, downloads and processes again."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from aftersales.audit.models import AuditEntry
from aftersales.mail.inbound import receive
from aftersales.mail.models import InboundEmail, InboundState

pytestmark = pytest.mark.django_db

AUTO_REPLY = (
    b"From: Li Wei <li.wei@example-logistics.cn>\r\nTo: support@desk.example.test\r\n"
    b"Subject: Out of office\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <oof@x>\r\n\r\nAway.\r\n"
)
NO_SENDER = b"To: support@desk.example.test\r\nSubject: =?utf-8?B?5peg5Y+R5Lu25Lq6?=\r\n\r\nWho sent this?\r\n"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_lead_sees_failed_and_ignored_mail_and_not_processed_mail(personas: Any) -> None:
    failed = receive(NO_SENDER, source="smtp")
    ignored = receive(AUTO_REPLY, source="imap")
    processed = receive(
        b"From: zhou.min@starriver.example\r\nSubject: Fine mail\r\nMessage-ID: <ok@x>\r\n\r\nHello\r\n", source="smtp"
    )
    assert (failed.state, ignored.state, processed.state) == ("failed", "ignored", "processed")
    page = signed_in(personas.lead).get("/mail/problems/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "无发件人" in html and "no sender address could be read" in html
    assert "Out of office" in html and "auto-reply" in html
    assert "Fine mail" not in html
    only_failed = signed_in(personas.lead).get("/mail/problems/?state=failed").content.decode()
    assert "无发件人" in only_failed and "Out of office" not in only_failed


def test_the_page_renders_in_chinese(personas: Any) -> None:
    receive(AUTO_REPLY, source="imap")
    personas.lead.agent_profile.language = "zh-hans"
    personas.lead.agent_profile.save()
    client = signed_in(personas.lead)
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/mail/problems/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Out of office" in html


def test_raw_message_downloads_byte_for_byte(personas: Any) -> None:
    item = receive(NO_SENDER, source="smtp")
    response = signed_in(personas.admin).get(f"/mail/inbound/{item.pk}/raw/")
    assert response.status_code == 200
    assert response.content == NO_SENDER
    assert response["Content-Type"] == "message/rfc822"
    assert f'filename="inbound-{item.pk}.eml"' in response["Content-Disposition"]


def test_agents_and_viewers_cannot_reach_it(personas: Any) -> None:
    item = receive(NO_SENDER, source="smtp")
    for user in (personas.agent, personas.viewer):
        assert signed_in(user).get("/mail/problems/").status_code == 403
        assert signed_in(user).get(f"/mail/inbound/{item.pk}/raw/").status_code == 403
        assert signed_in(user).post(f"/mail/inbound/{item.pk}/retry/").status_code == 403


def test_processing_again_after_the_cause_is_fixed(personas: Any, settings: Any) -> None:
    settings.MAIL_RATE_LIMIT_PER_HOUR = 1
    receive(b"From: zhou.min@starriver.example\r\nSubject: one\r\nMessage-ID: <r1@x>\r\n\r\nHello\r\n", source="smtp")
    held = receive(
        b"From: zhou.min@starriver.example\r\nSubject: two\r\nMessage-ID: <r2@x>\r\n\r\nAgain\r\n", source="smtp"
    )
    assert held.state == InboundState.IGNORED and held.reason.startswith("rate limit")
    settings.MAIL_RATE_LIMIT_PER_HOUR = 30
    response = signed_in(personas.lead).post(f"/mail/inbound/{held.pk}/retry/", follow=True)
    held.refresh_from_db()
    assert held.state == InboundState.PROCESSED and held.ticket is not None
    assert f"Processed: the message is on {held.ticket.ref}." in response.content.decode()
    assert AuditEntry.objects.filter(action="mail.inbound.retry").count() == 1
    again = signed_in(personas.lead).post(f"/mail/inbound/{held.pk}/retry/", follow=True)
    assert "This message is already on a ticket." in again.content.decode()
    assert InboundEmail.objects.filter(state=InboundState.PROCESSED).count() == 2


def test_empty_page_says_so(personas: Any) -> None:
    html = signed_in(personas.lead).get("/mail/problems/").content.decode()
    assert "No mail problems." in html


def test_the_sidebar_links_leads_only(personas: Any) -> None:
    assert 'data-testid="mail-problems-link"' in signed_in(personas.lead).get("/tickets/").content.decode()
    assert 'data-testid="mail-problems-link"' not in signed_in(personas.agent).get("/tickets/").content.decode()
