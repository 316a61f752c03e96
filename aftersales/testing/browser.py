"""Steps the browser tests share (Playwright's ``page`` against pytest-django's ``live_server``)."""

from __future__ import annotations

import re
from typing import Any

from aftersales.testing import PASSWORD


def sign_in(page: Any, live_server: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real form (English or Chinese labels) and land on the ticket queue."""
    page.goto(f"{live_server.url}/")
    page.get_by_label(re.compile("Username|用户名")).fill(username)
    page.get_by_label(re.compile("Password|密码")).fill(password)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url(re.compile(r"/tickets/"))
