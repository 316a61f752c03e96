"""Each IM transport against a local HTTP server: the exact payload, address and signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from aftersales.chat import outbox
from aftersales.chat.models import ImTarget
from aftersales.chat.tests.conftest import ImServer
from aftersales.core import clock
from aftersales.notify import delivery as notify_delivery
from aftersales.notify.models import Delivery, DeliveryState
from aftersales.notify.transports import get_transport

pytestmark = pytest.mark.django_db

TITLE = "AS-000042 assigned to Li Heping"
BODY = "短信发送到越南全部失败 · Starriver Tech 星河科技 · P2"


def _target(server: ImServer, kind: str, path: str = "/hook?key=k1", secret: str = "") -> ImTarget:
    return ImTarget.objects.create(
        kind=kind, name=f"{kind} group", url=server.url + path, secret=secret, language="en",
        events=["assignment"], created_at=clock.now(),
    )


def _send(target: ImTarget, recipient: Any) -> Delivery:
    queued = outbox.queue(
        target,
        event="assignment",
        recipient=recipient,
        key="t1",
        title=lambda: TITLE,
        body=lambda: BODY,
        url="/tickets/AS-000042/",
        ticket_ref="AS-000042",
    )
    assert queued is not None
    notify_delivery.deliver(ids=[queued.pk])
    queued.refresh_from_db()
    return queued


def test_transports_are_registered_in_notify() -> None:
    for name in ("wecom", "dingtalk", "feishu", "slack", "webhook"):
        transport = get_transport(name)
        assert transport is not None
        assert transport.wants(object()) is False  # never a person's own notifications


def test_wecom_robot_markdown(im_server: ImServer, personas: Any) -> None:
    delivery = _send(_target(im_server, "wecom", "/cgi-bin/webhook/send?key=abc"), personas.agent)
    assert delivery.state == DeliveryState.SENT
    (request,) = im_server.requests
    assert request.path == "/cgi-bin/webhook/send"
    assert request.query == {"key": ["abc"]}
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.json == {
        "msgtype": "markdown",
        "markdown": {
            "content": f"**{TITLE}**\n\n{BODY}\n\n[AS-000042](http://127.0.0.1:8000/tickets/AS-000042/)"
        },
    }


def test_dingtalk_robot_signs_timestamp_and_secret(im_server: ImServer, personas: Any) -> None:
    secret = "SEC0123456789abcdef"
    delivery = _send(_target(im_server, "dingtalk", "/robot/send?access_token=tok", secret), personas.agent)
    assert delivery.state == DeliveryState.SENT
    (request,) = im_server.requests
    assert request.query["access_token"] == ["tok"]
    timestamp = request.query["timestamp"][0]
    assert abs(int(timestamp) - clock.now().timestamp() * 1000) < 60_000
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert request.query["sign"] == [expected]  # url-encoded on the wire, so '+' and '/' survive
    assert request.json == {
        "msgtype": "markdown",
        "markdown": {
            "title": TITLE,
            "text": f"**{TITLE}**\n\n{BODY}\n\n[AS-000042](http://127.0.0.1:8000/tickets/AS-000042/)",
        },
    }


def test_feishu_bot_signs_in_the_body(im_server: ImServer, personas: Any) -> None:
    secret = "feishu-secret-xyz"
    im_server.answers = [(200, b'{"code":0,"msg":"success"}')]
    delivery = _send(_target(im_server, "feishu", "/open-apis/bot/v2/hook/uuid-1", secret), personas.agent)
    assert delivery.state == DeliveryState.SENT
    (request,) = im_server.requests
    body = request.json
    expected = base64.b64encode(
        hmac.new(f"{body['timestamp']}\n{secret}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert body == {
        "timestamp": body["timestamp"],
        "sign": expected,
        "msg_type": "text",
        "content": {"text": f"{TITLE}\n{BODY}\nhttp://127.0.0.1:8000/tickets/AS-000042/"},
    }
    assert abs(int(body["timestamp"]) - clock.now().timestamp()) < 60


def test_slack_incoming_webhook(im_server: ImServer, personas: Any) -> None:
    im_server.answers = [(200, b"ok")]
    delivery = _send(_target(im_server, "slack", "/services/T0/B0/XX"), personas.agent)
    assert delivery.state == DeliveryState.SENT
    assert im_server.requests[0].json == {"text": f"{TITLE}\n{BODY}\nhttp://127.0.0.1:8000/tickets/AS-000042/"}


def test_generic_webhook_hmac_header(im_server: ImServer, personas: Any) -> None:
    secret = "generic-hmac-key"
    im_server.answers = [(204, b"")]
    delivery = _send(_target(im_server, "webhook", "/desk-events", secret), personas.agent)
    assert delivery.state == DeliveryState.SENT
    (request,) = im_server.requests
    digest = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-signature"] == f"sha256={digest}"
    assert request.headers["x-idempotency-key"] == delivery.idempotency_key
    data = json.loads(request.body)
    assert data["event"] == "im_assignment"
    assert data["title"] == TITLE
    assert data["ticket"] == "AS-000042"
    assert data["url"] == "http://127.0.0.1:8000/tickets/AS-000042/"


def test_an_error_code_in_a_200_answer_is_retried_then_sent(im_server: ImServer, personas: Any) -> None:
    im_server.answers = [(200, b'{"errcode":93000,"errmsg":"invalid webhook url"}'), (200, b'{"errcode":0}')]
    delivery = _send(_target(im_server, "wecom"), personas.agent)
    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts == 1
    assert "93000" in delivery.last_error and "invalid webhook url" in delivery.last_error
    report = notify_delivery.deliver(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert report.sent == 1
    assert delivery.state == DeliveryState.SENT
    assert len(im_server.requests) == 2


def test_http_errors_are_retried(im_server: ImServer, personas: Any) -> None:
    im_server.answers = [(502, b"bad gateway")]
    delivery = _send(_target(im_server, "slack"), personas.agent)
    assert delivery.state == DeliveryState.PENDING
    assert delivery.last_error.startswith("ImSendError: HTTP 502")


def test_the_same_notice_is_written_once(personas: Any) -> None:
    target = ImTarget.objects.create(kind="slack", name="s", url="http://127.0.0.1:9/", created_at=clock.now())
    kwargs: dict[str, Any] = {"event": "assignment", "recipient": personas.agent, "key": "same", "title": lambda: "t"}
    assert outbox.queue(target, **kwargs) is not None
    assert outbox.queue(target, **kwargs) is None
    assert Delivery.objects.count() == 1


def test_im_notices_do_not_raise_anyones_unread_count(personas: Any) -> None:
    from aftersales.notify.queries import unread_count

    target = ImTarget.objects.create(kind="slack", name="s", url="http://127.0.0.1:9/", created_at=clock.now())
    outbox.queue(target, event="assignment", recipient=personas.agent, key="k", title=lambda: "t")
    assert unread_count(personas.agent) == 0


def test_a_connection_error_is_retried_without_leaking_the_token(personas: Any) -> None:
    target = ImTarget.objects.create(
        kind="wecom", name="Down", url="http://127.0.0.1:9/cgi-bin/webhook/send?key=SECRET-KEY", created_at=clock.now()
    )
    delivery = _send(target, personas.agent)
    assert delivery.state == DeliveryState.PENDING
    assert delivery.last_error == "ImSendError: ConnectionError sending to 127.0.0.1"
    assert "SECRET-KEY" not in delivery.last_error


def test_the_address_is_encrypted_at_rest(db: Any) -> None:
    from django.db import connection

    target = ImTarget.objects.create(
        kind="wecom", name="Robot", url="https://qyapi.example/cgi-bin/webhook/send?key=abc-123", created_at=clock.now()
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT url FROM chat_imtarget WHERE id = %s", [target.pk])
        assert "abc-123" not in cursor.fetchone()[0]
