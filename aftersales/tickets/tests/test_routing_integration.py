"""Routing through ``open_ticket``: a new ticket without owner or team is routed, and the
timeline says who (the system), when and why (the rule's name, "account manager", "default triage")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from aftersales.people.models import AgentProfile, Team
from aftersales.routing.engine import REASON_ACCOUNT_MANAGER, REASON_DEFAULT_TRIAGE
from aftersales.routing.models import RoutingRule, RoutingSettings, Strategy
from aftersales.testing.factories import make_ticket, make_user
from aftersales.tickets.models import EventKind, Status, Ticket

pytestmark = pytest.mark.django_db


def owner_event(ticket: Ticket) -> Any:
    return ticket.events.get(kind=EventKind.OWNER)


def test_a_rule_routes_the_ticket_and_the_owner_event_carries_its_name(personas: Any) -> None:
    RoutingRule.objects.create(name="Fraud desk 盗刷", keywords=["盗刷"], owner=personas.agent2)
    with time_machine.travel(dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC), tick=False):
        ticket = make_ticket("客户反馈疑似盗刷", customer=personas.customer)
    assert ticket.owner == personas.agent2 and ticket.status == Status.OPEN
    event = owner_event(ticket)
    assert event.reason == "Fraud desk 盗刷" and event.actor is None
    assert event.at == ticket.created_at == dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)
    assert event.after == {"owner": {"id": personas.agent2.pk, "name": "Yang Meng"}}


def test_round_robin_through_open_ticket_and_least_open_counts_open_tickets(personas: Any) -> None:
    team = Team.objects.create(name="Delivery")
    team.members.set([personas.agent, personas.agent2])
    rule = RoutingRule.objects.create(name="Delivery", team=team, strategy=Strategy.ROUND_ROBIN)
    owners = [make_ticket(f"Delivery failing {i}").owner for i in range(4)]
    assert owners == [personas.agent, personas.agent2, personas.agent, personas.agent2]
    assert all(t.team == team for t in Ticket.objects.all())
    # Fewest open: agent2 resolves theirs, so the next two go to agent2 (0 open, then tie → rotation).
    rule.strategy = Strategy.LEAST_OPEN
    rule.save()
    Ticket.objects.filter(owner=personas.agent2).update(status=Status.RESOLVED)
    assert make_ticket("Delivery failing 5").owner == personas.agent2
    assert make_ticket("Delivery failing 6").owner == personas.agent2
    assert make_ticket("Delivery failing 7").owner == personas.agent
    counts = {p.username: Ticket.objects.filter(owner=p, status__in=["new", "open"]).count()
              for p in (personas.agent, personas.agent2)}
    assert counts == {"li.heping": 3, "yang.meng": 2}


def test_account_manager_when_no_rule_matches(personas: Any) -> None:
    personas.customer.account_manager = personas.agent2
    personas.customer.save()
    ticket = make_ticket(customer=personas.subaccount)
    assert ticket.owner == personas.agent2
    assert owner_event(ticket).reason == REASON_ACCOUNT_MANAGER


def test_default_triage_team_keeps_the_ticket_unassigned(personas: Any) -> None:
    triage = Team.objects.create(name="Triage")
    RoutingSettings(triage_team=triage).save()
    ticket = make_ticket(customer=personas.other_customer)
    assert (ticket.owner, ticket.team, ticket.status) == (None, triage, Status.NEW)
    team_event = ticket.events.get(kind=EventKind.TEAM)
    assert team_event.reason == REASON_DEFAULT_TRIAGE and team_event.actor is None
    assert not ticket.events.filter(kind=EventKind.OWNER).exists()


def test_an_explicit_owner_or_team_is_not_routed(personas: Any) -> None:
    RoutingRule.objects.create(name="Everything", owner=personas.agent2)
    assert make_ticket(owner=personas.agent).owner == personas.agent
    team = Team.objects.create(name="Billing")
    ticket = make_ticket(team=team)
    assert (ticket.owner, ticket.team) == (None, team)


def test_imported_tickets_are_not_routed(personas: Any) -> None:
    RoutingRule.objects.create(name="Everything", owner=personas.agent2)
    ticket = make_ticket(imported_at=dt.datetime(2025, 1, 2, tzinfo=dt.UTC))
    assert ticket.owner is None and not ticket.events.filter(kind=EventKind.OWNER).exists()


def test_away_agent_is_skipped_in_open_ticket(personas: Any) -> None:
    team = Team.objects.create(name="Delivery")
    team.members.set([personas.agent, personas.agent2])
    RoutingRule.objects.create(name="Delivery", team=team, strategy=Strategy.ROUND_ROBIN)
    AgentProfile.objects.filter(user=personas.agent).update(is_away=True)
    assert {make_ticket(f"t{i}").owner for i in range(3)} == {personas.agent2}


def test_ticket_created_in_the_ui_is_routed_and_the_timeline_says_why(client: Any, personas: Any) -> None:
    make_user("wang.fei", role="agent", display_name="Wang Fei")
    RoutingRule.objects.create(
        name="Starriver key account", customer=personas.customer, channels=["phone"], owner=personas.agent2
    )
    client.force_login(personas.agent)
    response = client.post(reverse("tickets:new"), {
        "channel": "phone", "customer": personas.subaccount.pk, "subject": "Balance looks wrong",
        "description": "", "priority": "3", "owner": "",
    })
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and ticket.owner == personas.agent2
    page = client.get(reverse("tickets:detail", args=[ticket.ref])).content.decode()
    assert "System assigned the ticket to Yang Meng (Starriver key account)" in page


def test_timeline_shows_system_reasons_in_the_readers_language(client: Any, personas: Any) -> None:
    personas.customer.account_manager = personas.agent2
    personas.customer.save()
    ticket = make_ticket(customer=personas.customer)
    client.force_login(personas.agent)
    page = client.get(reverse("tickets:detail", args=[ticket.ref])).content.decode()
    assert "System assigned the ticket to Yang Meng (account manager)" in page
