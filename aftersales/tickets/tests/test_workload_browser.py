"""A lead sets up a routing rule in the UI; a ticket opened in the UI is routed by it, and the
workload page shows it (real Chromium, Playwright)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from aftersales.testing.browser import sign_in
from aftersales.testing.factories import make_customer, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

def sign_out(page) -> None:
    page.locator(".user-menu summary").click()
    page.get_by_test_id("sign-out").click()


def test_lead_routes_fraud_reports_and_sees_the_workload(page, live_server):
    make_user("han.pengshuai", role="lead", display_name="Han Pengshuai", language="en")
    make_user("li.heping", role="agent", display_name="Li Heping", language="en")
    make_user("yang.meng", role="agent", display_name="Yang Meng", language="en")
    make_customer("starriver", "Starriver Tech")

    sign_in(page, live_server, "han.pengshuai")
    page.get_by_test_id("routing-link").click()
    page.get_by_test_id("new-rule").click()
    out = Path(os.environ.get("AFTERSALES_SCREENSHOT_DIR", settings.VAR_DIR / "screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "routing-rule-form.png"), full_page=True)
    form = page.get_by_test_id("rule-form")
    form.get_by_label("Name", exact=True).fill("Fraud desk")
    form.get_by_label("Keywords", exact=True).fill("盗刷, fraud")
    form.get_by_label("Strategy", exact=True).select_option("fixed")
    form.get_by_label("Owner", exact=True).select_option(label="Yang Meng")
    form.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/routing/rules/$"))
    assert "Fraud desk" in page.get_by_test_id("rule-table").inner_text()
    sign_out(page)

    sign_in(page, live_server, "li.heping")
    page.get_by_test_id("new-ticket-link").click()
    form = page.get_by_test_id("new-ticket-form")
    form.get_by_label("Channel", exact=True).select_option("phone")
    form.get_by_label("Customer", exact=True).select_option(label="Starriver Tech (starriver)")
    form.get_by_label("Owner", exact=True).select_option(label="— unassigned —")
    form.get_by_label("Subject", exact=True).fill("客户反馈疑似盗刷")
    page.get_by_test_id("new-ticket-submit").click()
    page.wait_for_url(re.compile(r"/tickets/AS-\d{6}/$"))
    assert "System assigned the ticket to Yang Meng (Fraud desk)" in page.locator("body").inner_text()
    sign_out(page)

    sign_in(page, live_server, "han.pengshuai")
    page.get_by_test_id("workload-link").click()
    row = page.locator('[data-agent="yang.meng"]')
    assert row.locator('[data-column="open"]').inner_text() == "1"
    assert page.locator('[data-agent="li.heping"] [data-column="open"]').inner_text() == "0"
    page.screenshot(path=str(out / "workload.png"), full_page=True)
    page.get_by_test_id("routing-link").click()
    page.screenshot(path=str(out / "routing-rules.png"), full_page=True)
