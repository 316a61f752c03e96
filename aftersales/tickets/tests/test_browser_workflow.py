"""A person works a ticket end to end in a real Chromium (Playwright), in English and in 中文."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from aftersales.testing.browser import sign_in
from aftersales.testing.factories import make_contact, make_customer, make_user
from aftersales.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def test_agent_works_a_ticket_for_a_subaccount_end_to_end(page, live_server):
    make_user("li.heping", role="agent", display_name="Li Heping", language="en")
    master = make_customer("starriver", "Starriver Tech")
    sub = make_customer("starriver-sub3", "Starriver Sub-account 3", parent=master)
    make_contact(sub, "Zhou Min", phone="+8613800138000")

    sign_in(page, live_server, "li.heping")
    page.get_by_test_id("new-ticket-link").click()
    form = page.get_by_test_id("new-ticket-form")
    form.get_by_label("Channel", exact=True).select_option("phone")
    form.get_by_label("Customer", exact=True).select_option(
        label="Starriver Tech › Starriver Sub-account 3 (starriver-sub3)"
    )
    # The contact list fetches the chosen customer's contacts (there were none to pick before).
    contact = form.get_by_label("Contact", exact=True)
    contact.locator("option", has_text="Zhou Min").wait_for(state="attached")
    contact.select_option(label="Zhou Min — Starriver Tech › Starriver Sub-account 3")
    form.get_by_label("Owner", exact=True).select_option(label="— unassigned —")
    form.get_by_label("Subject", exact=True).fill("Sub-account 3 cannot send to Vietnam")
    form.get_by_label("What the customer said", exact=True).fill(
        "Phone call: every message to +84 fails since this morning."
    )
    page.get_by_test_id("new-ticket-submit").click()

    page.wait_for_url(re.compile(r"/tickets/AS-\d{6}/$"))
    ref = page.get_by_test_id("ticket-ref").inner_text()
    assert page.get_by_test_id("ticket-status").inner_text() == "New"
    assert "Starriver Sub-account 3" in page.get_by_test_id("customer-panel").inner_text()
    contact_set = Ticket.objects.get(ref=ref).contact
    assert contact_set is not None and contact_set.name == "Zhou Min"

    page.get_by_test_id("composer-kind-reply").check()
    page.get_by_test_id("reply-box").fill("We are checking the Vietnamese route with the vendor.")
    page.get_by_test_id("send-button").click()
    page.wait_for_load_state()
    expect_entry(page, "out", "We are checking the Vietnamese route")

    page.get_by_test_id("assign-to-me").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("ticket-owner").inner_text() == "Li Heping"

    status_form = page.get_by_test_id("status-form")
    assert not status_form.get_by_test_id("resolution-summary").is_visible()  # asked only when resolving
    status_form.get_by_label("Status", exact=True).select_option("resolved")
    status_form.get_by_test_id("status-save").click()
    page.wait_for_load_state()
    # Resolving needs a summary and a root cause: the form says so and the ticket stays open.
    assert "Write a short resolution summary" in page.get_by_test_id("status-form").inner_text()
    assert page.get_by_test_id("ticket-status").inner_text() != "Resolved"
    status_form = page.get_by_test_id("status-form")
    status_form.get_by_test_id("resolution-summary").fill("Vendor moved the Vietnamese traffic to a backup route.")
    status_form.get_by_test_id("resolution-root-cause").select_option(label="Vendor / carrier")
    status_form.get_by_test_id("resolution-need").fill("Warn them when a carrier route degrades.")
    status_form.get_by_test_id("status-save").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("ticket-status").inner_text() == "Resolved"
    assert "Vendor / carrier" in page.get_by_test_id("ticket-resolution").inner_text()

    entries = page.get_by_test_id("timeline-entry")
    texts = [entries.nth(i).inner_text() for i in range(entries.count())]
    joined = "\n".join(texts)
    assert "We are checking the Vietnamese route" in joined
    assert re.search(r"Li Heping .*(assigned|owner)", joined, re.IGNORECASE), joined
    assert "Resolved" in joined
    # Every step carries its time.
    assert all(STAMP.search(text) for text in texts), texts

    # The ticket is in the queue under its reference.
    page.goto(f"{live_server.url}/tickets/?view=all")
    assert page.locator(f'[data-testid="queue-row"][data-ref="{ref}"]').count() == 1


def expect_entry(page, kind: str, text: str) -> None:
    entry = page.locator(f'[data-testid="timeline-entry"][data-kind="{kind}"]', has_text=text)
    entry.first.wait_for()
    assert STAMP.search(entry.first.inner_text())


def test_switching_the_ui_to_chinese(page, live_server):
    from django.core.management import call_command

    call_command("demo", tickets=40, stdout=open(os.devnull, "w"))  # noqa: SIM115
    make_user("ada", role="agent", display_name="Ada Brennan", language="en")

    sign_in(page, live_server, "ada")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator(".user-menu summary").click()  # the switch lives in the user menu
    page.get_by_test_id("language-switch").first.select_option("zh-hans")
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    page.goto(f"{live_server.url}/tickets/?view=all")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    body = page.locator("body").inner_text()
    for word in ("工单", "客户", "状态", "优先级"):
        assert word in body, word
    for english in ("Sign out", "New ticket", "Unassigned"):
        assert english not in body, english

    # The README's screenshot comes from this run (a CJK font makes 中文 render).
    out = Path(os.environ.get("AFTERSALES_SCREENSHOT_DIR", settings.VAR_DIR / "screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "screenshot.png"))
