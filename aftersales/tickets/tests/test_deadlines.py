"""SLA clocks set by the actions, in business time of the China default calendar (frozen time).

The default calendar works Mon-Fri 09:00-12:00 and 13:00-18:00 Asia/Shanghai (8 hours a day),
skips China's public holidays and works its make-up days (调休). Policies shipped by the sla
migration: "Default" 4h first response / 8h next response / 24h resolution, "P1 · urgent"
30m / 2h / 8h, "Key accounts" 2h / 4h / 16h; warnings at 75 %.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from aftersales.sla.actions import save_policy
from aftersales.sla.listeners import policy_listeners
from aftersales.sla.models import Calendar, Policy
from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions, deadlines
from aftersales.tickets.models import Priority, Status, Ticket

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int, minute: int = 0, tz: zoneinfo.ZoneInfo = SHANGHAI) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


def opened(when: dt.datetime, customer, **kwargs) -> Ticket:
    with time_machine.travel(when, tick=False):
        ticket = make_ticket(customer=customer, **kwargs)
    ticket.refresh_from_db()
    return ticket


def test_friday_evening_ticket_is_due_monday_noon(personas):
    ticket = opened(at(2026, 11, 20, 17), personas.other_customer)  # Friday 17:00, standard tier
    assert getattr(ticket.sla_policy, "name", None) == "Default"
    # Friday 17-18 is one hour; Monday 09-12 the other three; lunch is not counted.
    assert ticket.first_response_due_at == at(2026, 11, 23, 12)
    # 24h = Fri 1 + Mon 8 + Tue 8 + Wed 7 (09-12, 13-17)
    assert ticket.resolution_due_at == at(2026, 11, 25, 17)
    assert ticket.next_response_due_at is None
    # The first thing to check: the first-response warning at 75 % (3 business hours).
    assert ticket.sla_check_at == at(2026, 11, 23, 11)


def test_national_day_holiday_is_skipped(personas):
    ticket = opened(at(2026, 9, 30, 17), personas.other_customer)  # the eve of 1-7 October 2026
    assert ticket.first_response_due_at == at(2026, 10, 8, 12)
    # Thu 8 + Fri 8 after the holiday, then Saturday 10 October is a make-up workday.
    assert ticket.resolution_due_at == at(2026, 10, 10, 17)


def test_make_up_saturday_counts_as_a_workday(personas):
    ticket = opened(at(2026, 10, 9, 17), personas.other_customer)  # Friday before the 调休 Saturday
    assert ticket.first_response_due_at == at(2026, 10, 10, 12)


def test_the_key_account_and_p1_policies_apply(personas):
    key = opened(at(2026, 11, 23, 9), personas.customer)  # Starriver is a key account
    assert getattr(key.sla_policy, "name", None) == "Key accounts"
    assert key.first_response_due_at == at(2026, 11, 23, 11)
    urgent = opened(at(2026, 11, 23, 11, 45), personas.other_customer, priority=Priority.P1)
    assert getattr(urgent.sla_policy, "name", None) == "P1 · urgent"
    assert urgent.first_response_due_at == at(2026, 11, 23, 13, 15)  # 15 minutes before lunch, 15 after


def test_first_reply_stores_business_time_and_met_in_time(personas):
    ticket = opened(at(2026, 11, 20, 17), personas.other_customer, owner=personas.agent)
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):
        actions.record_reply(ticket=ticket, body="Looking into it", actor=personas.agent)
    ticket.refresh_from_db()
    assert ticket.first_response_seconds == 2 * 3600  # Fri 17-18 and Mon 09-10
    assert ticket.first_response_breached is False
    # The next pending moment is now the resolution warning (18h: Wednesday 10:00).
    assert ticket.sla_check_at == at(2026, 11, 25, 10)


def test_a_late_first_reply_is_a_breach(personas):
    ticket = opened(at(2026, 11, 20, 17), personas.other_customer, owner=personas.agent)
    with time_machine.travel(at(2026, 11, 23, 14), tick=False):
        actions.record_reply(ticket=ticket, body="Sorry for the wait", actor=personas.agent)
    ticket.refresh_from_db()
    assert ticket.first_response_seconds == 5 * 3600
    assert ticket.first_response_breached is True


def test_next_response_starts_with_each_customer_message_and_a_reply_clears_it(personas):
    ticket = opened(at(2026, 11, 23, 9), personas.other_customer, owner=personas.agent)
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):
        actions.record_reply(ticket=ticket, body="Which sender ID?", actor=personas.agent)
    with time_machine.travel(at(2026, 11, 23, 15), tick=False):
        actions.record_customer_message(ticket=ticket, body="SENDER-A", channel="email")
    ticket.refresh_from_db()
    assert ticket.next_response_due_at == at(2026, 11, 24, 15)  # 8h: Mon 15-18, Tue 09-12, 13-15
    with time_machine.travel(at(2026, 11, 24, 9), tick=False):
        actions.record_customer_message(ticket=ticket, body="Any news?", channel="email")
    ticket.refresh_from_db()
    assert ticket.next_response_due_at == at(2026, 11, 24, 18)  # restarted
    with time_machine.travel(at(2026, 11, 24, 11), tick=False):
        actions.record_reply(ticket=ticket, body="Fixed", actor=personas.agent)
    ticket.refresh_from_db()
    assert ticket.next_response_due_at is None and ticket.next_response_breached is False


def test_waiting_on_customer_pauses_the_resolution_clock(personas):
    ticket = opened(at(2026, 11, 23, 9), personas.other_customer, owner=personas.agent)
    assert ticket.resolution_due_at == at(2026, 11, 25, 18)
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):
        actions.record_reply(ticket=ticket, body="Please send the logs", actor=personas.agent,
                             status=Status.WAITING_CUSTOMER)
    ticket.refresh_from_db()
    assert ticket.paused_since == at(2026, 11, 23, 10)
    assert ticket.resolution_due_at is None
    assert [clock.paused for clock in deadlines.clocks(ticket) if clock.target == "resolution"] == [True]
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        actions.record_customer_message(ticket=ticket, body="Logs attached", channel="email")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.paused_since is None
    assert ticket.paused_seconds == 8 * 3600  # Mon 10-12, 13-18, Tue 09-10
    assert ticket.resolution_due_at == at(2026, 11, 26, 18)  # pushed out by those 8 hours
    with time_machine.travel(at(2026, 11, 24, 12), tick=False):
        actions.change_status(ticket=ticket, status=Status.RESOLVED, actor=personas.agent)
    ticket.refresh_from_db()
    # Mon 09-18 + Tue 09-12 = 11h of which 8 were paused.
    assert ticket.resolution_seconds == 3 * 3600
    assert ticket.resolution_breached is False
    assert ticket.sla_check_at is None


def test_waiting_on_vendor_does_not_pause_when_the_policy_says_so(personas):
    Policy.objects.filter(name="Default").update(pause_on_waiting_vendor=False)
    ticket = opened(at(2026, 11, 23, 9), personas.other_customer, owner=personas.agent)
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):
        actions.change_status(ticket=ticket, status=Status.WAITING_VENDOR, actor=personas.agent)
    ticket.refresh_from_db()
    assert ticket.paused_since is None and ticket.resolution_due_at == at(2026, 11, 25, 18)


def test_priority_change_reselects_the_policy_keeping_elapsed_time(personas):
    ticket = opened(at(2026, 11, 23, 9), personas.other_customer, owner=personas.agent)
    with time_machine.travel(at(2026, 11, 23, 9, 10), tick=False):
        actions.update_ticket(ticket=ticket, actor=personas.agent, priority=Priority.P1)
    ticket.refresh_from_db()
    assert getattr(ticket.sla_policy, "name", None) == "P1 · urgent"
    assert ticket.first_response_due_at == at(2026, 11, 23, 9, 30)  # from creation, not from the change
    assert ticket.resolution_due_at == at(2026, 11, 23, 18)
    assert ticket.sla_check_at == at(2026, 11, 23, 9, 22) + dt.timedelta(seconds=30)  # 75 % of 30 minutes


def test_a_policy_edit_recomputes_its_open_tickets(personas, django_capture_on_commit_callbacks):
    assert deadlines.recompute_policy_tickets in policy_listeners()
    ticket = opened(at(2026, 11, 23, 9), personas.other_customer, owner=personas.agent)
    closed = opened(at(2026, 11, 23, 9), personas.other_customer, owner=personas.agent)
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):
        actions.change_status(ticket=closed, status=Status.CLOSED, actor=personas.agent)
        policy = Policy.objects.get(name="Default")
        with django_capture_on_commit_callbacks(execute=True):
            save_policy(actor=personas.lead, policy=policy, first_response=dt.timedelta(hours=1))
    ticket.refresh_from_db()
    closed.refresh_from_db()
    assert ticket.first_response_due_at == at(2026, 11, 23, 10)
    assert closed.first_response_due_at == at(2026, 11, 23, 14)  # closed tickets keep theirs


def test_the_customer_s_calendar_wins(personas):
    london = Calendar.objects.create(
        name="London office", timezone="Europe/London", week={str(d): [["09:00", "17:00"]] for d in range(5)},
        country="GB",
    )
    personas.other_customer.calendar = london
    personas.other_customer.save()
    ticket = opened(at(2026, 11, 20, 16, tz=zoneinfo.ZoneInfo("Europe/London")), personas.other_customer)
    # Friday 16-17 London, then Monday 09-12 London.
    assert ticket.first_response_due_at == at(2026, 11, 23, 12, tz=zoneinfo.ZoneInfo("Europe/London"))


def test_imported_tickets_have_no_live_clocks(personas):
    with time_machine.travel(at(2026, 11, 25, 9), tick=False):
        ticket = make_ticket(customer=personas.other_customer, imported_at=at(2025, 3, 1, 9))
    ticket.refresh_from_db()
    assert ticket.sla_policy is None
    assert ticket.first_response_due_at is None and ticket.sla_check_at is None
    assert deadlines.clocks(ticket) == []


def test_resolving_then_reopening_resumes_the_clock(personas):
    ticket = opened(at(2026, 11, 23, 9), personas.other_customer, owner=personas.agent)
    with time_machine.travel(at(2026, 11, 23, 11), tick=False):
        actions.change_status(ticket=ticket, status=Status.RESOLVED, actor=personas.agent)
    ticket.refresh_from_db()
    assert ticket.resolution_seconds == 2 * 3600
    with time_machine.travel(at(2026, 11, 24, 11), tick=False):
        actions.record_customer_message(ticket=ticket, body="Still broken", channel="email")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.resolution_seconds is None
    assert ticket.paused_seconds == 8 * 3600  # resolved for a business day
    assert ticket.resolution_due_at == at(2026, 11, 26, 18)


def test_format_duration():
    assert deadlines.format_duration(dt.timedelta(hours=2, minutes=10)) == "2h 10m"
    assert deadlines.format_duration(dt.timedelta(minutes=35)) == "35m"
    assert deadlines.format_duration(dt.timedelta(hours=-1)) == "1h 0m"
