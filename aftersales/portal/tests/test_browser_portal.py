"""A customer contact works a ticket in the portal while an agent answers it on the desk (real Chromium)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from aftersales.testing.browser import sign_in
from aftersales.testing.factories import make_contact, make_customer, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LINK = re.compile(r"https?://\S+/portal/link/\S+/")


def test_contact_opens_a_ticket_agent_answers_contact_sees_it(page, chromium, live_server):
    make_user("li.heping", role="agent", display_name="Li Heping", language="en")
    master = make_customer("starriver", "Starriver Tech")
    make_contact(master, "Zhou Min", email="zhou.min@starriver.example", language="en")
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)

    # The contact asks for a one-time link and follows it from the email.
    page.goto(f"{live_server.url}/portal/")
    page.get_by_test_id("portal-link-form").get_by_label("Email address").fill("zhou.min@starriver.example")
    page.get_by_test_id("portal-send-link").click()
    page.get_by_test_id("portal-link-sent").wait_for()
    assert len(mail.outbox) == 1
    link = LINK.search(str(mail.outbox[0].body))
    assert link, mail.outbox[0].body
    page.goto(link.group(0))
    page.get_by_test_id("portal-link-continue").click()
    page.wait_for_url(re.compile(r"/portal/tickets/$"))
    assert "No tickets yet." in page.get_by_test_id("portal-empty").inner_text()
    assert page.get_by_test_id("portal-contact").inner_text() == "Zhou Min"

    # She opens a ticket.
    page.get_by_test_id("portal-new-ticket").click()
    page.get_by_label("Subject").fill("Delivery reports stopped")
    page.get_by_label("How can we help?").fill("Since 9:00 no DLRs arrive for our Vietnam traffic.")
    page.get_by_test_id("portal-new-submit").click()
    page.wait_for_url(re.compile(r"/portal/tickets/AS-\d{6}/$"))
    ref = page.get_by_test_id("portal-ticket-ref").inner_text()
    assert page.get_by_test_id("portal-detail-status").inner_text() == "New"

    # The agent answers on the desk, in another browser session.
    desk_context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    desk = desk_context.new_page()
    desk.set_default_timeout(10_000)
    try:
        sign_in(desk, live_server, "li.heping")
        desk.goto(f"{live_server.url}/tickets/{ref}/")
        assert desk.get_by_test_id("ticket-subject").inner_text() == "Delivery reports stopped"
        desk.get_by_test_id("composer-kind-note").check()
        desk.get_by_test_id("reply-box").fill("Internal: vendor Hanoi-2 route down, ticket V-778.")
        desk.get_by_test_id("send-button").click()
        desk.wait_for_load_state()
        desk.get_by_test_id("composer-kind-reply").check()
        desk.get_by_test_id("reply-box").fill("We found the cause at our vendor; reports will resume within the hour.")
        desk.get_by_test_id("send-button").click()
        desk.locator('[data-testid="timeline-entry"][data-kind="out"]', has_text="reports will resume").wait_for()
    finally:
        desk_context.close()

    # The contact sees the answer — and not the internal note.
    page.reload()
    answer = page.locator('[data-testid="portal-entry"][data-kind="out"]')
    assert "reports will resume within the hour" in answer.inner_text()
    assert "Li Heping" in answer.inner_text()
    body = page.locator("body").inner_text()
    assert "vendor Hanoi-2" not in body and "Internal" not in body
    assert page.get_by_test_id("portal-detail-status").inner_text() == "Open"
    out = Path(os.environ.get("AFTERSALES_SCREENSHOT_DIR", settings.VAR_DIR / "screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "portal.png"), full_page=True)

    # She thanks them and closes it.
    page.get_by_test_id("portal-reply-box").fill("Thanks, it works again.")
    page.get_by_test_id("portal-reply-send").click()
    page.locator('[data-testid="portal-entry"][data-kind="in"]', has_text="it works again").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("portal-close").click()
    page.get_by_test_id("portal-closed-notice").wait_for()
    assert page.get_by_test_id("portal-detail-status").inner_text() == "Closed"
    page.goto(f"{live_server.url}/portal/tickets/")
    row = page.locator(f'[data-testid="portal-ticket-row"][data-ref="{ref}"]')
    assert row.get_by_test_id("portal-ticket-status").inner_text() == "Closed"
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
