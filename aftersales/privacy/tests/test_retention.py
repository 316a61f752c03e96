"""Retention: what is older than its window is purged in batches; everything else stays."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from aftersales.audit.models import AuditEntry
from aftersales.chat.models import ChatChannel, ChatInbound
from aftersales.core import clock
from aftersales.core.search import query as search_query
from aftersales.mail.models import InboundEmail, OutboundEmail
from aftersales.privacy import retention
from aftersales.privacy.retention import PURGED_BODY
from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Message

pytestmark = pytest.mark.django_db
OLD = dt.datetime(2022, 1, 10, 2, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def _inbound(at: dt.datetime, state: str, raw: bytes = b"From: zhou.min@starriver.example\r\n\r\nhi") -> InboundEmail:
    return InboundEmail.objects.create(received_at=at, source="imap", raw=raw, size=len(raw), sha256="0" * 64,
                                       state=state, sender="zhou.min@starriver.example", subject="OTP delay")


def _chat(channel: ChatChannel, at: dt.datetime, state: str) -> ChatInbound:
    return ChatInbound.objects.create(channel=channel, received_at=at, raw=b'{"text": "hi"}', sha256="1" * 64,
                                      state=state)


def test_old_bodies_are_purged_and_the_ticket_keeps_its_metadata(personas, settings):
    settings.RETENTION_MESSAGE_BODY_DAYS = 365
    with time_machine.travel(OLD, tick=False):
        old = make_ticket("Sender ID refused", customer=personas.customer, description="Our secret launch plan")
        actions.add_note(ticket=old, body="Called Zhou Min about the launch", actor=personas.agent)
    with time_machine.travel(NOW - dt.timedelta(days=10), tick=False):
        recent_note = actions.add_note(ticket=old, body="Follow-up about the launch", actor=personas.agent)
        new = make_ticket("OTP delay", customer=personas.customer, description="Recent text stays")
    with time_machine.travel(NOW, tick=False):
        result = retention.run(batch=1)
    old.refresh_from_db()
    assert result.message_bodies == 2  # the old ticket's description and its old note
    assert old.description == PURGED_BODY
    assert old.subject == "Sender ID refused" and old.customer == personas.customer  # metadata stays
    bodies = list(Message.objects.filter(ticket=old).order_by("created_at").values_list("body", flat=True))
    assert bodies == [PURGED_BODY, "Follow-up about the launch"]
    recent_note.refresh_from_db()
    new.refresh_from_db()
    assert new.description == "Recent text stays"
    entry = AuditEntry.objects.get(action="privacy.retention")
    assert entry.after["message_bodies"] == 2 and entry.actor is None
    # Running again finds nothing more.
    with time_machine.travel(NOW, tick=False):
        assert retention.run().total() == 0


def test_search_forgets_purged_words(personas, settings):
    settings.RETENTION_MESSAGE_BODY_DAYS = 365
    with time_machine.travel(OLD, tick=False):
        ticket = make_ticket("Sender ID refused", customer=personas.customer, description="zebracorn launch")
    assert search_query.search("zebracorn", user=personas.lead).count >= 1
    with time_machine.travel(NOW, tick=False):
        retention.run()
    assert search_query.search("zebracorn", user=personas.lead).count == 0
    assert search_query.search("Sender refused", user=personas.lead).count >= 1
    assert ticket.pk


def test_raw_mail_and_chat_are_emptied_once_processed_and_old(personas, settings):
    settings.RETENTION_RAW_EMAIL_DAYS = 90
    settings.RETENTION_RAW_CHAT_DAYS = 90
    old_done = _inbound(NOW - dt.timedelta(days=91), "processed")
    old_failed = _inbound(NOW - dt.timedelta(days=91), "failed")  # still on the problems page
    recent = _inbound(NOW - dt.timedelta(days=89), "processed")
    channel = ChatChannel.objects.create(slug="wecom-starriver", name="Starriver", kind="wecom", secret="k" * 20,
                                         created_at=clock.now())
    old_chat = _chat(channel, NOW - dt.timedelta(days=100), "ignored")
    new_chat = _chat(channel, NOW - dt.timedelta(days=1), "processed")
    with time_machine.travel(NOW, tick=False):
        result = retention.run()
    assert (result.raw_emails, result.raw_chats) == (1, 1)
    raws = {row.pk: bytes(row.raw) for row in InboundEmail.objects.all()}
    assert raws[old_done.pk] == b"" and raws[old_failed.pk] and raws[recent.pk]
    assert InboundEmail.objects.get(pk=old_done.pk).subject == "OTP delay"  # the row and its metadata stay
    assert bytes(ChatInbound.objects.get(pk=old_chat.pk).raw) == b""
    assert bytes(ChatInbound.objects.get(pk=new_chat.pk).raw) == b'{"text": "hi"}'


def test_a_zero_window_keeps_everything(personas, settings):
    settings.RETENTION_RAW_EMAIL_DAYS = 0
    settings.RETENTION_MESSAGE_BODY_DAYS = 0
    with time_machine.travel(OLD, tick=False):
        make_ticket("Kept", customer=personas.customer, description="kept forever")
    _inbound(OLD, "processed")
    with time_machine.travel(NOW, tick=False):
        result = retention.run()
    assert result.message_bodies == 0 and result.raw_emails == 0
    assert "message_bodies" not in result.cutoffs


def test_a_negative_window_is_refused(settings):
    settings.RETENTION_RAW_EMAIL_DAYS = -1
    with pytest.raises(ValueError, match="0 \\(keep\\) or more days"):
        retention.run()
    assert not AuditEntry.objects.filter(action="privacy.retention").exists()


def test_the_command_reports_counts_and_the_job_is_registered(personas, settings, capsys):
    from aftersales.core.scheduler import discover_jobs

    settings.RETENTION_MESSAGE_BODY_DAYS = 30
    with time_machine.travel(OLD, tick=False):
        make_ticket("Old", customer=personas.customer, description="old words")
    call_command("retention", "--telemetry")
    out = capsys.readouterr().out
    assert "message_bodies: older than 30 days" in out
    assert "1 message bodies." in out
    assert "Purged telemetry: 0 raw events." in out
    discover_jobs()
    assert "privacy.retention" in {job.name for job in discover_jobs()}
    assert OutboundEmail.objects.count() == 0
