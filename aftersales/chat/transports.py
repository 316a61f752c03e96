"""IM transports: how a team notice leaves for a group chat. Registered in notify's registry.

Each is a :class:`aftersales.notify.transports.Transport`; notify's delivery task claims the
outbox row, calls ``send`` and retries with backoff when it raises. The target (address,
secret) is the ``ImDelivery`` next to the row. ``wants()`` is False: these transports never
carry a person's own notifications, only rows written by :mod:`aftersales.chat.outbox`.

Signatures:

- DingTalk: ``timestamp`` (ms) and ``sign`` query parameters, ``sign`` =
  url-encoded base64 of HMAC-SHA256(key=secret, message="{timestamp}\\n{secret}");
- Feishu / Lark: ``timestamp`` (s) and ``sign`` in the body, ``sign`` = base64 of
  HMAC-SHA256(key="{timestamp}\\n{secret}", message=b"");
- generic webhook: ``X-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import quote_plus, urlsplit, urlunsplit

import requests

from aftersales.chat.models import ImDelivery, ImKind, ImTarget
from aftersales.notify.models import Delivery, Notification
from aftersales.notify.transports import Transport, absolute_url, get_transport, register_transport

TIMEOUT = 10  # seconds


class ImSendError(RuntimeError):
    """The IM service refused the message (its error code and text)."""


def text_of(notification: Notification) -> str:
    lines = [notification.title]
    if notification.body:
        lines.append(notification.body)
    if notification.url:
        lines.append(absolute_url(notification.url))
    return "\n".join(lines)


def markdown_of(notification: Notification) -> str:
    lines = [f"**{notification.title}**"]
    if notification.body:
        lines.append(notification.body)
    if notification.url:
        url = absolute_url(notification.url)
        lines.append(f"[{notification.ticket_ref or url}]({url})")
    return "\n\n".join(lines)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The ``sign`` query value (already url-encoded, as DingTalk documents it)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def body_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _with_query(url: str, extra: str) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class ImTransport(Transport):
    """Post a JSON body to the target's address; subclasses build body, address and headers."""

    kind: str = ""

    def wants(self, user: Any) -> bool:
        return False

    def send(self, delivery: Delivery) -> None:
        im = ImDelivery.objects.select_related("target").get(delivery=delivery)
        self.post(im.target, delivery.notification, idempotency_key=delivery.idempotency_key)

    def payload(self, target: ImTarget, notification: Notification) -> dict[str, Any]:
        raise NotImplementedError

    def request(self, target: ImTarget, body: bytes, *, idempotency_key: str) -> tuple[str, dict[str, str]]:
        return target.url, {}

    def post(self, target: ImTarget, notification: Notification, *, idempotency_key: str = "") -> None:
        body = _encode(self.payload(target, notification))
        url, headers = self.request(target, body, idempotency_key=idempotency_key)
        try:
            response = requests.post(
                url,
                data=body,
                headers={"Content-Type": "application/json; charset=utf-8", **headers},
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            # requests' messages repeat the address, and with it the robot's token: name the host only
            raise ImSendError(f"{type(exc).__name__} sending to {urlsplit(url).hostname}") from None
        if response.status_code >= 300:
            raise ImSendError(f"HTTP {response.status_code}: {response.text[:300]}")
        self.check(response)

    def check(self, response: requests.Response) -> None:
        """Raise when a 200 response still carries an error code (WeCom, DingTalk, Feishu do this)."""
        try:
            data = response.json()
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        code = data.get("errcode", data.get("code", data.get("StatusCode", 0)))
        if code not in (0, None, "0"):
            message = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
            raise ImSendError(f"error {code}: {str(message)[:300]}")


class WeComTransport(ImTransport):
    name = kind = ImKind.WECOM.value

    def payload(self, target: ImTarget, notification: Notification) -> dict[str, Any]:
        return {"msgtype": "markdown", "markdown": {"content": markdown_of(notification)}}


class DingTalkTransport(ImTransport):
    name = kind = ImKind.DINGTALK.value

    def payload(self, target: ImTarget, notification: Notification) -> dict[str, Any]:
        return {"msgtype": "markdown", "markdown": {"title": notification.title, "text": markdown_of(notification)}}

    def request(self, target: ImTarget, body: bytes, *, idempotency_key: str) -> tuple[str, dict[str, str]]:
        if not target.secret:
            return target.url, {}
        timestamp = int(time.time() * 1000)
        return _with_query(target.url, f"timestamp={timestamp}&sign={dingtalk_sign(target.secret, timestamp)}"), {}


class FeishuTransport(ImTransport):
    name = kind = ImKind.FEISHU.value

    def payload(self, target: ImTarget, notification: Notification) -> dict[str, Any]:
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": text_of(notification)}}
        if target.secret:
            timestamp = int(time.time())
            payload = {"timestamp": str(timestamp), "sign": feishu_sign(target.secret, timestamp), **payload}
        return payload


class SlackTransport(ImTransport):
    name = kind = ImKind.SLACK.value

    def payload(self, target: ImTarget, notification: Notification) -> dict[str, Any]:
        return {"text": text_of(notification)}

    def check(self, response: requests.Response) -> None:
        return None  # Slack answers 200 "ok", errors with 4xx


class WebhookTransport(ImTransport):
    name = kind = ImKind.WEBHOOK.value

    def payload(self, target: ImTarget, notification: Notification) -> dict[str, Any]:
        return {
            "event": notification.kind,
            "title": notification.title,
            "body": notification.body,
            "url": absolute_url(notification.url),
            "ticket": notification.ticket_ref,
            "created_at": notification.created_at.isoformat(),
        }

    def request(self, target: ImTarget, body: bytes, *, idempotency_key: str) -> tuple[str, dict[str, str]]:
        headers = {"X-Idempotency-Key": idempotency_key} if idempotency_key else {}
        if target.secret:
            headers["X-Signature"] = body_signature(target.secret, body)
        return target.url, headers

    def check(self, response: requests.Response) -> None:
        return None


TRANSPORTS: tuple[ImTransport, ...] = (
    WeComTransport(),
    DingTalkTransport(),
    FeishuTransport(),
    SlackTransport(),
    WebhookTransport(),
)


def register() -> None:
    for transport in TRANSPORTS:
        register_transport(transport)


def transport_for(kind: str) -> ImTransport:
    transport = get_transport(kind)
    if not isinstance(transport, ImTransport):
        raise LookupError(f"no IM transport for {kind!r}")
    return transport

