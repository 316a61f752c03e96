"""The demo's resolution notes and quality reviews."""

from __future__ import annotations

import pytest

from aftersales.core import clock
from aftersales.demo import feedback_quality
from aftersales.feedback import quality
from aftersales.feedback.models import QualityReview
from aftersales.testing.factories import make_contact, make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Category, Ticket

pytestmark = pytest.mark.django_db


def test_demo_fills_resolution_notes_in_the_tickets_language_and_leaves_a_sample(personas):
    zh = make_contact(personas.customer, "Lin Qiu", email="lin.qiu@starriver.example", language="zh-hans")
    en = make_contact(personas.customer, "Amy Stone", email="amy.stone@starriver.example", language="en")
    fraud = Category.objects.get(code="fraud")
    for n in range(12):
        ticket = make_ticket(
            f"Demo ticket {n}",
            customer=personas.customer,
            contact=(zh, en)[n % 2],
            owner=personas.agent,
            category=fraud if n == 0 else None,
        )
        actions.change_status(ticket=ticket, status="resolved", actor=personas.agent)

    result = feedback_quality.load(now=clock.now(), users={"demo-lead": personas.lead}, customers={})

    assert result["resolution_notes"] == 12 and result["quality_reviews"] == feedback_quality.REVIEWS
    assert not Ticket.objects.filter(root_cause__isnull=True).exists()
    first = Ticket.objects.get(subject="Demo ticket 0")
    assert first.root_cause is not None and first.root_cause.code == "fraud"
    assert first.resolution_summary.startswith("封禁")
    assert Ticket.objects.exclude(underlying_need="").count() == 4  # every third ticket
    assert Ticket.objects.get(subject="Demo ticket 1").resolution_summary == "Answered the customer's question."
    assert first.events.filter(kind="status").latest("id").after["resolution"]["root_cause"]["code"] == "fraud"
    assert QualityReview.objects.filter(reviewer=personas.lead).count() == feedback_quality.REVIEWS
    assert len(quality.sample(now=clock.now())) == 12 - feedback_quality.REVIEWS
