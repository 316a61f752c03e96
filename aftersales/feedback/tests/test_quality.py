"""Quality review (issue 8): the sample, the scorecard and the per-agent figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from aftersales.audit.models import AuditEntry
from aftersales.feedback import quality
from aftersales.feedback.models import QualityReview
from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC)
PAGE = "/feedback/quality/"
CARD = {
    "correct": "yes",
    "complete": "no",
    "root_cause_found": "yes",
    "tone": "4",
    "notes": "Good, but missed the refund.",
}


def resolved(personas: Any, subject: str, *, owner: Any = None, days_ago: float = 1) -> Ticket:
    at = NOW - dt.timedelta(days=days_ago)
    with time_machine.travel(at, tick=False):
        ticket = make_ticket(subject, customer=personas.customer, owner=owner or personas.agent)
        actions.change_status(
            ticket=ticket,
            status=Status.RESOLVED,
            actor=ticket.owner,
            resolution=actions.Resolution.of(summary=f"Fixed: {subject}", root_cause="our-platform"),
        )
    ticket.refresh_from_db()
    return ticket


def review(
    ticket: Ticket,
    reviewer: Any,
    *,
    correct: bool = True,
    complete: bool = True,
    tone: int = 5,
    found: bool = True,
    at: dt.datetime = NOW,
) -> QualityReview:
    with time_machine.travel(at, tick=False):
        return quality.record_review(
            ticket=ticket, reviewer=reviewer, correct=correct, complete=complete, tone=tone, root_cause_found=found
        )


def test_the_sample_takes_unreviewed_tickets_resolved_in_the_last_14_days(personas):
    fresh = resolved(personas, "fresh")
    reviewed = resolved(personas, "already reviewed")
    resolved(personas, "too old", days_ago=15)
    with time_machine.travel(NOW - dt.timedelta(days=2), tick=False):
        still_open = make_ticket("open", customer=personas.customer, owner=personas.agent)
    review(reviewed, personas.lead)
    refs = {t.ref for t in quality.sample(now=NOW)}
    assert refs == {fresh.ref}
    assert still_open.ref not in refs


def test_the_sample_is_capped_and_can_be_limited_to_one_agent(personas):
    mine = [resolved(personas, f"agent one {n}") for n in range(4)]
    theirs = resolved(personas, "agent two", owner=personas.agent2)
    assert len(quality.sample(now=NOW, size=3)) == 3
    assert {t.ref for t in quality.sample(now=NOW, agent=personas.agent2)} == {theirs.ref}
    assert {t.ref for t in quality.sample(now=NOW, agent=personas.agent)} == {t.ref for t in mine}


def test_a_lead_scores_a_ticket_from_the_page_and_it_leaves_the_sample(client: Client, personas):
    ticket = resolved(personas, "Sender ID rejected")
    client.force_login(personas.lead)
    with time_machine.travel(NOW, tick=False):
        page = client.get(PAGE).content.decode()
        assert ticket.ref in page and "Fixed: Sender ID rejected" in page  # the resolution notes are shown
        response = client.post(reverse("feedback:quality_review", args=[ticket.ref]), {**CARD, "back": PAGE})
        assert response.status_code == 302 and response["Location"] == PAGE
        page = client.get(PAGE).content.decode()
    saved = QualityReview.objects.get()
    assert (saved.agent, saved.reviewer, saved.correct, saved.complete, saved.root_cause_found, saved.tone) == (
        personas.agent,
        personas.lead,
        True,
        False,
        True,
        4,
    )
    assert saved.notes == "Good, but missed the refund." and saved.ticket_resolved_at == ticket.resolved_at
    assert 'data-testid="quality-card"' not in page and "Nothing to review." in page
    assert AuditEntry.objects.filter(action="feedback.quality_review").count() == 1


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("correct", "Answer yes or no."),
        ("root_cause_found", "Answer yes or no."),
        ("tone", "Score the tone from 1 to 5."),
    ],
)
def test_the_scorecard_needs_every_answer(client: Client, personas, missing, message):
    ticket = resolved(personas, "Balance question")
    client.force_login(personas.lead)
    data = {key: value for key, value in CARD.items() if key != missing}
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("feedback:quality_review", args=[ticket.ref]), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not QualityReview.objects.exists()


def test_a_tone_outside_1_to_5_is_refused(client: Client, personas):
    ticket = resolved(personas, "Balance question")
    client.force_login(personas.lead)
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("feedback:quality_review", args=[ticket.ref]), {**CARD, "tone": "9"})
    assert response.status_code == 400 and "Score the tone from 1 to 5." in response.content.decode()


def test_an_open_ticket_cannot_be_reviewed(client: Client, personas):
    ticket = make_ticket("still open", customer=personas.customer, owner=personas.agent)
    client.force_login(personas.lead)
    response = client.post(reverse("feedback:quality_review", args=[ticket.ref]), CARD)
    assert response.status_code == 400 and "Only resolved tickets can be reviewed." in response.content.decode()
    assert not QualityReview.objects.exists()


def test_one_review_per_ticket_per_reviewer(personas):
    ticket = resolved(personas, "Sender ID rejected")
    review(ticket, personas.lead, tone=2)
    review(ticket, personas.lead, tone=5)
    review(ticket, personas.admin, tone=3)
    assert sorted(QualityReview.objects.values_list("tone", flat=True)) == [3, 5]


def test_the_per_agent_summary_adds_up(personas):
    a = [resolved(personas, f"a{n}") for n in range(4)]
    b = resolved(personas, "b", owner=personas.agent2)
    review(a[0], personas.lead, correct=True, complete=True, tone=5, found=True)
    review(a[1], personas.lead, correct=True, complete=False, tone=4, found=False)
    review(a[2], personas.lead, correct=False, complete=False, tone=2, found=False)
    review(
        a[3], personas.lead, correct=True, complete=True, tone=3, found=True, at=NOW - dt.timedelta(days=40)
    )  # outside the period
    review(b, personas.lead, correct=False, complete=True, tone=1, found=True)
    scores = {s.agent: s for s in quality.agent_summary(start=NOW - dt.timedelta(days=30), end=NOW + dt.timedelta(1))}
    one = scores[personas.agent]
    assert (one.reviews, one.correct, one.complete, one.root_cause_found) == (3, 2, 1, 1)
    assert (one.correct_percent, one.complete_percent, one.root_cause_percent) == (66.7, 33.3, 33.3)
    assert one.average_tone == pytest.approx(11 / 3, abs=0.01)
    two = scores[personas.agent2]
    assert (two.reviews, two.correct_percent, two.complete_percent, two.average_tone) == (1, 0.0, 100.0, 1.0)


def test_the_page_shows_the_summary_for_the_chosen_period(client: Client, personas, django_assert_max_num_queries):
    for n in range(3):
        review(resolved(personas, f"t{n}"), personas.lead, correct=n != 0, tone=3 + n)
    client.force_login(personas.lead)
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(20):
        html = client.get(PAGE, {"start": "2026-11-01", "end": "2026-11-20"}).content.decode()
    assert "Scores per agent, 2026-11-01 to 2026-11-20" in html
    row = html[html.index('data-testid="quality-score-row"') :]
    assert "Li Heping" in row[:400]
    assert 'data-testid="score-reviews">3<' in row and 'data-testid="score-correct">67%<' in row
    assert 'data-testid="score-tone">4.0<' in row
    with time_machine.travel(NOW, tick=False):
        html = client.get(PAGE, {"start": "2026-10-01", "end": "2026-10-31"}).content.decode()
    assert "No reviews in this period." in html


def test_a_period_ending_before_it_starts_is_an_error(client: Client, personas):
    client.force_login(personas.lead)
    html = client.get(PAGE, {"start": "2026-11-10", "end": "2026-11-01"}).content.decode()
    assert "The end comes before the start." in html


@pytest.mark.parametrize(
    ("who", "status"), [("agent", 403), ("viewer", 403), ("outsider", 403), ("lead", 200), ("admin", 200)]
)
def test_only_leads_see_the_page(client: Client, personas, who, status):
    client.force_login(getattr(personas, who))
    assert client.get(PAGE).status_code == status


def test_agents_cannot_review(client: Client, personas):
    ticket = resolved(personas, "x")
    client.force_login(personas.agent)
    assert client.post(reverse("feedback:quality_review", args=[ticket.ref]), CARD).status_code == 403
    with pytest.raises(actions.TicketActionError):
        review(ticket, personas.agent)
    assert not QualityReview.objects.exists()


def test_the_sidebar_link_is_for_leads_only(client: Client, personas):
    client.force_login(personas.lead)
    assert 'data-testid="quality-link"' in client.get("/tickets/").content.decode()
    client.force_login(personas.agent)
    assert 'data-testid="quality-link"' not in client.get("/tickets/").content.decode()


def test_an_unsafe_back_address_is_ignored(client: Client, personas):
    ticket = resolved(personas, "x")
    client.force_login(personas.lead)
    response = client.post(
        reverse("feedback:quality_review", args=[ticket.ref]), {**CARD, "back": "https://evil.example/"}
    )
    assert response["Location"] == PAGE
