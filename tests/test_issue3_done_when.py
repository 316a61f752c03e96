"""Issue 3, "done when", through the pages a lead and an agent use, in frozen time.

A lead enters a 2027 调休 make-up Saturday, a policy and a routing rule; an agent logs a phone
call; the ticket is routed, shows its deadlines, pauses while waiting on the customer, warns
and breaches at the right business times, and the workload page shows it.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from aftersales.sla.models import Calendar, Policy
from aftersales.tickets import actions, tasks
from aftersales.tickets.models import EventKind, Status, Ticket

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def sweep(when: dt.datetime) -> tasks.SweepReport:
    with time_machine.travel(when, tick=False):
        return tasks.sweep()


def test_lead_configures_and_a_phone_ticket_is_routed_timed_paused_warned_breached(client, personas):
    calendar = Calendar.get_default()
    client.force_login(personas.lead)
    # 1. A 2027 make-up Saturday (调休) entered before any package knows it.
    response = client.post(reverse("sla:override_new", args=[calendar.pk]),
                           {"date": "2027-02-20", "is_workday": "1", "note": "2027 Spring Festival 调休"})
    assert response.status_code == 302
    workdays = client.get(f"/api/v1/sla/calendars/{calendar.pk}/workdays?start=2027-02-19&end=2027-02-22").json()
    assert "2027-02-20" in str(workdays)
    # 2. A policy for phone calls: answer within 1 business hour, resolve within 4.
    response = client.post(reverse("sla:policy_new"), {
        "name": "Phone hotline", "order": "1", "is_active": "on", "calendar": str(calendar.pk),
        "channels": ["phone"], "first_response_0": "1", "first_response_1": "0",
        "resolution_0": "4", "resolution_1": "0", "pause_on_waiting_customer": "on", "warn_at_percent": "75",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    # 3. A routing rule: fraud reports go to Li Heping.
    response = client.post(reverse("routing:rule_new"), {
        "name": "Fraud desk", "is_active": "on", "keywords": "盗刷, fraud", "strategy": "fixed",
        "owner": str(personas.agent.pk),
    })
    assert response.status_code == 302, response.content.decode()[:2000]

    # 4. Friday 17:30: an agent logs a call, with nobody chosen as owner.
    client.force_login(personas.agent2)
    with time_machine.travel(at(11, 20, 17, 30), tick=False):
        response = client.post(reverse("tickets:new"), {
            "channel": "phone", "customer": str(personas.customer.pk), "priority": "3", "owner": "",
            "subject": "客户反馈验证码被盗刷", "description": "Calls say OTP traffic to +234 spiked overnight.",
        })
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="客户反馈验证码被盗刷")
    assert ticket.owner == personas.agent
    assert ticket.events.filter(kind=EventKind.OWNER, reason="Fraud desk").exists()
    assert ticket.sla_policy == Policy.objects.get(name="Phone hotline")
    # 30 minutes left on Friday, 30 more on Monday morning.
    assert ticket.first_response_due_at == at(11, 23, 9, 30)
    assert ticket.resolution_due_at == at(11, 23, 13, 30)  # 3h in the morning, lunch, then 30 minutes

    with time_machine.travel(at(11, 20, 17, 45), tick=False):
        page = client.get(reverse("tickets:detail", args=[ticket.ref])).content.decode()
    assert "2026-11-23 09:30" in page and "2026-11-23 13:30" in page

    # 5. Monday 09:00 the agent asks the customer for numbers: the resolution clock pauses.
    with time_machine.travel(at(11, 23, 9), tick=False):
        actions.change_status(ticket=ticket, status=Status.WAITING_CUSTOMER, actor=personas.agent)
    ticket.refresh_from_db()
    assert ticket.paused_since is not None and ticket.resolution_due_at is None

    # 6. The sweep warns at 75 % of the first-response target (09:15) and breaches at 09:30.
    assert sweep(at(11, 23, 9, 14)).warnings == 0
    assert sweep(at(11, 23, 9, 15)).warnings == 1
    assert sweep(at(11, 23, 9, 31)).breaches == 1
    ticket.refresh_from_db()
    assert ticket.first_response_breached

    # 7. The customer answers at 11:00: the clock resumes, pushed out by the 2 paused hours.
    with time_machine.travel(at(11, 23, 11), tick=False):
        actions.record_customer_message(ticket=ticket, body="Numbers attached", channel="phone")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.paused_seconds == 2 * 3600
    assert ticket.resolution_due_at == at(11, 23, 15, 30)

    # 8. The lead's workload page shows it against Li Heping: open and breached.
    client.force_login(personas.lead)
    with time_machine.travel(at(11, 23, 11, 5), tick=False):
        html = client.get(reverse("tickets:workload")).content.decode()
    row = re.search(r'data-agent="li.heping">(.*?)</tr>', html, re.S)
    assert row is not None
    assert re.search(r'data-column="breached"><strong[^>]*>1<', row.group(1))
