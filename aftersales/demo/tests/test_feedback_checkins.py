"""The demo's check-ins and past survey (``demo.feedback_checkins``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from aftersales.demo import feedback_checkins
from aftersales.feedback import checkins, surveys
from aftersales.feedback.models import Checkin, Survey
from aftersales.testing.factories import make_contact, make_customer, make_user

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)


def test_the_demo_has_overdue_checkins_and_a_closed_survey_with_answers() -> None:
    agent = make_user("demo-agent", role="agent")
    lead = make_user("demo-lead", role="lead")
    customers = {}
    for code, name, email in [
        ("starriver", "星河科技 Starriver Tech", "zhou.min@starriver.example"),
        ("suda", "速达物流 Suda Logistics", "ma.jianguo@suda.example"),
        ("moonlight", "MoonLight Studio", "harriet.cole@moonlight.example"),
        ("yunfan", "云帆出行 Yunfan Mobility", "he.wei@yunfan.example"),
        ("kaito-pay", "Kaito Pay", "priya.raman@kaitopay.example"),
    ]:
        customers[code] = make_customer(code, name, account_manager=agent)
        make_contact(customers[code], name.split()[0], email=email, is_primary=True)
    with feedback_checkins.clock.moving(NOW):
        result: dict[str, Any] = feedback_checkins.load(
            now=NOW, users={"demo-agent": agent, "demo-lead": lead}, customers=customers
        )
    assert result["overdue"] == ["moonlight", "suda", "yunfan"]
    assert result["plans"] == 5
    assert Checkin.objects.filter(source="import").count() == 2
    assert not Checkin.objects.filter(customer__code="yunfan").exists()
    survey = Survey.objects.get()
    assert not survey.is_open(NOW)
    figures = surveys.nps_figures(survey.invitations.all())
    assert (figures.answered, result["answers"]) == (4, 4)  # Kaito Pay did not answer
    assert figures.nps == -25  # promoters 1 (9), passives 1 (7), detractors 2 (4, 6): (1 - 2) / 4
    assert [plan.customer.code for plan in checkins.plans(overdue_only=True, today=checkins.desk_today(NOW))] == [
        "yunfan",
        "suda",
        "moonlight",
    ]
