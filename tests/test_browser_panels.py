"""Panels load lazily in a real browser, and a panel that fails says so instead of spinning."""

from __future__ import annotations

from typing import Any

import pytest

from aftersales.core import panels
from aftersales.testing.browser import sign_in
from aftersales.testing.factories import make_customer, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _broken(request: Any, ref: str) -> dict[str, Any]:
    raise RuntimeError("the vendor API is down")


@pytest.fixture
def broken_panel():
    panel = panels.register_panel(
        panels.Panel(key="broken", title="Broken", page="customer", template_name="core/_panel.html", context=_broken)
    )
    yield panel
    panels._panels.pop(("customer", "broken"), None)


def test_customer_page_loads_its_panels_and_reports_a_failing_one(page, live_server, broken_panel):
    make_user("li.heping", role="agent", display_name="Li Heping", language="en")
    make_customer("kaito", "Kaito Pay")
    sign_in(page, live_server, "li.heping")

    page.goto(f"{live_server.url}/customers/kaito/")
    tickets_panel = page.get_by_test_id("panel-tickets")
    tickets_panel.get_by_text("No tickets for this account yet.").wait_for()
    broken = page.get_by_test_id("panel-broken")
    broken.get_by_role("alert").wait_for()
    assert "could not be loaded" in broken.inner_text()
