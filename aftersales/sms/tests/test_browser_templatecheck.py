"""The template checker in a real Chromium: the result follows the text as it is typed (htmx),
and the form still works as a plain POST."""

from __future__ import annotations

import re

import pytest

from aftersales.sms.tests.test_templatecheck import CHINESE_OTP
from aftersales.testing.browser import sign_in
from aftersales.testing.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

def test_result_updates_while_typing_and_explains_the_chinese_otp(page, live_server):
    make_user("li.heping", role="agent", display_name="Li Heping", language="en")
    sign_in(page, live_server, "li.heping")
    page.get_by_test_id("template-check-link").click()
    page.wait_for_url(re.compile(r"/sms/template-check/"))
    assert page.get_by_test_id("check-empty").is_visible()

    page.get_by_label("Country", exact=True).select_option("CN")
    page.get_by_label("Purpose").select_option("otp")
    page.get_by_test_id("template-text").fill(CHINESE_OTP)
    page.get_by_test_id("check-segments").filter(has_text="2").wait_for()  # no click: htmx swapped the result in
    assert page.get_by_test_id("check-encoding").inner_text() == "UCS-2"
    assert page.get_by_test_id("check-part").count() == 2
    findings = page.get_by_test_id("check-findings").inner_text()
    assert "Public link shortener bit.ly" in findings
    assert "sent as 2 parts" in findings
    assert page.url.endswith("/sms/template-check/")

    page.get_by_test_id("template-text").fill("Your code is 123456 \u2014 don\u2019t share it")
    page.get_by_test_id("check-encoding").filter(has_text="UCS-2").wait_for()
    page.locator("mark.check-mark").first.wait_for()
    assert page.locator("mark.check-mark").count() == 2
    assert page.get_by_test_id("check-suggested").inner_text() == "Your code is 123456 - don't share it"

    page.get_by_test_id("template-check-submit").click()  # the plain POST renders the whole page
    page.get_by_test_id("check-summary").wait_for()
    assert page.get_by_test_id("template-text").input_value() == "Your code is 123456 \u2014 don\u2019t share it"
