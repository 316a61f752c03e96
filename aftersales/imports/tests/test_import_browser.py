"""A lead imports an old log on the web; the import runs in the background and its page follows it
without a reload until the summary is there (real Chromium, Playwright)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from aftersales.imports import tasks
from aftersales.imports.models import ImportRun
from aftersales.testing.browser import sign_in
from aftersales.testing.factories import make_user
from aftersales.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CSV = (
    "日期,客户,问题描述,处理人,状态\n"
    "2025/3/5,Bluewave Games,送达率下降,小李,已解决\n"
    "2025/3/6,Moonlit Farm,余额不足,,处理中\n"
)


def test_a_web_import_runs_in_the_background_and_its_page_follows_it(page: Any, live_server: Any, settings: Any,
                                                                     tmp_path: Path) -> None:  # fmt: skip
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # the queue; no worker
    lead = make_user("han.pengshuai", role="lead", display_name="Han Pengshuai", language="en")
    log = tmp_path / "ops-2025.csv"
    log.write_text(CSV, encoding="utf-8")

    sign_in(page, live_server, "han.pengshuai")
    page.goto(f"{live_server.url}/imports/")
    page.get_by_label("Log files").set_input_files(str(log))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url(re.compile(r"/imports/runs/\d+/preview/$"))
    page.get_by_test_id("import-button").click()
    page.wait_for_url(re.compile(r"/imports/runs/\d+/$"))
    progress = page.get_by_test_id("run-progress")
    assert "Waiting for a task worker" in progress.inner_text()
    assert page.get_by_test_id("run-summary").inner_text().startswith("0 rows")

    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.QUEUED and not Ticket.objects.exists()
    tasks.import_files.call(run.pk, lead.pk)  # the worker's turn
    summary = page.get_by_test_id("run-summary")
    summary.filter(has_text="2 rows = 2 imported").wait_for(timeout=10_000)  # the page polls: no reload
    assert page.get_by_test_id("run-progress").count() == 0
    assert "Moonlit Farm" in page.get_by_test_id("run-provisional").inner_text()
    assert page.get_by_test_id("rerun-link").is_visible()


@pytest.mark.parametrize("path", ["/imports/", "/imports/quarantine/", "/imports/customers/", "/tickets/"])
def test_pages_fit_a_phone_without_scrolling_sideways(page: Any, live_server: Any, path: str) -> None:
    make_user("han.pengshuai", role="lead", display_name="Han Pengshuai", language="zh-hans")
    sign_in(page, live_server, "han.pengshuai")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{path}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
    assert page.get_by_role("navigation", name="队列").is_visible()  # the sidebar's links are still there
