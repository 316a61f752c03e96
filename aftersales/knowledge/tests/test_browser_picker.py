"""The reply-template picker and the knowledge panel in a real Chromium (Playwright)."""

from __future__ import annotations

import pytest

from aftersales.knowledge.models import TicketSolution
from aftersales.testing.browser import sign_in
from aftersales.testing.factories import make_contact, make_customer, make_ticket, make_user
from aftersales.tickets.models import Category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

def test_alt_m_inserts_the_chinese_template_at_the_cursor_and_the_panel_marks_the_solution(page, live_server):
    make_user("li.heping", role="agent", display_name="Li Heping", language="en")
    customer = make_customer("starriver", "Starriver Tech")
    contact = make_contact(customer, "Zhou Min", language="zh-hans")
    ticket = make_ticket(
        "短信模板又被驳回了",
        customer=customer,
        contact=contact,
        description="我们提交的模板审核不通过，请帮忙看看怎么改。",
    )

    sign_in(page, live_server, "li.heping")
    page.goto(f"{live_server.url}/tickets/{ticket.ref}/")
    panel = page.get_by_test_id("panel-knowledge")
    suggestion = panel.get_by_test_id("suggested-article").first
    assert "短信模板被拒" in suggestion.inner_text()

    box = page.get_by_test_id("reply-box")
    box.fill("PS")
    box.press("Home")
    box.press("Alt+m")
    picker = page.get_by_test_id("macro-picker")
    picker.get_by_test_id("macro-filter").fill("模板被拒")
    options = picker.get_by_test_id("macro-option")
    assert options.first.get_attribute("lang") == "zh-hans"
    page.keyboard.press("Enter")
    value = box.input_value()
    assert value.startswith("Zhou Min，您好：")
    assert value.endswith("PS")  # inserted at the cursor, the rest kept
    assert page.get_by_test_id("reply-status").input_value() == "waiting_customer"
    assert box.evaluate("el => el === document.activeElement")
    note = page.get_by_test_id("macro-note")
    note.filter(has_text="Category set to").wait_for()  # the template's category, applied at once
    sender_id = Category.objects.get(code="sender-id")
    assert page.get_by_test_id("property-category").input_value() == str(sender_id.pk)
    ticket.refresh_from_db()
    assert ticket.category == sender_id

    page.get_by_test_id("macro-open").click()
    page.keyboard.press("Escape")
    assert not picker.is_visible()

    suggestion.get_by_test_id("mark-solved").click()
    page.wait_for_load_state()
    assert "Marked as solved with" in page.content()
    assert TicketSolution.objects.filter(ticket=ticket).count() == 1
