"""Team notices: who is told about which ticket, once."""

from __future__ import annotations

from typing import Any

import pytest

from aftersales.chat import notices
from aftersales.chat.models import ImDelivery, ImTarget
from aftersales.core import clock
from aftersales.people.models import Team
from aftersales.routing.models import RoutingRule
from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import SlaLevel, SlaNotice

pytestmark = pytest.mark.django_db


def _target(
    name: str, *, team: Team | None = None, events: tuple[str, ...] = ("assignment",), **extra: Any
) -> ImTarget:
    extra.setdefault("language", "en")
    return ImTarget.objects.create(
        kind="slack", name=name, url="http://127.0.0.1:9/hook", team=team, events=list(events),
        created_at=clock.now(), **extra,
    )


def _titles(target: ImTarget) -> list[str]:
    return [im.delivery.notification.title for im in ImDelivery.objects.filter(target=target).order_by("pk")]


def test_assignment_goes_to_targets_of_the_ticket_team_and_to_every_team_targets(
    personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cards, sms = Team.objects.create(name="Cards"), Team.objects.create(name="SMS")
    everyone, cards_group, sms_group = _target("All"), _target("Cards", team=cards), _target("SMS", team=sms)
    breach_only = _target("Breaches", events=("breach",))
    inactive = _target("Old", is_active=False)
    ticket = make_ticket(customer=personas.customer, team=cards)
    with django_capture_on_commit_callbacks(execute=True):
        actions.assign_ticket(ticket=ticket, owner=personas.agent, actor=personas.lead)
    title = f"{ticket.ref} assigned to Li Heping"
    assert _titles(everyone) == [title]
    assert _titles(cards_group) == [title]
    assert _titles(sms_group) == _titles(breach_only) == _titles(inactive) == []


def test_a_team_change_alone_does_not_repeat_the_notice_but_a_new_owner_does(
    personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    target = _target("All")
    ticket = make_ticket(customer=personas.customer)
    with django_capture_on_commit_callbacks(execute=True):
        actions.assign_ticket(ticket=ticket, owner=personas.agent, actor=personas.lead)
    with django_capture_on_commit_callbacks(execute=True):
        team = Team.objects.create(name="X")
        actions.assign_ticket(ticket=ticket, owner=personas.agent, team=team, actor=personas.lead)
    with django_capture_on_commit_callbacks(execute=True):
        actions.assign_ticket(ticket=ticket, owner=personas.agent2, actor=personas.lead)
    with django_capture_on_commit_callbacks(execute=True):
        actions.assign_ticket(ticket=ticket, owner=None, actor=personas.lead)
    assert _titles(target) == [f"{ticket.ref} assigned to Li Heping", f"{ticket.ref} assigned to Yang Meng"]


def test_a_ticket_routed_to_an_owner_when_it_opens_is_announced(
    personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    RoutingRule.objects.create(name="Key accounts", customer=personas.customer, owner=personas.agent2, order=1)
    target = _target("All")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=personas.customer)
    assert ticket.owner == personas.agent2
    assert _titles(target) == [f"{ticket.ref} assigned to Yang Meng"]


def test_breaches_are_announced_once_per_notice(personas: Any) -> None:
    target = _target("Breaches", events=("breach",))
    assignment_only = _target("All")
    ticket = make_ticket(customer=personas.customer, owner=personas.agent)
    SlaNotice.objects.create(
        ticket=ticket, target="first_response", level=SlaLevel.BREACH, due_at=clock.now(), created_at=clock.now()
    )
    SlaNotice.objects.create(
        ticket=ticket, target="resolution", level=SlaLevel.WARNING, due_at=clock.now(), created_at=clock.now()
    )
    assert notices.notify_breaches() == 1
    assert notices.notify_breaches() == 0
    assert _titles(target) == [f"{ticket.ref}: First response target breached"]
    body = ImDelivery.objects.get(target=target).delivery.notification.body
    assert body.endswith("Owner: Li Heping")
    assert _titles(assignment_only) == []


def test_tickets_imported_from_old_logs_are_not_announced(
    personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import datetime as dt

    target = _target("All")
    with django_capture_on_commit_callbacks(execute=True):
        actions.open_ticket(subject="Delivery to Vietnam failing (2025 log)", channel="import",
                            customer=personas.customer, owner=personas.agent,
                            imported_at=clock.now() - dt.timedelta(days=400))
        live = make_ticket(customer=personas.customer)
        actions.assign_ticket(ticket=live, owner=personas.agent, actor=personas.lead)
    assert _titles(target) == [f"{live.ref} assigned to Li Heping"]
