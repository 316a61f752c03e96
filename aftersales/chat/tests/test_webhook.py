"""The signed chat webhook: authentication, storage first, threading, senders."""

from __future__ import annotations

import time
from typing import Any

import pytest

from aftersales.chat.models import ChatConversation, ChatInbound, InboundState
from aftersales.chat.tests.helpers import SECRET, chat_body, make_channel, post
from aftersales.testing.factories import make_contact
from aftersales.tickets import actions
from aftersales.tickets.models import Message, MessageKind, Status, Ticket

pytestmark = pytest.mark.django_db


def test_a_signed_message_opens_a_ticket_and_keeps_the_raw_body(client: Any, personas: Any) -> None:
    channel = make_channel(customer=personas.customer)
    body = chat_body()
    response = post(client, channel.slug, body)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "created"
    ticket = Ticket.objects.get(ref=data["ticket"])
    assert ticket.subject == "短信发送到越南全部失败"
    assert ticket.channel == "chat"
    assert ticket.customer == personas.customer
    assert "从今天上午开始" in ticket.description
    assert "[李华 · li.hua]" in ticket.description  # unknown sender: named in the text
    inbound = ChatInbound.objects.get()
    assert bytes(inbound.raw) == body
    assert inbound.state == InboundState.PROCESSED
    assert inbound.ticket == ticket
    assert inbound.message_id == "m-1"


def test_missing_signature_is_401_with_a_clear_error_and_nothing_stored(client: Any, db: Any) -> None:
    channel = make_channel()
    response = post(client, channel.slug, chat_body(), secret=None)
    assert response.status_code == 401
    assert response.json()["error"] == "missing_signature"
    assert "X-Signature" in response.json()["detail"]
    assert not ChatInbound.objects.exists()
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("signature", ["sha256=" + "0" * 64, "md5=abc", "garbage", "sha256="])
def test_bad_signature_is_401(client: Any, db: Any, signature: str) -> None:
    channel = make_channel()
    response = post(client, channel.slug, chat_body(), signature=signature)
    assert response.status_code == 401
    assert response.json()["error"] == "bad_signature"
    assert not ChatInbound.objects.exists()


def test_signature_with_another_secret_or_a_changed_body_is_401(client: Any, db: Any) -> None:
    channel = make_channel()
    assert post(client, channel.slug, chat_body(), secret="another-secret-0123456789").status_code == 401
    from aftersales.chat.inbound import sign

    signature = sign(SECRET, chat_body(text="original"))
    assert post(client, channel.slug, chat_body(text="tampered"), signature=signature).status_code == 401
    assert not Ticket.objects.exists()


def test_replay_older_than_five_minutes_is_refused_but_kept(client: Any, db: Any) -> None:
    channel = make_channel()
    response = post(client, channel.slug, chat_body(timestamp=int(time.time()) - 301))
    assert response.status_code == 401
    assert response.json()["error"] == "stale_timestamp"
    inbound = ChatInbound.objects.get()
    assert inbound.state == InboundState.IGNORED
    assert inbound.reason.startswith("replay refused")
    assert not Ticket.objects.exists()


def test_timestamps_in_milliseconds_and_iso_are_accepted(client: Any, db: Any) -> None:
    channel = make_channel()
    assert post(client, channel.slug, chat_body(timestamp=int(time.time() * 1000), message_id="a")).status_code == 200
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    assert post(client, channel.slug, chat_body(timestamp=iso, message_id="b")).status_code == 200


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"sender_id": "li.hua", "text": "hi"', "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b'{"text": "hi", "conversation_id": "c", "timestamp": 1}', "sender_id"),
        (b'{"sender_id": "x", "text": "hi", "conversation_id": "c", "timestamp": "yesterday"}', "timestamp"),
    ],
)
def test_malformed_body_is_400_and_kept_with_its_reason(client: Any, db: Any, body: bytes, reason: str) -> None:
    channel = make_channel()
    response = post(client, channel.slug, body)
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"
    inbound = ChatInbound.objects.get()
    assert bytes(inbound.raw) == body
    assert inbound.state == InboundState.FAILED
    assert reason in inbound.reason
    assert not Ticket.objects.exists()


def test_duplicate_message_ids_are_ignored(client: Any, db: Any) -> None:
    channel = make_channel()
    first = post(client, channel.slug, chat_body())
    again = post(client, channel.slug, chat_body(text="same id, resent by the bridge"))
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "ticket": first.json()["ticket"], "id": again.json()["id"]}
    assert Ticket.objects.count() == 1
    assert ChatInbound.objects.filter(state=InboundState.IGNORED).get().reason.startswith("duplicate of #")


def test_a_conversation_threads_into_its_ticket(client: Any, db: Any) -> None:
    channel = make_channel()
    ref = post(client, channel.slug, chat_body()).json()["ticket"]
    second = post(client, channel.slug, chat_body(text="还是不行", message_id="m-2"))
    assert second.json() == {"status": "threaded", "ticket": ref, "id": second.json()["id"]}
    ticket = Ticket.objects.get(ref=ref)
    message = Message.objects.get(ticket=ticket)
    assert message.kind == MessageKind.INBOUND
    assert message.channel == "chat"
    assert message.external_id == "m-2"
    assert "还是不行" in message.body
    other = post(client, channel.slug, chat_body(conversation_id="conv-2", message_id="m-3"))
    assert other.json()["ticket"] != ref


def test_a_resolved_ticket_reopens_and_a_closed_one_gets_a_new_ticket(client: Any, personas: Any) -> None:
    channel = make_channel()
    ref = post(client, channel.slug, chat_body()).json()["ticket"]
    ticket = Ticket.objects.get(ref=ref)
    actions.change_status(ticket=ticket, status=Status.RESOLVED, actor=personas.agent)
    assert post(client, channel.slug, chat_body(message_id="m-2")).json()["ticket"] == ref
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    actions.change_status(ticket=ticket, status=Status.CLOSED, actor=personas.agent)
    response = post(client, channel.slug, chat_body(text="新问题", message_id="m-3"))
    assert response.json()["status"] == "created"
    assert response.json()["ticket"] != ref
    assert ChatConversation.objects.get().ticket.ref == response.json()["ticket"]


def test_sender_found_by_im_handle_of_the_channel_kind(client: Any, personas: Any) -> None:
    contact = make_contact(personas.other_customer, "Li Hua", im_handles={"wecom": "li.hua", "dingtalk": "lihua01"})
    channel = make_channel()  # no customer of its own
    ticket = Ticket.objects.get(ref=post(client, channel.slug, chat_body()).json()["ticket"])
    assert ticket.contact == contact
    assert ticket.customer == personas.other_customer
    assert "[李华" not in ticket.description  # a known contact is not announced in the text
    dingtalk = make_channel("dingtalk-bridge", kind="dingtalk")
    by_dingtalk = post(client, dingtalk.slug, chat_body(sender_id="lihua01", message_id="d-1"))
    assert Ticket.objects.get(ref=by_dingtalk.json()["ticket"]).contact == contact
    # the WeCom handle means nothing on a DingTalk channel
    unknown = post(client, dingtalk.slug, chat_body(conversation_id="c-9", message_id="d-2"))
    assert Ticket.objects.get(ref=unknown.json()["ticket"]).contact is None


def test_unknown_sender_without_channel_customer_waits_for_a_customer(client: Any, db: Any) -> None:
    channel = make_channel()
    ticket = Ticket.objects.get(ref=post(client, channel.slug, chat_body(sender_id="nobody")).json()["ticket"])
    assert ticket.customer is None
    assert ticket.contact is None


def test_a_customer_channel_only_matches_its_own_contacts(client: Any, personas: Any) -> None:
    make_contact(personas.other_customer, "Li Hua", im_handles={"wecom": "li.hua"})
    mine = make_contact(personas.subaccount, "Li Hua Sub", im_handles={"wecom": "li.hua"})
    channel = make_channel(customer=personas.customer)
    ticket = Ticket.objects.get(ref=post(client, channel.slug, chat_body()).json()["ticket"])
    assert ticket.contact == mine
    assert ticket.customer == personas.subaccount


def test_attachments_are_listed_as_links(client: Any, db: Any) -> None:
    channel = make_channel()
    body = chat_body(text="", attachments=[{"name": "截图.png", "url": "https://files.example/1.png"}])
    ticket = Ticket.objects.get(ref=post(client, channel.slug, body).json()["ticket"])
    assert ticket.subject == "截图.png"
    assert "📎 截图.png: https://files.example/1.png" in ticket.description


def test_empty_message_is_400(client: Any, db: Any) -> None:
    channel = make_channel()
    response = post(client, channel.slug, chat_body(text=" "))
    assert response.status_code == 400
    assert ChatInbound.objects.get().reason == "empty message"


def test_unknown_or_inactive_channel_is_404_and_get_is_405(client: Any, db: Any) -> None:
    make_channel("off", is_active=False)
    assert post(client, "off", chat_body()).status_code == 404
    assert post(client, "nope", chat_body()).status_code == 404
    make_channel()
    assert client.get("/hooks/chat/wecom-starriver").status_code == 405


def test_secret_is_encrypted_at_rest(db: Any) -> None:
    from django.db import connection

    channel = make_channel()
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM chat_chatchannel WHERE id = %s", [channel.pk])
        stored = cursor.fetchone()[0]
    assert SECRET not in stored


def test_a_processing_failure_is_stored_with_its_reason_and_answered_202(
    client: Any, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(actions, "open_ticket", broken)
    channel = make_channel()
    response = post(client, channel.slug, chat_body())
    assert response.status_code == 202
    inbound = ChatInbound.objects.get()
    assert inbound.state == InboundState.FAILED
    assert inbound.reason == "RuntimeError: database hiccup"
    assert not ChatConversation.objects.exists()
    # the bridge may resend it: a failed message id is not a duplicate
    monkeypatch.undo()
    assert post(client, channel.slug, chat_body()).json()["status"] == "created"


def test_a_body_over_one_megabyte_is_413(client: Any, db: Any) -> None:
    channel = make_channel()
    response = post(client, channel.slug, chat_body(text="x" * 1_100_000))
    assert response.status_code == 413
    assert not ChatInbound.objects.exists()


def test_the_breach_job_is_registered() -> None:
    from aftersales.core.scheduler import discover_jobs

    assert "chat.breach_notices" in {job.name for job in discover_jobs()}
