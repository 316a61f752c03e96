"""A lead adds a WeCom robot in a real browser and presses "Send test"; CSP holds."""

from __future__ import annotations

import os
from typing import Any

import pytest

from aftersales.chat.tests.conftest import ImServer
from aftersales.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_lead_adds_a_wecom_robot_and_sends_a_test(
    page: Any, live_server: Any, personas: Any, im_server: ImServer, tmp_path: Any
) -> None:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server, "han.pengshuai")

    page.get_by_test_id("chat-link").click()
    page.get_by_test_id("new-target").click()
    form = page.get_by_test_id("target-form")
    form.get_by_label("Name").fill("卡业务支持群")
    form.get_by_label("Kind").select_option("wecom")
    form.get_by_label("Webhook address").fill(f"{im_server.url}/cgi-bin/webhook/send?key=demo")
    form.get_by_label("Ticket assigned").check()
    form.get_by_label("Language").select_option("en")
    form.get_by_role("button", name="Save").click()
    page.get_by_text("Saved IM target").wait_for()

    row = page.get_by_test_id("target-row").filter(has_text="卡业务支持群")
    row.get_by_test_id("send-test").click()
    page.get_by_text("is on its way").wait_for()
    delivery = page.get_by_test_id("delivery-row")
    assert "Test message from the after-sales desk" in delivery.inner_text()
    assert "Sent" in delivery.inner_text()
    (request,) = im_server.requests
    assert request.json["msgtype"] == "markdown"
    page.screenshot(path=os.fspath(tmp_path / "im-target.png"), full_page=True)
    page.get_by_test_id("chat-link").click()
    page.get_by_test_id("new-channel").click()
    form = page.get_by_test_id("channel-form")
    form.get_by_label("Name").fill("Starriver WeCom bridge")
    form.get_by_label("Slug").fill("wecom-starriver")
    form.get_by_label("IM", exact=True).select_option("wecom")
    form.get_by_label("Signing secret").fill("bridge-secret-0123456789")
    form.get_by_role("button", name="Save").click()
    page.get_by_text("Saved chat channel").wait_for()
    channel = page.get_by_test_id("channel-row")
    assert "/hooks/chat/wecom-starriver" in channel.inner_text()
    page.screenshot(path=os.fspath(tmp_path / "chat-overview.png"), full_page=True)
    assert not [text for text in problems if "Content Security Policy" in text], problems
