"""Done when: a chat message opens a ticket and a WeCom-style webhook receives the assignment
notice (a local HTTP server on 127.0.0.1 stands in for WeCom)."""

from __future__ import annotations

from typing import Any

import pytest

from aftersales.chat.models import ImTarget
from aftersales.chat.tests.conftest import ImServer
from aftersales.chat.tests.helpers import chat_body, make_channel, post
from aftersales.core import clock
from aftersales.notify.models import Delivery, DeliveryState
from aftersales.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_chat_message_opens_a_ticket_and_wecom_receives_the_assignment(
    client: Any, personas: Any, im_server: ImServer, django_capture_on_commit_callbacks: Any
) -> None:
    ImTarget.objects.create(
        kind="wecom",
        name="Support group robot",
        url=f"{im_server.url}/cgi-bin/webhook/send?key=693a91f6",
        events=["assignment"],
        language="en",
        created_at=clock.now(),
    )
    channel = make_channel(customer=personas.customer)

    # 1. the chat bridge posts a signed message: a ticket opens
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, channel.slug, chat_body(text="短信发送到越南全部失败"))
    assert response.status_code == 200
    ticket = Ticket.objects.get(ref=response.json()["ticket"])
    assert ticket.channel == "chat"
    assert ticket.owner is None
    assert im_server.requests == []  # nobody owns it yet: nothing to announce

    # 2. a lead assigns it in the agent UI
    client.force_login(personas.lead)
    with django_capture_on_commit_callbacks(execute=True):
        assigned = client.post(f"/tickets/{ticket.ref}/assign/", {"owner": personas.agent.pk, "team": ""})
    assert assigned.status_code in (200, 302)
    ticket.refresh_from_db()
    assert ticket.owner == personas.agent

    # 3. the WeCom-style webhook received the assignment notice, through the outbox
    (request,) = im_server.requests
    assert request.path == "/cgi-bin/webhook/send"
    assert request.query == {"key": ["693a91f6"]}
    assert request.json == {
        "msgtype": "markdown",
        "markdown": {
            "content": (
                f"**{ticket.ref} assigned to Li Heping**\n\n"
                "短信发送到越南全部失败 · Starriver Tech 星河科技 · P3\n\n"
                f"[{ticket.ref}](http://127.0.0.1:8000/tickets/{ticket.ref}/)"
            )
        },
    }
    delivery = Delivery.objects.get(im__target__name="Support group robot")
    assert delivery.state == DeliveryState.SENT
    assert delivery.transport == "wecom"
