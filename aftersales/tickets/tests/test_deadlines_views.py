"""The clocks as people see them: the queue badge, "due soonest", the ticket page's deadlines."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions
from aftersales.tickets.models import Priority, Status

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
QUEUE = reverse("tickets:queue")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def badges(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-testid="sla-badge" data-state="(\w+)"[^>]*>([^<]*)<', html)


def test_queue_badge_counts_business_time_and_turns_red_when_overdue(client, personas):
    with time_machine.travel(at(20, 17), tick=False):  # Friday 17:00, due Monday 12:00
        make_ticket("Sender ID rejected", customer=personas.other_customer, owner=personas.agent)
    client.force_login(personas.agent)
    with time_machine.travel(at(21, 10), tick=False):  # Saturday: the clock stands still
        assert badges(client.get(QUEUE).content.decode()) == [("ok", "3h 0m left")]
    with time_machine.travel(at(23, 11, 15), tick=False):
        html = client.get(QUEUE).content.decode()
    assert badges(html) == [("warning", "45m left")]
    assert "First response due 2026-11-23 12:00" in html  # the wall-clock time in the title
    with time_machine.travel(at(23, 13, 30), tick=False):  # lunch does not count
        assert badges(client.get(QUEUE).content.decode()) == [("breached", "overdue 30m")]


def test_queue_sorts_by_due_soonest(client, personas):
    with time_machine.travel(at(23, 9), tick=False):
        normal = make_ticket("Balance question", customer=personas.other_customer, owner=personas.agent)
    with time_machine.travel(at(23, 10), tick=False):
        urgent = make_ticket("All traffic failing", customer=personas.other_customer, owner=personas.agent,
                             priority=Priority.P1)
        later = make_ticket("Invoice copy", customer=personas.other_customer, owner=personas.agent)
        paused = make_ticket("Waiting for logs", customer=personas.other_customer, owner=personas.agent)
        actions.record_reply(ticket=paused, body="Logs?", actor=personas.agent, status=Status.WAITING_CUSTOMER)
    client.force_login(personas.agent)
    with time_machine.travel(at(23, 10, 5), tick=False):
        html = client.get(QUEUE, {"sort": "due"}).content.decode()
    refs = re.findall(r'data-testid="queue-row" data-ref="([^"]+)"', html)
    assert refs == [urgent.ref, normal.ref, later.ref, paused.ref]
    assert "Due soonest" in html


def test_ticket_page_shows_each_target(client, personas):
    with time_machine.travel(at(23, 9), tick=False):
        ticket = make_ticket("Delivery reports missing", customer=personas.other_customer, owner=personas.agent)
    with time_machine.travel(at(23, 10), tick=False):
        actions.record_reply(ticket=ticket, body="Checking", actor=personas.agent, status=Status.WAITING_CUSTOMER)
    client.force_login(personas.viewer)
    with time_machine.travel(at(23, 11), tick=False):
        html = client.get(reverse("tickets:detail", args=[ticket.ref])).content.decode()
    panel = html.split('data-testid="sla-panel"')[1].split("</section>")[0]
    assert "Deadlines" in panel and "Policy: Default" in panel
    first = panel.split('data-testid="sla-first_response"')[1].split("</dd>")[0]
    assert 'data-state="met"' in first and "took 1h 0m" in first and "2026-11-23 14:00" in first
    resolution = panel.split('data-testid="sla-resolution"')[1].split("</dd>")[0]
    assert 'data-state="paused"' in resolution and "paused" in resolution
    assert "paused now" in panel


def test_imported_ticket_says_it_has_no_live_deadlines(client, personas):
    ticket = make_ticket("Old case", customer=personas.other_customer, imported_at=at(1, 9))
    client.force_login(personas.agent)
    html = client.get(reverse("tickets:detail", args=[ticket.ref])).content.decode()
    assert "Imported ticket: no live deadlines." in html
