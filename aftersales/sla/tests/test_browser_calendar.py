"""A lead enters next year's 调休 in a real browser; the year view shows it, CSP holds."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from aftersales.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_lead_enters_a_make_up_saturday_in_the_year_view(
    page: Any, live_server: Any, personas: Any, tmp_path: Any
) -> None:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    # personas.lead, signed in through the form
    sign_in(page, live_server, "han.pengshuai")

    page.get_by_role("link", name="Business calendars").click()
    page.get_by_test_id("calendar-row").get_by_role("link", name="China (Asia/Shanghai) 09:00-18:00").click()
    page.goto(page.url + "?year=2027")
    year = page.get_by_test_id("year-view")
    assert year.get_by_role("table").count() == 12
    saturday = page.locator('td[data-date="2027-02-20"]')
    assert saturday.get_attribute("data-kind") == "weekend"

    form = page.get_by_test_id("override-form")
    form.get_by_label("Date").fill("2027-02-20")
    form.get_by_label(re.compile("a working day")).check()
    form.get_by_label("Note").fill("Spring Festival make-up")
    form.get_by_role("button", name="Add override").click()
    page.get_by_text("is now a working day").wait_for()

    saturday = page.locator('td[data-date="2027-02-20"]')
    assert saturday.get_attribute("data-kind") == "makeup"
    assert "make-up workday: Spring Festival make-up" in saturday.inner_text() + saturday.text_content()
    # the mark is visible text, not colour only
    assert saturday.locator(".day-mark").is_visible()
    colours = page.evaluate("""() => ['work', 'weekend', 'holiday', 'makeup'].map(kind =>
        getComputedStyle(document.querySelector(`td[data-kind=${kind}]`)).backgroundColor)""")
    assert len(set(colours)) == 4, colours
    page.screenshot(path=os.fspath(tmp_path / "year-view.png"), full_page=True)
    assert not [text for text in problems if "Content Security Policy" in text], problems
