from __future__ import annotations

import json
import time
from typing import Any

from aftersales.chat.inbound import sign
from aftersales.chat.models import ChatChannel
from aftersales.core import clock

SECRET = "s3cret-bridge-key-0123456789"


def make_channel(slug: str = "wecom-starriver", **extra: Any) -> ChatChannel:
    extra.setdefault("name", "Starriver WeCom group")
    extra.setdefault("kind", "wecom")
    return ChatChannel.objects.create(slug=slug, secret=SECRET, created_at=clock.now(), **extra)


def chat_body(**fields: Any) -> bytes:
    data = {
        "sender_id": "li.hua",
        "sender_name": "李华",
        "text": "短信发送到越南全部失败\n从今天上午开始",
        "conversation_id": "conv-1",
        "timestamp": int(time.time()),
        "message_id": "m-1",
    }
    data.update(fields)
    data = {key: value for key, value in data.items() if value is not None}
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def post(client: Any, slug: str, body: bytes, *, secret: str | None = SECRET, signature: str | None = None) -> Any:
    headers = {}
    if signature is not None:
        headers["X-Signature"] = signature
    elif secret is not None:
        headers["X-Signature"] = sign(secret, body)
    return client.post(f"/hooks/chat/{slug}", data=body, content_type="application/json", headers=headers)
