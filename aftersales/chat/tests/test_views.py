"""The lead pages: channels and IM targets, secrets never shown, "send test" through the outbox."""

from __future__ import annotations

from typing import Any

import pytest

from aftersales.audit.models import AuditEntry
from aftersales.chat.models import ChatChannel, ImTarget
from aftersales.chat.tests.conftest import ImServer
from aftersales.chat.tests.helpers import make_channel
from aftersales.core import clock
from aftersales.notify.models import DeliveryState

pytestmark = pytest.mark.django_db


def test_a_lead_adds_a_channel_and_the_secret_is_never_shown_again(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    response = client.post(
        "/chat/channels/new/",
        {
            "name": "Starriver WeCom", "slug": "wecom-starriver", "kind": "wecom",
            "secret": "bridge-secret-0123456789", "customer": personas.customer.pk, "is_active": "on",
        },
    )
    assert response.status_code == 302
    channel = ChatChannel.objects.get()
    assert channel.secret == "bridge-secret-0123456789"
    assert channel.customer == personas.customer
    page = client.get("/chat/").content.decode()
    assert "Starriver WeCom" in page
    assert "/hooks/chat/wecom-starriver" in page
    edit = client.get(f"/chat/channels/{channel.pk}/edit/").content.decode()
    assert "bridge-secret" not in edit
    # saving without a secret keeps it
    client.post(f"/chat/channels/{channel.pk}/edit/", {"name": "Renamed", "slug": "wecom-starriver", "kind": "wecom"})
    channel.refresh_from_db()
    assert channel.name == "Renamed"
    assert channel.secret == "bridge-secret-0123456789"
    entry = AuditEntry.objects.filter(action="chat.channel.save").last()
    assert entry is not None
    assert "bridge-secret" not in str(entry.before) + str(entry.after)


def test_a_new_channel_needs_a_long_secret_and_a_free_slug(client: Any, personas: Any) -> None:
    make_channel("taken")
    client.force_login(personas.lead)
    short = client.post("/chat/channels/new/", {"name": "A", "slug": "a", "kind": "wecom", "secret": "short"})
    assert short.status_code == 400
    assert "at least 16 characters" in short.content.decode()
    taken = client.post(
        "/chat/channels/new/", {"name": "B", "slug": "taken", "kind": "wecom", "secret": "x" * 20}
    )
    assert taken.status_code == 400
    assert "already uses" in taken.content.decode()


def test_send_test_goes_through_the_outbox_to_the_target(
    client: Any, personas: Any, im_server: ImServer, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(personas.lead)
    response = client.post(
        "/chat/targets/new/",
        {
            "name": "Card team robot", "kind": "wecom", "url": f"{im_server.url}/cgi-bin/webhook/send?key=1",
            "events": ["assignment", "breach"], "language": "en", "is_active": "on",
        },
    )
    assert response.status_code == 302
    target = ImTarget.objects.get()
    assert target.events == ["assignment", "breach"]
    with django_capture_on_commit_callbacks(execute=True):
        tested = client.post(f"/chat/targets/{target.pk}/test/", follow=True)
    page = tested.content.decode()
    assert "is on its way" in page
    (request,) = im_server.requests
    assert request.json["msgtype"] == "markdown"
    assert "Test message from the after-sales desk" in request.json["markdown"]["content"]
    delivery = target.deliveries.get().delivery
    assert delivery.state == DeliveryState.SENT
    detail = client.get(f"/chat/targets/{target.pk}/edit/").content.decode()
    assert "Test message from the after-sales desk" in detail
    assert "Sent" in detail


def test_a_failing_target_shows_the_error(
    client: Any, personas: Any, im_server: ImServer, django_capture_on_commit_callbacks: Any
) -> None:
    im_server.answers = [(200, b'{"errcode":93000,"errmsg":"invalid webhook url"}')]
    target = ImTarget.objects.create(kind="wecom", name="Broken", url=im_server.url + "/x", created_at=clock.now())
    client.force_login(personas.lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/chat/targets/{target.pk}/test/")
    overview = client.get("/chat/").content.decode()
    assert "invalid webhook url" in overview
    assert "Pending" in overview


def test_secret_of_a_target_kept_cleared_and_never_shown(client: Any, personas: Any) -> None:
    target = ImTarget.objects.create(
        kind="dingtalk", name="Ding", url="https://oapi.dingtalk.example/robot/send?access_token=t",
        secret="SECabcdef123456", created_at=clock.now(),
    )
    client.force_login(personas.lead)
    page = client.get(f"/chat/targets/{target.pk}/edit/").content.decode()
    assert "SECabcdef123456" not in page
    assert "Remove the signing secret" in page
    data = {"name": "Ding", "kind": "dingtalk", "url": target.url, "language": "zh-hans"}
    client.post(f"/chat/targets/{target.pk}/edit/", data)
    target.refresh_from_db()
    assert target.secret == "SECabcdef123456"
    client.post(f"/chat/targets/{target.pk}/edit/", {**data, "clear_secret": "on"})
    target.refresh_from_db()
    assert target.secret == ""


def test_agents_and_viewers_read_without_buttons(client: Any, personas: Any) -> None:
    make_channel()
    ImTarget.objects.create(
        kind="slack", name="Slack #support", url="https://hooks.slack.example/x", created_at=clock.now()
    )
    for user in (personas.agent, personas.viewer):
        client.force_login(user)
        page = client.get("/chat/").content.decode()
        assert "Starriver WeCom group" in page
        assert "Slack #support" in page
        assert "New IM target" not in page
        assert "Send test" not in page
        assert client.get("/chat/targets/new/").status_code == 403


def test_lead_deletes_a_target(client: Any, personas: Any) -> None:
    target = ImTarget.objects.create(
        kind="slack", name="Old", url="https://hooks.slack.example/x", created_at=clock.now()
    )
    client.force_login(personas.lead)
    assert client.post(f"/chat/targets/{target.pk}/delete/").status_code == 302
    assert not ImTarget.objects.exists()


def test_failed_inbound_messages_are_listed_for_leads(client: Any, personas: Any) -> None:
    from aftersales.chat.tests.helpers import post

    channel = make_channel()
    post(client, channel.slug, b"{not json")
    client.force_login(personas.lead)
    page = client.get("/chat/").content.decode()
    assert "body is not JSON" in page
