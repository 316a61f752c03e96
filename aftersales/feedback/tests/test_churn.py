"""Churn risk (``feedback.churn``): each signal fires at its threshold and not just under it, the
score and level, sub-accounts rolled up into their master, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from aftersales.customers.models import Customer, CustomerStatus
from aftersales.feedback import checkins, churn
from aftersales.feedback.models import CsatRequest, Survey, SurveyInvitation
from aftersales.monitoring.models import TrafficRollup
from aftersales.sms.models import BalanceIncident, BalanceReading, VendorAccount
from aftersales.testing.factories import make_customer, make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Ticket

pytestmark = pytest.mark.django_db

# Monday 10:00 in Shanghai; the top of the hour, so traffic windows are whole days back from here.
NOW = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


# --- Helpers: the data each signal reads ----------------------------------------------------------
def risk_of(customer: Customer) -> churn.Risk:
    [risk] = churn.assess(now=NOW, customers=Customer.objects.filter(pk=customer.pk))
    return risk


def codes(risk: churn.Risk) -> list[str]:
    return [reason.code for reason in risk.reasons]


def reason(risk: churn.Risk, code: str) -> str:
    return next(r.text for r in risk.reasons if r.code == code)


_keys = iter(range(1, 10_000))


def account_of(customer: Customer) -> VendorAccount:
    return VendorAccount.objects.create(
        name=f"{customer.code} main", kind=VendorAccount.Kind.SIMULATOR, api_key=f"SIMKEY{next(_keys)}",
        customer=customer,
    )


def traffic(customer: Customer, *, recent_per_day: int, baseline_per_day: int) -> None:
    """One rollup a day: the last 14 days (recent), the 8 weeks before (baseline)."""
    account = account_of(customer)
    rows = [
        TrafficRollup(account=account, hour=NOW - days * DAY, country="CN", network="46000",
                      submitted=recent_per_day if days <= 14 else baseline_per_day)
        for days in range(1, 71)
    ]
    TrafficRollup.objects.bulk_create(rows)


def rating(customer: Customer, value: int, *, days_ago: float) -> CsatRequest:
    ticket = make_ticket("Delivery reports missing", customer=customer)
    at = NOW - dt.timedelta(days=days_ago)
    return CsatRequest.objects.create(
        ticket=ticket, customer=customer, language="en", resolved_at=at, sent_at=at, expires_at=at + 14 * DAY,
        rating=value, answered_at=at, created_at=at,
    )


def breached_ticket(customer: Customer, *, days_ago: float, breached: bool = True) -> Ticket:
    ticket = make_ticket("Messages delayed", customer=customer)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=NOW - dt.timedelta(days=days_ago), resolution_breached=breached
    )
    return ticket


def reopened_ticket(customer: Customer, agent: Any, *, times: int = 1) -> Ticket:
    """Resolved and reopened ``times`` times through the ticket actions (which count reopenings)."""
    ticket = make_ticket("Sender ID rejected again", customer=customer)
    for _n in range(times):
        actions.change_status(ticket=ticket, status="resolved", actor=agent)
        actions.change_status(ticket=ticket, status="open", actor=agent)
    return ticket


def low_balance(customer: Customer, *, days_ago: float, recovered: bool = False) -> BalanceIncident:
    account = account_of(customer)
    BalanceReading.objects.create(account=account, at=NOW - DAY, value=Decimal("12.5"), currency="EUR")
    opened = NOW - dt.timedelta(days=days_ago)
    return BalanceIncident.objects.create(
        account=account, ticket=make_ticket("Balance running low", customer=customer),
        reason=BalanceIncident.Reason.RUNWAY, opened_at=opened, updated_at=opened, last_value=Decimal("12.5"),
        recovered_at=NOW - DAY if recovered else None,
    )


def nps_answer(customer: Customer, score: int, *, days_ago: float) -> SurveyInvitation:
    at = NOW - dt.timedelta(days=days_ago)
    survey = Survey.objects.create(name=f"NPS {next(_keys)}", created_at=at, sent_at=at, closes_at=at + 14 * DAY)
    return SurveyInvitation.objects.create(
        survey=survey, customer=customer, email="zhou.min@starriver.example", language="en",
        nonce=f"nonce{next(_keys)}", state="sent", next_attempt_at=at, sent_at=at, created_at=at,
        score=score, answered_at=at,
    )


def checkin(customer: Customer, lead: Any, *, days_ago: int) -> None:
    with time_machine.travel(NOW - days_ago * DAY, tick=False):
        checkins.log_checkin(customer=customer, actor=lead, kind="call", notes="Quarterly call")


def plan(customer: Customer, lead: Any, *, cadence_days: int, days_ago: int = 200) -> None:
    with time_machine.travel(NOW - days_ago * DAY, tick=False):
        checkins.save_plan(customer=customer, actor=lead, cadence_days=cadence_days)


# --- Nothing to say -----------------------------------------------------------------------------
def test_a_new_customer_without_data_has_no_risk(personas: Any) -> None:
    risk = risk_of(personas.customer)
    assert (risk.score, risk.level, risk.reasons) == (0, "low", [])


# --- Traffic ------------------------------------------------------------------------------------
def test_traffic_down_40_percent_from_the_baseline_fires_with_its_numbers(personas: Any) -> None:
    traffic(personas.customer, recent_per_day=600, baseline_per_day=1000)
    risk = risk_of(personas.customer)
    assert codes(risk) == ["traffic_drop"]
    assert reason(risk, "traffic_drop") == "Traffic down 40 % vs the 8-week baseline (1,000 → 600 messages a day)"
    assert risk.score == churn.WEIGHTS["traffic_drop"]


def test_traffic_down_less_than_40_percent_does_not_fire(personas: Any) -> None:
    traffic(personas.customer, recent_per_day=601, baseline_per_day=1000)
    assert codes(risk_of(personas.customer)) == []


def test_a_small_baseline_never_fires_even_when_traffic_stops(personas: Any) -> None:
    traffic(personas.customer, recent_per_day=0, baseline_per_day=99)
    traffic(personas.other_customer, recent_per_day=0, baseline_per_day=100)
    assert codes(risk_of(personas.customer)) == []
    assert reason(risk_of(personas.other_customer), "traffic_drop") == (
        "Traffic down 100 % vs the 8-week baseline (100 → 0 messages a day)"
    )


def test_traffic_older_than_the_baseline_does_not_count(personas: Any) -> None:
    account = account_of(personas.customer)
    TrafficRollup.objects.create(account=account, hour=NOW - 71 * DAY, country="CN", network="", submitted=100_000)
    assert codes(risk_of(personas.customer)) == []


# --- CSAT ---------------------------------------------------------------------------------------
def test_an_average_csat_of_3_over_3_ratings_is_low(personas: Any) -> None:
    for days in (5, 40, 80):
        rating(personas.customer, 3, days_ago=days)
    risk = risk_of(personas.customer)
    assert codes(risk) == ["csat_low"]
    assert reason(risk, "csat_low") == "Low satisfaction: CSAT averages 3.0 / 5 over 3 ratings in the last 90 days"


def test_csat_just_over_3_or_too_few_ratings_or_old_ones_are_not_low(personas: Any) -> None:
    for value in (3, 3, 4):
        rating(personas.customer, value, days_ago=10)
    for value in (1, 1):
        rating(personas.other_customer, value, days_ago=10)
    rating(personas.other_customer, 1, days_ago=91)  # outside the 90 days
    assert codes(risk_of(personas.customer)) == []
    assert codes(risk_of(personas.other_customer)) == []


def test_csat_falling_a_point_fires_half_a_point_does_not(personas: Any) -> None:
    for value, days in ((3, 5), (4, 20), (5, 40), (5, 70)):  # 3.5 now, 5.0 before
        rating(personas.customer, value, days_ago=days)
    for value, days in ((4, 5), (5, 20), (5, 40), (5, 70)):  # 4.5 now, 5.0 before
        rating(personas.other_customer, value, days_ago=days)
    risk = risk_of(personas.customer)
    assert codes(risk) == ["csat_falling"]
    assert reason(risk, "csat_falling") == (
        "Satisfaction falling: CSAT 3.5 / 5 in the last 30 days, down from 5.0 in the 60 days before"
    )
    assert codes(risk_of(personas.other_customer)) == []


# --- Reopenings ---------------------------------------------------------------------------------
def test_two_reopened_tickets_fire_one_does_not(personas: Any) -> None:
    reopened_ticket(personas.customer, personas.agent, times=2)
    reopened_ticket(personas.customer, personas.agent)
    reopened_ticket(personas.other_customer, personas.agent, times=3)
    risk = risk_of(personas.customer)
    assert codes(risk) == ["reopened"]
    assert reason(risk, "reopened") == "2 tickets reopened in the last 90 days (3 reopenings)"
    assert codes(risk_of(personas.other_customer)) == []


def test_a_reopened_ticket_untouched_for_90_days_does_not_count(personas: Any) -> None:
    reopened_ticket(personas.customer, personas.agent)
    old = reopened_ticket(personas.customer, personas.agent)
    Ticket.objects.filter(pk=old.pk).update(updated_at=NOW - 91 * DAY)
    assert codes(risk_of(personas.customer)) == []


# --- SLA breaches -------------------------------------------------------------------------------
def test_two_breached_tickets_in_90_days_fire(personas: Any) -> None:
    breached_ticket(personas.customer, days_ago=3, breached=True)
    breached_ticket(personas.customer, days_ago=89, breached=True)
    breached_ticket(personas.customer, days_ago=10, breached=False)
    breached_ticket(personas.customer, days_ago=120, breached=True)  # too old: not counted at all
    risk = risk_of(personas.customer)
    assert codes(risk) == ["sla_breaches"]
    assert reason(risk, "sla_breaches") == "SLA breached on 2 of 3 tickets in the last 90 days"


def test_one_breached_ticket_does_not_fire(personas: Any) -> None:
    breached_ticket(personas.customer, days_ago=3, breached=True)
    breached_ticket(personas.customer, days_ago=91, breached=True)
    assert codes(risk_of(personas.customer)) == []


# --- Balance ------------------------------------------------------------------------------------
def test_a_balance_low_for_a_week_fires(personas: Any) -> None:
    low_balance(personas.customer, days_ago=7)
    risk = risk_of(personas.customer)
    assert codes(risk) == ["balance_low"]
    assert reason(risk, "balance_low") == "Balance low for 7 days without a sufficient top-up (now 12.50 EUR)"


def test_a_balance_low_for_six_days_or_topped_up_does_not_fire(personas: Any) -> None:
    low_balance(personas.customer, days_ago=6.9)
    low_balance(personas.other_customer, days_ago=30, recovered=True)
    assert codes(risk_of(personas.customer)) == []
    assert codes(risk_of(personas.other_customer)) == []


# --- Check-ins ----------------------------------------------------------------------------------
def test_no_checkin_for_twice_the_cadence_fires(personas: Any) -> None:
    plan(personas.customer, personas.lead, cadence_days=14)
    checkin(personas.customer, personas.lead, days_ago=28)
    plan(personas.other_customer, personas.lead, cadence_days=14)
    checkin(personas.other_customer, personas.lead, days_ago=27)
    risk = risk_of(personas.customer)
    assert codes(risk) == ["checkin_overdue"]
    assert reason(risk, "checkin_overdue") == "No check-in for 28 days (plan: every 14 days)"
    assert risk.last_checkin_at == NOW - 28 * DAY
    assert codes(risk_of(personas.other_customer)) == []


def test_a_plan_nobody_ever_checked_in_on_counts_from_its_start(personas: Any) -> None:
    plan(personas.customer, personas.lead, cadence_days=30, days_ago=60)
    assert reason(risk_of(personas.customer), "checkin_overdue") == (
        "Nobody has checked in since the plan started 60 days ago (plan: every 30 days)"
    )


def test_without_a_plan_60_days_without_checkin_fire(personas: Any) -> None:
    checkin(personas.customer, personas.lead, days_ago=60)
    checkin(personas.other_customer, personas.lead, days_ago=59)
    assert reason(risk_of(personas.customer), "checkin_overdue") == "No check-in for 60 days and no check-in plan"
    assert codes(risk_of(personas.other_customer)) == []


def test_without_plan_or_checkin_the_customers_age_counts(personas: Any) -> None:
    Customer.objects.filter(pk=personas.customer.pk).update(created_at=NOW - 60 * DAY)
    Customer.objects.filter(pk=personas.other_customer.pk).update(created_at=NOW - 59 * DAY)
    assert reason(risk_of(personas.customer), "checkin_overdue") == (
        "No check-in in the 60 days since the customer was added, and no check-in plan"
    )
    assert codes(risk_of(personas.other_customer)) == []


def test_an_inactive_plan_counts_as_no_plan(personas: Any) -> None:
    with time_machine.travel(NOW - 200 * DAY, tick=False):
        checkins.save_plan(customer=personas.customer, actor=personas.lead, cadence_days=14, active=False)
    checkin(personas.customer, personas.lead, days_ago=40)  # 40 days: late for the plan, not for "no plan"
    assert codes(risk_of(personas.customer)) == []


# --- NPS ----------------------------------------------------------------------------------------
def test_an_nps_detractor_in_180_days_fires(personas: Any) -> None:
    nps_answer(personas.customer, 6, days_ago=170)
    nps_answer(personas.customer, 9, days_ago=20)
    nps_answer(personas.other_customer, 7, days_ago=20)  # a passive
    nps_answer(personas.other_customer, 2, days_ago=181)  # too old
    risk = risk_of(personas.customer)
    assert codes(risk) == ["nps_detractor"]
    assert reason(risk, "nps_detractor") == "NPS detractor: lowest survey score 6 / 10 in the last 180 days (2 answers)"
    assert codes(risk_of(personas.other_customer)) == []


# --- Score and level ----------------------------------------------------------------------------
def test_the_score_adds_the_weights_and_lists_the_heaviest_reason_first(personas: Any) -> None:
    plan(personas.customer, personas.lead, cadence_days=30, days_ago=90)  # never checked in: +10
    for days in (5, 40, 80):
        rating(personas.customer, 2, days_ago=days)  # +20
    traffic(personas.customer, recent_per_day=300, baseline_per_day=1000)  # +30
    risk = risk_of(personas.customer)
    assert codes(risk) == ["traffic_drop", "csat_low", "checkin_overdue"]
    assert (risk.score, risk.level, risk.level_label) == (60, "high", "High")
    assert [r.weight for r in risk.reasons] == [30, 20, 10]


def test_the_score_is_capped_at_100(personas: Any) -> None:
    customer = personas.customer
    traffic(customer, recent_per_day=0, baseline_per_day=1000)
    for value, days in ((1, 5), (1, 10), (5, 40), (5, 50)):
        rating(customer, value, days_ago=days)  # 3.0 over 4: low; 1.0 now vs 5.0 before: falling
    reopened_ticket(customer, personas.agent)
    reopened_ticket(customer, personas.agent)
    breached_ticket(customer, days_ago=3)
    breached_ticket(customer, days_ago=4)
    low_balance(customer, days_ago=10)
    nps_answer(customer, 0, days_ago=10)
    Customer.objects.filter(pk=customer.pk).update(created_at=NOW - 100 * DAY)
    risk = risk_of(customer)
    assert sorted(codes(risk)) == sorted(churn.WEIGHTS)  # every signal fired
    assert risk.score == 100


@pytest.mark.parametrize(("score", "level"), [(0, "low"), (24, "low"), (25, "medium"), (49, "medium"), (50, "high")])
def test_levels(score: int, level: str) -> None:
    assert churn.level_of(score) == level


def test_weights_can_be_changed_in_settings(personas: Any, settings: Any) -> None:
    settings.FEEDBACK_CHURN_WEIGHTS = {"sla_breaches": 55}
    breached_ticket(personas.customer, days_ago=3)
    breached_ticket(personas.customer, days_ago=4)
    risk = risk_of(personas.customer)
    assert (risk.score, risk.level) == (55, "high")


# --- Sub-accounts -------------------------------------------------------------------------------
def test_a_master_includes_its_subaccounts(personas: Any) -> None:
    master, sub = personas.customer, personas.subaccount
    # Neither baseline alone reaches 100 a day; together they do.
    traffic(master, recent_per_day=0, baseline_per_day=60)
    traffic(sub, recent_per_day=0, baseline_per_day=60)
    breached_ticket(master, days_ago=5)
    breached_ticket(sub, days_ago=6)
    [risk] = churn.assess(now=NOW, customers=Customer.objects.filter(pk=master.pk))
    assert codes(risk) == ["traffic_drop", "sla_breaches"]
    assert reason(risk, "traffic_drop") == "Traffic down 100 % vs the 8-week baseline (120 → 0 messages a day)"
    assert reason(risk, "sla_breaches") == "SLA breached on 2 of 2 tickets in the last 90 days"
    assert risk.subaccounts == 1
    assert codes(risk_of(sub)) == []  # on its own: one breach, a small baseline


def test_a_subaccount_is_checked_in_with_through_its_master(personas: Any) -> None:
    master, sub = personas.customer, personas.subaccount
    plan(master, personas.lead, cadence_days=14)
    checkin(master, personas.lead, days_ago=20)
    assert codes(risk_of(sub)) == []
    checkin(sub, personas.lead, days_ago=2)
    Customer.objects.filter(pk=master.pk).update(created_at=NOW - 300 * DAY)
    assert risk_of(master).last_checkin_at == NOW - 2 * DAY  # a check-in with the sub-account counts for the master


# --- The list -----------------------------------------------------------------------------------
def test_assess_defaults_to_active_masters_highest_score_first(personas: Any) -> None:
    churned = make_customer("tidewater", "Tidewater Travel", status=CustomerStatus.CHURNED)
    for customer in (personas.customer, personas.other_customer, churned, personas.subaccount):
        breached_ticket(customer, days_ago=3)
        breached_ticket(customer, days_ago=4)
    traffic(personas.other_customer, recent_per_day=0, baseline_per_day=500)
    risks = churn.assess(now=NOW)
    assert [(r.customer.code, r.score) for r in risks] == [("bluewave", 45), ("starriver", 15)]


def test_assess_runs_the_same_few_queries_for_one_customer_or_many(
    personas: Any, django_assert_num_queries: Any
) -> None:
    traffic(personas.customer, recent_per_day=0, baseline_per_day=500)
    with django_assert_num_queries(8):
        [one] = churn.assess(now=NOW, customers=Customer.objects.filter(pk=personas.customer.pk))
    assert one.score == 30
    for n in range(12):
        customer = make_customer(f"customer-{n}", f"Customer {n}")
        traffic(customer, recent_per_day=0, baseline_per_day=500)
        rating(customer, 1, days_ago=3)
        breached_ticket(customer, days_ago=3)
        low_balance(customer, days_ago=9)
        nps_answer(customer, 3, days_ago=9)
        checkin(customer, personas.lead, days_ago=70)
        make_customer(f"customer-{n}-sub", f"Customer {n} sub", parent=customer)
    with django_assert_num_queries(8):
        risks = churn.assess(now=NOW)
    assert len(risks) == 14 and risks[0].score == 65  # traffic 30 + balance 15 + check-in 10 + NPS 10
