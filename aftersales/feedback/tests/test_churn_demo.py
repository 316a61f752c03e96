"""Issue 8, "done when" (part): with the demo loaded, a churn-risk customer is listed with its reasons.

The demo is loaded at a fixed moment (as in tests/test_issue7_done_when.py), so what it shows does not
depend on when the test runs: Suda Logistics (速达物流) is at high risk — its traffic fell from the 8-week
baseline, nobody checked in for weeks, its last survey answer was a detractor's — and most customers
are low.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command

from aftersales.feedback import churn
from aftersales.feedback.tests.html import parse
from aftersales.people.models import AgentProfile

pytestmark = pytest.mark.django_db

LOADED = dt.datetime(2026, 11, 25, 2, 16, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _weekday_morning() -> Any:
    with time_machine.travel(LOADED, tick=False):
        yield


def _reasons(row: Any) -> list[str]:
    return [r.get_text(strip=True).rsplit(" +", 1)[0] for r in row.select("[data-testid=churn-reason]")]


def test_the_demo_lists_a_high_risk_master_with_its_reasons_in_english_and_chinese(client: Any) -> None:
    call_command("demo", "--tickets", "40", stdout=io.StringIO(), stderr=io.StringIO())
    agent = User.objects.get(username="demo-agent")
    AgentProfile.objects.filter(user=agent).update(language="en")
    client.force_login(agent)

    risks = churn.assess()
    levels = [risk.level for risk in risks]
    assert levels.count("low") > len(risks) / 2, "most customers are low"

    soup = parse(client.get("/feedback/churn/?level=high").content)
    [row] = soup.select("[data-testid=churn-row]")
    assert row["data-customer"] == "suda"
    assert row.select_one("[data-testid=churn-level]")["data-level"] == "high"
    assert "速达物流 Suda Logistics" in row.get_text()
    reasons = _reasons(row)
    assert len(reasons) >= 2
    assert reasons[0].startswith("Traffic down 6") and "vs the 8-week baseline" in reasons[0]
    assert "No check-in for 48 days (plan: every 14 days)" in reasons
    assert "NPS detractor: lowest survey score 4 / 10 in the last 180 days (1 answer)" in reasons

    panel = parse(client.get("/panels/customer/feedback-churn/suda/", headers={"HX-Request": "true"}).content)
    assert panel.select_one("[data-testid=churn-level]")["data-level"] == "high"
    assert "2 sub-accounts included" in panel.get_text()

    AgentProfile.objects.filter(user=agent).update(language="zh-hans")
    soup = parse(client.get("/feedback/churn/?level=high").content)
    [row] = soup.select("[data-testid=churn-row]")
    assert row["data-customer"] == "suda" and "高" in row.select_one("[data-testid=churn-level]").get_text()
    reasons = _reasons(row)
    assert reasons[0].startswith("流量较 8 周基线下降 6")
    assert "48 天没有回访（计划：每 14 天）" in reasons
    assert "NPS 贬损者：近 180 天问卷最低分 4 / 10（共 1 份回答）" in reasons
