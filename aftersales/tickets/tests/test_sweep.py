"""The SLA sweep through the task, in frozen time: warns, then breaches, at the right business times."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from aftersales.core.scheduler import discover_jobs
from aftersales.notify.models import Notification
from aftersales.people.models import Team
from aftersales.testing.factories import make_ticket, make_user
from aftersales.tickets import actions, tasks
from aftersales.tickets.models import EventKind, SlaNotice, Status, Ticket

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def run_sweep(when: dt.datetime) -> tasks.SweepReport:
    with time_machine.travel(when, tick=False):
        result = tasks.sla_sweep.enqueue()  # the immediate backend runs it here
    assert result.return_value is not None
    return tasks.SweepReport(**result.return_value)


def friday_ticket(personas, **kwargs) -> Ticket:
    with time_machine.travel(at(11, 20, 17), tick=False):
        return make_ticket("Delivery reports missing", customer=personas.other_customer, **kwargs)


def test_the_sweep_is_registered_every_minute():
    jobs = {job.name: job for job in discover_jobs()}
    assert jobs["tickets.sla_sweep"].every == dt.timedelta(minutes=1)


def test_warns_then_breaches_at_the_right_business_times(personas, client):
    ticket = friday_ticket(personas, owner=personas.agent)  # first response due Monday 12:00
    assert run_sweep(at(11, 20, 23)).tickets == 0  # the weekend: nothing is due
    assert run_sweep(at(11, 23, 10, 59)).warnings == 0

    report = run_sweep(at(11, 23, 11))  # 3 of 4 business hours used
    assert (report.warnings, report.breaches) == (1, 0)
    warning = Notification.objects.get(kind="sla_warning")
    assert warning.recipient == personas.agent
    assert warning.title == f"{ticket.ref}: First response due in 1h 0m"
    assert warning.url == reverse("tickets:detail", args=[ticket.ref])
    ticket.refresh_from_db()
    assert ticket.sla_check_at == at(11, 23, 12)
    assert not ticket.first_response_breached

    assert run_sweep(at(11, 23, 11, 59)).warnings == 0
    report = run_sweep(at(11, 23, 12, 1))
    assert (report.warnings, report.breaches) == (0, 1)
    ticket.refresh_from_db()
    assert ticket.first_response_breached is True
    # Next: the resolution warning, 18 of 24 business hours, on Wednesday at 10:00.
    assert ticket.sla_check_at == at(11, 25, 10)
    breach_to = set(Notification.objects.filter(kind="sla_breach").values_list("recipient__username", flat=True))
    assert breach_to == {"li.heping", "han.pengshuai"}  # the owner, and the lead (no team lead set)
    kinds = list(ticket.events.filter(kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACH]).values_list(
        "kind", flat=True))
    assert kinds == [EventKind.SLA_WARNING, EventKind.SLA_BREACH]

    # The agent sees it on the ticket page's timeline and in their notifications.
    client.force_login(personas.agent)
    with time_machine.travel(at(11, 23, 12, 5), tick=False):
        html = client.get(reverse("tickets:detail", args=[ticket.ref])).content.decode()
    assert "First response target breached" in html
    assert ticket.ref in client.get(reverse("notify:list")).content.decode()


def test_sweeping_twice_tells_once(personas):
    ticket = friday_ticket(personas, owner=personas.agent)
    first = run_sweep(at(11, 23, 12, 30))
    # Put the check back as if a second sweep had read the row before the first one finished.
    Ticket.objects.filter(pk=ticket.pk).update(sla_check_at=at(11, 23, 11), first_response_breached=False)
    second = run_sweep(at(11, 23, 12, 30))
    assert (first.breaches, second.breaches, second.already_handled) == (1, 0, 1)
    assert SlaNotice.objects.filter(ticket=ticket).count() == 1  # the late sweep skipped the warning
    assert Notification.objects.filter(kind="sla_breach", recipient=personas.agent).count() == 1
    assert ticket.events.filter(kind=EventKind.SLA_BREACH).count() == 1


def test_breach_goes_to_the_team_lead_when_there_is_one(personas):
    team = Team.objects.create(name="SMS Ops", lead=make_user("team.lead", role="agent"))
    ticket = friday_ticket(personas, owner=personas.agent, team=team)
    run_sweep(at(11, 23, 12, 30))
    recipients = set(Notification.objects.filter(kind="sla_breach").values_list("recipient__username", flat=True))
    assert recipients == {"li.heping", "team.lead"}
    assert ticket.ref in Notification.objects.filter(recipient__username="team.lead").get().title


def test_an_unowned_ticket_s_warning_goes_to_the_leads(personas):
    friday_ticket(personas)
    run_sweep(at(11, 23, 11))
    assert list(Notification.objects.filter(kind="sla_warning").values_list("recipient__username", flat=True)) == [
        "han.pengshuai"
    ]


def test_a_ticket_answered_in_time_is_never_warned(personas):
    ticket = friday_ticket(personas, owner=personas.agent)
    with time_machine.travel(at(11, 23, 9, 30), tick=False):
        actions.record_reply(ticket=ticket, body="On it", actor=personas.agent)
    assert run_sweep(at(11, 23, 12, 30)).tickets == 0
    assert not Notification.objects.filter(kind__startswith="sla_").exists()


def test_a_paused_ticket_does_not_breach_resolution(personas):
    ticket = friday_ticket(personas, owner=personas.agent)
    with time_machine.travel(at(11, 23, 9, 30), tick=False):
        actions.record_reply(ticket=ticket, body="Logs please", actor=personas.agent, status=Status.WAITING_CUSTOMER)
    ticket.refresh_from_db()
    assert ticket.sla_check_at is None  # nothing can be due while the resolution clock is paused
    assert run_sweep(at(12, 31, 12)).tickets == 0


def test_breach_emails_are_sent_through_the_outbox(personas, django_capture_on_commit_callbacks):
    friday_ticket(personas, owner=personas.agent)
    with django_capture_on_commit_callbacks(execute=True):
        run_sweep(at(11, 23, 12, 30))
    subjects = sorted(message.subject for message in mail.outbox)
    assert len(subjects) == 2 and all("First response target breached" in subject for subject in subjects)


def test_the_sweep_only_reads_due_tickets(personas, django_assert_max_num_queries):
    for _ in range(30):
        friday_ticket(personas, owner=personas.agent)
    with time_machine.travel(at(11, 23, 10), tick=False), django_assert_max_num_queries(1):
        assert tasks.sweep().tickets == 0


def test_policy_escalates_on_breach_raising_priority_and_reassigning(personas, client):
    from aftersales.sla.models import Policy

    Policy.objects.filter(is_default=True).update(breach_raise_priority=True, breach_reassign_to=personas.lead)
    ticket = friday_ticket(personas, owner=personas.agent)  # P3, first response due Monday 12:00
    assert ticket.priority == 3

    run_sweep(at(11, 23, 11))  # a warning escalates nothing
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.owner) == (3, personas.agent)

    run_sweep(at(11, 23, 12, 1))
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.owner) == (2, personas.lead)
    escalations = ticket.events.filter(kind__in=[EventKind.PRIORITY, EventKind.OWNER], reason="SLA breach escalation")
    assert escalations.count() == 2 and all(event.actor is None for event in escalations)

    run_sweep(at(11, 23, 12, 2))  # handled once: no second step up
    ticket.refresh_from_db()
    assert ticket.priority == 2

    client.force_login(personas.lead)
    with time_machine.travel(at(11, 23, 12, 5), tick=False):
        html = client.get(reverse("tickets:detail", args=[ticket.ref])).content.decode()
    assert "SLA breach escalation" in html


def test_escalation_skips_an_away_target(personas):
    from aftersales.sla.models import Policy

    personas.agent2.agent_profile.is_away = True
    personas.agent2.agent_profile.save()
    Policy.objects.filter(is_default=True).update(breach_reassign_to=personas.agent2)
    ticket = friday_ticket(personas, owner=personas.agent)
    run_sweep(at(11, 23, 12, 1))
    ticket.refresh_from_db()
    assert ticket.owner == personas.agent and ticket.first_response_breached
