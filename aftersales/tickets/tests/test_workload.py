"""The workload page: per agent open, due soon (4 business hours), breached, away, medians."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.people.models import AgentProfile
from aftersales.testing.factories import make_ticket, make_user
from aftersales.tickets.models import Status, Ticket
from aftersales.tickets.workload import agent_workload, format_duration

pytestmark = pytest.mark.django_db
WORKLOAD = reverse("tickets:workload")
# Wednesday 4 March 2026, 10:00 in Shanghai: four business hours later is 15:00 (lunch 12-13).
NOW = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)
SH = dt.timezone(dt.timedelta(hours=8))


def at_shanghai(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 4, hour, minute, tzinfo=SH)


def ticket_for(owner: Any, **fields: Any) -> Ticket:
    """A ticket whose clock fields are set exactly as given (nothing else running)."""
    ticket = make_ticket(owner=owner)
    clocks = {
        "first_response_due_at": None, "next_response_due_at": None, "resolution_due_at": None,
        "paused_since": None, "first_response_at": None, "first_response_seconds": None, "resolved_at": None,
        "resolution_seconds": None, "first_response_breached": False, "next_response_breached": False,
        "resolution_breached": False, "status": Status.OPEN,
    }
    clocks.update(fields)
    Ticket.objects.filter(pk=ticket.pk).update(**clocks)
    return ticket


def row(html: str, username: str) -> dict[str, str]:
    """The cells of one agent's row (username "" is the unassigned row), by column, as shown."""
    start = html.index(f'data-agent="{username}"')
    chunk = html[start:html.index("</tr>", start)]
    cells = dict(re.findall(r'data-column="(\w+)">(?:<(?:strong|a)[^>]*>)?([^<]*)', chunk))
    cells["away"] = "yes" if 'data-testid="away"' in chunk else "no"
    return cells


@pytest.fixture
def world(personas: Any) -> Any:
    with time_machine.travel(NOW, tick=False):
        agent = personas.agent
        ticket_for(agent, first_response_due_at=at_shanghai(14, 30))  # due soon
        ticket_for(agent, resolution_due_at=at_shanghai(15, 30))  # after the 4 business hours
        ticket_for(agent, first_response_due_at=at_shanghai(9), first_response_breached=True)  # breached
        ticket_for(agent, status=Status.WAITING_CUSTOMER, paused_since=NOW, resolution_due_at=at_shanghai(11))
        ticket_for(agent, next_response_due_at=at_shanghai(10, 30))  # due soon
        # Done tickets: not open, but they carry the medians.
        day = dt.timedelta(days=1)
        ticket_for(agent, status=Status.RESOLVED, resolution_breached=True, first_response_at=NOW - 2 * day,
                   first_response_seconds=3600, resolved_at=NOW - 3 * day, resolution_seconds=8100)
        ticket_for(agent, status=Status.CLOSED, first_response_at=NOW - 6 * day, first_response_seconds=9000,
                   resolved_at=NOW - 10 * day, resolution_seconds=15300)
        ticket_for(agent, status=Status.CLOSED, first_response_at=NOW - 20 * day, first_response_seconds=36000,
                   resolved_at=NOW - 40 * day, resolution_seconds=99999)
        ticket_for(personas.lead, status=Status.RESOLVED, first_response_at=NOW - 31 * day,
                   first_response_seconds=60)
        ticket_for(None, status=Status.NEW, first_response_due_at=at_shanghai(9), first_response_breached=True)
        ticket_for(None, status=Status.NEW, first_response_due_at=at_shanghai(11))
        AgentProfile.objects.filter(user=personas.agent2).update(is_away=True)
    return personas


def test_lead_sees_each_agents_numbers(client: Any, world: Any) -> None:
    client.force_login(world.lead)
    with time_machine.travel(NOW, tick=False):
        html = client.get(WORKLOAD).content.decode()
    assert row(html, "li.heping") == {
        "open": "5", "due_soon": "2", "breached": "1", "fr7": "1h 45m", "fr30": "2h 30m",
        "res7": "2h 15m", "res30": "3h 15m", "away": "no",
    }
    assert row(html, "yang.meng") == {
        "open": "0", "due_soon": "0", "breached": "0", "fr7": "—", "fr30": "—", "res7": "—", "res30": "—",
        "away": "yes",
    }
    assert row(html, "han.pengshuai")["fr30"] == "—"  # answered 31 days ago: outside both windows
    assert 'data-agent="viewer.zhao"' not in html and 'data-agent="outsider"' not in html
    assert "Qian Guan" in html
    assert row(html, "") == {"open": "2", "due_soon": "1", "breached": "1", "away": "no"}


def test_open_count_links_to_the_agents_open_tickets(client: Any, world: Any) -> None:
    client.force_login(world.lead)
    with time_machine.travel(NOW, tick=False):
        html = client.get(WORKLOAD).content.decode()
        start = html.index('data-agent="li.heping"')
        found = re.search(r'data-column="open"><a href="([^"]+)"', html[start:])
        assert found is not None
        link = found.group(1).replace("&amp;", "&")
        queue = client.get(link).content.decode()
    assert queue.count('data-testid="queue-row"') == 5


def test_agent_workload_python_and_database_medians_agree(world: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        loads = {load.user.username: load for load in agent_workload()}
    assert loads["li.heping"].medians == {"fr7": 6300.0, "fr30": 9000.0, "res7": 8100.0, "res30": 11700.0}


def test_due_soon_counts_business_hours_not_wall_hours(world: Any) -> None:
    # Friday 16:30: four business hours end on Monday 11:30, so a deadline on Monday 11:00 is due soon.
    friday = dt.datetime(2026, 3, 6, 16, 30, tzinfo=SH)
    with time_machine.travel(friday, tick=False):
        ticket_for(world.agent2, resolution_due_at=dt.datetime(2026, 3, 9, 11, 0, tzinfo=SH))
        ticket_for(world.agent2, resolution_due_at=dt.datetime(2026, 3, 9, 12, 0, tzinfo=SH))
        loads = {load.user.username: load for load in agent_workload()}
    assert (loads["yang.meng"].open, loads["yang.meng"].due_soon) == (2, 1)


def test_agents_are_refused_viewers_read(client: Any, personas: Any) -> None:
    client.force_login(personas.agent)
    assert client.get(WORKLOAD).status_code == 403
    client.force_login(personas.outsider)
    assert client.get(WORKLOAD).status_code == 403
    client.force_login(personas.viewer)
    assert client.get(WORKLOAD).status_code == 200
    assert client.get(WORKLOAD)["Content-Type"].startswith("text/html")


def test_query_count_does_not_grow_with_agents_or_tickets(client: Any, world: Any) -> None:
    client.force_login(world.admin)
    with time_machine.travel(NOW, tick=False):
        client.get(WORKLOAD)  # warm the calendar engine cache
        with CaptureQueriesContext(connection) as small:
            client.get(WORKLOAD)
        for i in range(5):
            user = make_user(f"extra.{i}", display_name=f"Extra {i}")
            ticket_for(user, first_response_due_at=at_shanghai(14), first_response_at=NOW,
                       first_response_seconds=60 * i)
        with CaptureQueriesContext(connection) as large:
            html = client.get(WORKLOAD).content.decode()
    assert row(html, "extra.4")["fr7"] == "4m"
    # 10 for the workload itself, 1 for the CSAT columns (feedback, one grouped query for both).
    assert len(large.captured_queries) == len(small.captured_queries) <= 11


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "—"), (0, "0m"), (29, "0m"), (45 * 60, "45m"), (8100, "2h 15m"), (26 * 3600 + 60, "26h 1m")],
)
def test_format_duration(seconds: float | None, shown: str) -> None:
    assert format_duration(seconds) == shown
