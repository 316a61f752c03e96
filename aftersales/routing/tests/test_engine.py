"""The routing engine: rules, strategies, away agents, account manager and triage fallbacks.

Routing knows no tickets, so these tests pass their own ``open_counts``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import OperationalError, connections, transaction

from aftersales.people.models import AgentProfile, Team
from aftersales.routing import engine
from aftersales.routing.engine import REASON_ACCOUNT_MANAGER, REASON_DEFAULT_TRIAGE, decide
from aftersales.routing.models import RoutingRule, RoutingSettings, RoutingState, Strategy

pytestmark = pytest.mark.django_db


def no_counts(ids: list[int]) -> dict[int, int]:
    return {}


def agent(username: str, *, away: bool = False, role: str = "agent") -> User:
    user = User.objects.create_user(username=username, password="x")
    user.groups.add(Group.objects.get_or_create(name=role)[0])  # a transactional test may run after a flush
    AgentProfile.objects.create(user=user, display_name=username.title(), is_away=away)
    return user


def route(**overrides: Any) -> engine.Decision:
    values: dict[str, Any] = {
        "customer": None, "category_code": None, "channel": "email", "subject": "Delivery failing",
        "description": "", "language": "", "open_counts": no_counts,
    }
    values.update(overrides)
    with transaction.atomic():
        return decide(**values)


def team_of(*members: User, name: str = "Delivery") -> Team:
    team = Team.objects.create(name=name)
    team.members.set(members)
    return team


def test_fixed_owner_rule_routes_with_the_rule_name(personas: Any) -> None:
    RoutingRule.objects.create(name="Phone calls", channels=["phone"], owner=personas.agent2)
    decision = route(channel="phone")
    assert (decision.owner, decision.team, decision.reason) == (personas.agent2, None, "Phone calls")
    assert route(channel="email").reason == REASON_DEFAULT_TRIAGE


def test_first_matching_rule_by_order_wins(personas: Any) -> None:
    RoutingRule.objects.create(name="Later", order=2, owner=personas.agent2)
    RoutingRule.objects.create(name="Earlier", order=1, owner=personas.agent)
    RoutingRule.objects.create(name="Inactive", order=0, owner=personas.lead, is_active=False)
    assert route().reason == "Earlier"


def test_keywords_match_chinese_substrings_and_english_any_case(personas: Any) -> None:
    RoutingRule.objects.create(name="Fraud", keywords=["盗刷", "fraud"], owner=personas.agent2)
    assert route(subject="客户反馈疑似盗刷").reason == "Fraud"
    assert route(subject="Possible FRAUD on account").reason == "Fraud"
    assert route(subject="Card", description="looks like Fraudulent use").reason == "Fraud"
    assert route(subject="客户反馈发送失败").reason == REASON_DEFAULT_TRIAGE


def test_customer_rule_matches_the_account_and_its_subaccounts(personas: Any) -> None:
    RoutingRule.objects.create(name="Starriver", customer=personas.customer, owner=personas.agent2)
    assert route(customer=personas.customer).reason == "Starriver"
    assert route(customer=personas.subaccount).reason == "Starriver"
    assert route(customer=personas.other_customer).reason == REASON_DEFAULT_TRIAGE
    assert route(customer=None).reason == REASON_DEFAULT_TRIAGE


def test_subaccount_rule_does_not_match_its_master(personas: Any) -> None:
    RoutingRule.objects.create(name="Sub 2 only", customer=personas.subaccount, owner=personas.agent2)
    assert route(customer=personas.customer).reason == REASON_DEFAULT_TRIAGE


def test_category_and_language_conditions(personas: Any) -> None:
    RoutingRule.objects.create(name="Billing EN", category_codes=["billing"], languages=["en"], owner=personas.agent2)
    assert route(category_code="billing", subject="Invoice is wrong").reason == "Billing EN"
    assert route(category_code="billing", subject="发票金额不对").reason == REASON_DEFAULT_TRIAGE
    assert route(category_code="delivery", subject="Invoice is wrong").reason == REASON_DEFAULT_TRIAGE
    assert route(category_code=None, subject="Invoice is wrong").reason == REASON_DEFAULT_TRIAGE
    # Text with no letters: the caller's language (the contact's) decides.
    assert route(category_code="billing", subject="12345", language="en").reason == "Billing EN"


def test_chinese_language_rule_matches_chinese_text(personas: Any) -> None:
    RoutingRule.objects.create(name="中文", languages=["zh-hans"], owner=personas.agent)
    assert route(subject="短信发送失败").reason == "中文"
    assert route(subject="SMS failing", language="zh-hans").reason == REASON_DEFAULT_TRIAGE


def test_round_robin_is_fair_over_six_tickets(personas: Any) -> None:
    a, b, c = agent("rr.a"), agent("rr.b"), agent("rr.c")
    team = team_of(c, a, b)
    RoutingRule.objects.create(name="Delivery team", team=team, strategy=Strategy.ROUND_ROBIN)
    owners = [route().owner for _ in range(6)]
    assert owners == [a, b, c, a, b, c]
    assert RoutingState.objects.get(team=team).last_assigned_user == c
    assert route().team == team


def test_round_robin_skips_away_agents_and_non_writers(personas: Any) -> None:
    a, away, b = agent("rr.a"), agent("rr.away", away=True), agent("rr.b")
    watcher = agent("rr.viewer", role="viewer")
    RoutingRule.objects.create(name="RR", team=team_of(a, away, watcher, b), strategy=Strategy.ROUND_ROBIN)
    assert [route().owner for _ in range(4)] == [a, b, a, b]


def test_team_with_nobody_available_keeps_the_ticket_in_the_team_queue(personas: Any) -> None:
    team = team_of(agent("rr.away", away=True))
    RoutingRule.objects.create(name="RR", team=team, strategy=Strategy.ROUND_ROBIN)
    decision = route()
    assert (decision.team, decision.owner, decision.reason) == (team, None, "RR")


def test_least_open_picks_the_agent_with_fewest_open_tickets(personas: Any) -> None:
    a, b, c = agent("lo.a"), agent("lo.b"), agent("lo.c", away=True)
    RoutingRule.objects.create(name="Least", team=team_of(a, b, c), strategy=Strategy.LEAST_OPEN)
    counts = {a.pk: 5, b.pk: 2, c.pk: 0}
    asked: list[list[int]] = []

    def open_counts(ids: list[int]) -> dict[int, int]:
        asked.append(sorted(ids))
        return {pk: counts[pk] for pk in ids}

    assert route(open_counts=open_counts).owner == b
    assert asked == [sorted([a.pk, b.pk])]  # the away agent is not even considered
    counts[b.pk] = 9
    assert route(open_counts=open_counts).owner == a


def test_least_open_ties_go_round_the_team(personas: Any) -> None:
    a, b = agent("lo.a"), agent("lo.b")
    RoutingRule.objects.create(name="Least", team=team_of(a, b), strategy=Strategy.LEAST_OPEN)
    assert [route().owner for _ in range(4)] == [a, b, a, b]


def test_fixed_owner_away_falls_through_to_the_next_rule(personas: Any) -> None:
    away = agent("fixed.away", away=True)
    RoutingRule.objects.create(name="Away owner", order=1, owner=away)
    RoutingRule.objects.create(name="Backup", order=2, owner=personas.agent2)
    assert route().reason == "Backup"


def test_fixed_owner_away_with_a_team_goes_to_the_team(personas: Any) -> None:
    away = agent("fixed.away", away=True)
    team = team_of(away)
    RoutingRule.objects.create(name="Team rule", owner=away, team=team)
    decision = route()
    assert (decision.owner, decision.team) == (None, team)


def test_an_owner_without_a_write_role_is_never_chosen(personas: Any) -> None:
    RoutingRule.objects.create(name="Viewer owner", owner=personas.viewer)
    assert route().owner is None


def test_no_rule_goes_to_the_account_manager(personas: Any) -> None:
    personas.customer.account_manager = personas.agent2
    personas.customer.save()
    decision = route(customer=personas.customer)
    assert (decision.owner, decision.reason) == (personas.agent2, REASON_ACCOUNT_MANAGER)
    # a sub-account without its own manager: the master's
    assert route(customer=personas.subaccount).owner == personas.agent2


def test_subaccount_manager_wins_and_away_manager_is_skipped(personas: Any) -> None:
    personas.customer.account_manager = personas.agent2
    personas.customer.save()
    personas.subaccount.account_manager = personas.agent
    personas.subaccount.save()
    assert route(customer=personas.subaccount).owner == personas.agent
    AgentProfile.objects.filter(user=personas.agent).update(is_away=True)
    personas.agent.refresh_from_db()
    personas.subaccount.refresh_from_db()
    assert route(customer=personas.subaccount).owner == personas.agent2


def test_away_account_manager_goes_to_default_triage(personas: Any) -> None:
    triage = Team.objects.create(name="Triage")
    RoutingSettings(triage_team=triage).save()
    personas.customer.account_manager = agent("am.away", away=True)
    personas.customer.save()
    decision = route(customer=personas.customer)
    assert (decision.team, decision.owner, decision.reason) == (triage, None, REASON_DEFAULT_TRIAGE)


def test_default_triage_without_a_team_leaves_the_ticket_unassigned(personas: Any) -> None:
    decision = route()
    assert (decision.team, decision.owner, decision.reason) == (None, None, REASON_DEFAULT_TRIAGE)


def test_detect_language() -> None:
    assert engine.detect_language("短信 failing") == "zh-hans"
    assert engine.detect_language("SMS failing") == "en"
    assert engine.detect_language("12345 !!") == ""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_round_robin_never_gives_two_tickets_the_same_turn() -> None:
    """Six routings at once: each agent gets exactly two (the state row is locked while choosing)."""
    members = [agent(f"race.{i}") for i in range(3)]
    RoutingRule.objects.create(name="Race", team=team_of(*members), strategy=Strategy.ROUND_ROBIN)
    barrier = threading.Barrier(6)
    chosen: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            for _attempt in range(200):
                try:
                    with transaction.atomic():
                        decision = decide(
                            customer=None, category_code=None, channel="email", subject="x", description="",
                            language="", open_counts=no_counts,
                        )
                    break
                except OperationalError as exc:
                    # The in-memory SQLite test database refuses a locked table at once instead of
                    # waiting like a file database (busy timeout) does: wait and try again.
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.01)
            chosen.append(decision.owner.pk)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(chosen) == sorted([member.pk for member in members] * 2)
