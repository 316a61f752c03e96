"""The demo's CSAT data: answers in both languages, one low rating with its follow-up."""

from __future__ import annotations

import pytest

from aftersales.core import clock
from aftersales.demo import feedback_csat
from aftersales.feedback.csat import FOLLOWUP_SOURCE
from aftersales.feedback.models import CsatRequest
from aftersales.people.models import Team
from aftersales.testing.factories import make_contact, make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_demo_answers_in_both_languages_and_one_low_rating_with_follow_up(personas):
    Team.objects.create(name="Demo team", lead=personas.lead).members.add(personas.agent)
    contacts = [
        make_contact(personas.customer, "Lin Qiu", email="lin.qiu@starriver.example", language="zh-hans"),
        make_contact(personas.customer, "Amy Stone", email="amy.stone@starriver.example", language="en"),
    ]
    for n in range(8):
        ticket = make_ticket(
            f"Demo ticket {n}", customer=personas.customer, contact=contacts[n % 2], owner=personas.agent
        )
        actions.change_status(ticket=ticket, status="resolved", actor=personas.agent)

    result = feedback_csat.load(now=clock.now(), users={}, customers={"starriver": personas.customer})

    assert result["requests"] == 8 and result["answered"] >= 4
    answered = CsatRequest.objects.filter(rating__isnull=False)
    assert {request.language for request in answered} == {"zh-hans", "en"}
    chinese = answered.filter(language="zh-hans").exclude(comment="").first()
    assert chinese is not None and chinese.comment.startswith(("处理", "问题", "工程", "感谢", "等了"))
    followup = Ticket.objects.get(source_kind=FOLLOWUP_SOURCE)
    assert followup.ref == result["followup"] and followup.owner == personas.lead
    assert CsatRequest.objects.get(ticket__ref=result["low_ticket"]).rating == 2
