"""The dashboard's figures: backlog age, CSAT, vendor case times, recurring problems and knowledge,
each checked against hand-counted data and against the list its link opens."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.db.models import F

from aftersales.feedback.models import CsatRequest
from aftersales.knowledge import actions as knowledge_actions
from aftersales.reports import figures, periods, stats
from aftersales.reports.scope import Scope
from aftersales.sms.models.cases import VendorCase
from aftersales.testing.factories import make_ticket
from aftersales.tickets.models import Category, Status, Ticket

UTC = dt.UTC
OCT = periods.parse("2026-10")
AFTER = dt.datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def at(day: int, hour: int = 2, month: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=UTC)


def ticket(when: dt.datetime, subject: str = "Delivery to Vietnam failing", **kwargs: Any) -> Ticket:
    with time_machine.travel(when, tick=False):
        return make_ticket(subject, **kwargs)


def resolve(t: Ticket, when: dt.datetime, **fields: Any) -> None:
    Ticket.objects.filter(pk=t.pk).update(status=Status.RESOLVED, resolved_at=when, **fields)


def listed(client: Any, figure: figures.Figure) -> int:
    """The number of tickets the figure's link lists (the list page's data-count)."""
    response = client.get(figure.link)
    assert response.status_code == 200, figure.link
    found = re.search(r'data-testid="report-count" data-count="(\d+)"', response.content.decode())
    assert found, figure.link
    return int(found[1])


@pytest.fixture
def category(db: Any) -> Category:
    return Category.objects.create(code="dash-routes", name_en="Routes", name_zh="通道")


@pytest.mark.django_db
def test_backlog_age_buckets_count_open_tickets_by_age_at_the_periods_end(client, personas):
    end = OCT.end_at  # 2026-11-01 00:00 +08:00 = 2026-10-31 16:00 UTC
    ages: list[float] = [0.5, 1.5, 2.9, 4, 10, 29.5, 45]  # < 1 d, 1–3 d ×2, 3–7 d, 7–30 d ×2, > 30 d
    for days in ages:
        ticket(end - dt.timedelta(days=days), customer=personas.customer)
    old_done = ticket(end - dt.timedelta(days=20), customer=personas.customer)
    resolve(old_done, end - dt.timedelta(days=1))  # resolved before the end: not backlog
    late_done = ticket(end - dt.timedelta(days=5), customer=personas.customer)
    resolve(late_done, end + dt.timedelta(days=2))  # resolved after the end: still backlog at the end
    with time_machine.travel(AFTER, tick=False):
        found = figures.backlog_age(Scope(OCT))
        assert [label for label, _f in found] == ["< 1 d", "1–3 d", "3–7 d", "7–30 d", "> 30 d"]
        assert [f.count for _l, f in found] == [1, 2, 2, 2, 1]
        client.force_login(personas.lead)
        for _label, figure in found:
            assert listed(client, figure) == figure.count


@pytest.mark.django_db
def test_backlog_age_of_a_running_period_is_measured_now(personas):
    now = dt.datetime(2026, 10, 20, 4, 0, tzinfo=UTC)
    ticket(now - dt.timedelta(hours=20), customer=personas.customer)  # 20 h old now, 1.5 d at month end
    with time_machine.travel(now, tick=False):
        counts = [f.count for _l, f in figures.backlog_age(Scope(OCT))]
    assert counts == [1, 0, 0, 0, 0]


def _rate(t: Ticket, rating: int | None, owner: Any = None) -> None:
    CsatRequest.objects.create(ticket=t, language="en", resolved_at=t.resolved_at or at(20), sent_at=at(20),
                               expires_at=at(30), rating=rating, owner=owner, created_at=at(20))


@pytest.mark.django_db
def test_csat_counts_ratings_of_tickets_resolved_in_the_period(client, personas):
    ratings = [5, 4, 4, 2, 1]
    for i, rating in enumerate(ratings):
        t = ticket(at(3 + i), customer=personas.customer, owner=personas.agent if i < 3 else personas.agent2)
        resolve(t, at(10 + i))
        _rate(Ticket.objects.get(pk=t.pk), rating)
    unanswered = ticket(at(4), customer=personas.customer)
    resolve(unanswered, at(12))
    _rate(Ticket.objects.get(pk=unanswered.pk), None)
    september = ticket(at(3, month=9), customer=personas.customer)
    resolve(september, at(5, month=9))
    _rate(Ticket.objects.get(pk=september.pk), 1)
    with time_machine.travel(AFTER, tick=False):
        found = figures.csat(Scope(OCT))
        assert found.responses.count == 5
        assert found.average == pytest.approx(3.2)
        assert found.satisfied_share == 60.0
        assert found.low.count == 2 and found.satisfied.count == 3
        owners = {row.label: (row.responses.count, row.average) for row in found.by_owner}
        assert owners == {"Li Heping": (3, pytest.approx(4.33, abs=0.01)), "Yang Meng": (2, 1.5)}
        client.force_login(personas.lead)
        for figure in (found.responses, found.low, found.satisfied, *(row.responses for row in found.by_owner)):
            assert listed(client, figure) == figure.count


def _case(number: str, opened: dt.datetime, answered_after: float | None, resolved_after: float | None,
          status: str = VendorCase.Status.WAITING_VENDOR) -> VendorCase:
    return VendorCase.objects.create(
        vendor="vonage", case_number=number, subject="DLR missing", status=status, opened_at=opened,
        first_vendor_response_at=opened + dt.timedelta(hours=answered_after) if answered_after is not None else None,
        resolved_at=opened + dt.timedelta(hours=resolved_after) if resolved_after is not None else None,
        created_at=opened, updated_at=opened,
    )


@pytest.mark.django_db
def test_vendor_case_medians_are_computed_in_the_database(personas):
    resolved = VendorCase.Status.RESOLVED
    _case("A1", at(2), 2, 10, resolved)
    _case("A2", at(5), 4, 30, resolved)
    _case("A3", at(9), 9, None)
    _case("A4", at(11), None, None)
    _case("S1", at(20, month=9), 1, None)  # opened before the period: open now, not in its times
    found = figures.vendor_cases(Scope(OCT))
    assert (found.opened, found.answered, found.resolved, found.open_now) == (4, 3, 2, 3)
    assert found.first_response_median_hours == 4.0
    assert found.resolution_median_hours == 20.0
    assert found.first_response_p90_hours == 9.0


@pytest.mark.django_db
def test_vendor_cases_of_a_customer_are_those_linked_to_its_tickets(personas):
    mine = ticket(at(2), customer=personas.subaccount)
    theirs = ticket(at(2), customer=personas.other_customer)
    _case("B1", at(3), 1, None).tickets.add(mine)
    _case("B2", at(3), 5, None).tickets.add(theirs)
    found = figures.vendor_cases(Scope(OCT, customer=personas.customer))
    assert (found.opened, found.first_response_median_hours) == (1, 1.0)


@pytest.mark.django_db
def test_percentiles_accept_a_duration_expression(personas):
    for i, hours in enumerate((1, 2, 3, 4)):
        _case(f"C{i}", at(2 + i), hours, None)
    spread = stats.overall(VendorCase.objects.all(), stats.Epoch("first_vendor_response_at") - stats.Epoch("opened_at"))
    assert spread.count == 4
    assert spread.median == pytest.approx(2.5 * 3600, abs=0.01) and spread.p90 == pytest.approx(4 * 3600, abs=0.01)
    assert stats.overall(VendorCase.objects.all(), F("pk")).count == 4  # an F() works like a name


@pytest.mark.django_db
def test_recurring_groups_same_category_and_subject_across_customers(client, personas, category):
    for when, customer, subject in (
        (at(3), personas.customer, "Sender ID rejected in Vietnam"),
        (at(6), personas.subaccount, "sender id rejected in vietnam"),
        (at(9), personas.other_customer, "Sender ID Rejected in Vietnam"),
        (at(12), personas.customer, "Sender ID rejected in Vietnam"),
    ):
        ticket(when, subject, customer=customer, category=category)
    ticket(at(4), "Sender ID rejected in Vietnam", customer=personas.customer)  # no category: another group
    ticket(at(5), "Balance too low", customer=personas.customer, category=category)  # once: not recurring
    ticket(at(3, month=9), "Sender ID rejected in Vietnam", customer=personas.customer, category=category)
    with time_machine.travel(AFTER, tick=False):
        found = figures.recurring(Scope(OCT))
        assert len(found) == 1
        problem = found[0]
        assert problem.kind == "subject" and problem.category == "Routes"
        assert problem.label.lower() == "sender id rejected in vietnam"
        assert (problem.tickets.count, problem.customers) == (4, 3)
        assert [t.created_at for t in problem.examples] == [at(12), at(9), at(6)]
        client.force_login(personas.lead)
        assert listed(client, problem.tickets) == 4
        assert figures.recurring(Scope(OCT, customer=personas.other_customer)) == []


@pytest.mark.django_db
def test_recurring_groups_tickets_solved_with_the_same_article(client, personas, category):
    article = knowledge_actions.create_article(
        actor=personas.lead, language="en", status="published", title="Registering a Sender ID",
        problem="Sender ID shows as digits.", solution="Register it first.", category=category,
    )
    for i, subject in enumerate(("Digits instead of our name", "Sender shows a number", "Wrong sender on SMS")):
        t = ticket(at(3 + i), subject, customer=personas.customer, category=category)
        with time_machine.travel(at(20), tick=False):
            knowledge_actions.mark_solved(ticket=t, article=article, actor=personas.agent)
        resolve(t, at(21))
    with time_machine.travel(AFTER, tick=False):
        found = figures.recurring(Scope(OCT))
        assert [(r.kind, r.label, r.tickets.count, r.customers) for r in found] == [
            ("article", "Registering a Sender ID", 3, 1)
        ]
        assert len(found[0].examples) == 3
        client.force_login(personas.lead)
        assert listed(client, found[0].tickets) == 3
        known = figures.knowledge(Scope(OCT))
        assert known.articles_used == [("Registering a Sender ID", 3, f"/knowledge/{article.pk}/")]
        assert listed(client, known.used[0].tickets) == 3


@pytest.mark.django_db
def test_knowledge_gaps_reuse_category_gaps_with_this_periods_tickets(client, personas, category):
    for day in (2, 5, 8, 12, 15):
        ticket(at(day), customer=personas.customer, category=category)
    ticket(at(20, month=9), customer=personas.customer, category=category)
    with time_machine.travel(at(25), tick=False):
        gaps = {gap.label: gap.tickets.count for gap in figures.knowledge(Scope(OCT)).gaps}
        assert gaps.get("Routes") == 5
        gap = next(g for g in figures.knowledge(Scope(OCT)).gaps if g.label == "Routes")
        client.force_login(personas.lead)
        assert listed(client, gap.tickets) == 5
