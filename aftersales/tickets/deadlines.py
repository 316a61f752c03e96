"""SLA clocks on a ticket: which policy applies, when each target is due, what was achieved.

Everything here works on a ticket in memory and returns the names of the fields it changed;
the actions in ``tickets.actions`` call it inside their transaction and save those fields. No
periodic job scans open tickets: the sweep (``tickets.tasks``) reads only ``sla_check_at``,
the earliest pending warning or breach moment, which these functions keep up to date.

Targets, all in business time of the ticket's calendar (the customer's calendar if it has
one, else the policy's):

* first response — from creation to the first public reply;
* next response — from each customer message after the first response to the next reply
  (a new customer message restarts it, a reply clears it);
* resolution — from creation to resolved, minus the time the ticket spent paused (statuses the
  policy pauses on, e.g. waiting on customer). While paused ``resolution_due_at`` is empty;
  on resuming, the paused business time is added to ``paused_seconds`` and the deadline moves
  out by it. A resolved ticket is stopped too: reopening resumes the clock.

Imported tickets (``imported=True``) have no live clocks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from aftersales.sla.business_time import BusinessCalendar
from aftersales.sla.listeners import register_policy_listener
from aftersales.sla.policies import cached_calendar, cached_policy, default_engine, select_policy
from aftersales.tickets.models import DONE_STATUSES, OPEN_STATUSES, SlaTarget, Ticket

if TYPE_CHECKING:
    from aftersales.sla.models import Calendar, Policy

TARGETS = (SlaTarget.FIRST_RESPONSE, SlaTarget.NEXT_RESPONSE, SlaTarget.RESOLUTION)
DUE_FIELDS = {
    SlaTarget.FIRST_RESPONSE: "first_response_due_at",
    SlaTarget.NEXT_RESPONSE: "next_response_due_at",
    SlaTarget.RESOLUTION: "resolution_due_at",
}
BREACHED_FIELDS = {
    SlaTarget.FIRST_RESPONSE: "first_response_breached",
    SlaTarget.NEXT_RESPONSE: "next_response_breached",
    SlaTarget.RESOLUTION: "resolution_breached",
}
CLOCK_FIELDS = [
    "sla_policy",
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "paused_since",
    "paused_seconds",
    "first_response_seconds",
    "resolution_seconds",
    "first_response_breached",
    "next_response_breached",
    "resolution_breached",
    "sla_check_at",
]
RECOMPUTE_BATCH = 500


def _seconds(delta: dt.timedelta) -> int:
    return max(int(delta.total_seconds()), 0)


def format_duration(delta: dt.timedelta) -> str:
    """Business time for people: "2h 10m", "35m" (no days: a business day's length varies)."""
    minutes = abs(int(delta.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)dh %(minutes)dm") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)dm") % {"minutes": minutes}


def has_clocks(ticket: Ticket) -> bool:
    return not ticket.imported and ticket.sla_policy_id is not None


def calendar_of(ticket: Ticket, policy: Policy) -> Calendar:
    customer = ticket.customer
    if customer is None or customer.calendar_id is None:
        return policy.calendar
    loaded = type(customer).calendar.is_cached(customer)  # type: ignore[attr-defined]
    return (None if loaded else cached_calendar(customer.calendar_id)) or customer.calendar or policy.calendar


def policy_of(ticket: Ticket) -> Policy | None:
    """``ticket.sla_policy``, from the per-process policy cache when not loaded yet (saves two
    queries, the policy and its calendar, per action on a ticket)."""
    if ticket.sla_policy_id is not None and not Ticket.sla_policy.is_cached(ticket):
        policy = cached_policy(ticket.sla_policy_id)
        if policy is not None:
            ticket.sla_policy = policy
    return ticket.sla_policy


def engine_of(ticket: Ticket) -> BusinessCalendar:
    policy = policy_of(ticket)
    assert policy is not None
    return calendar_of(ticket, policy).engine()


def _stopped_statuses(policy: Policy) -> set[str]:
    return {str(status) for status in DONE_STATUSES} | set(policy.paused_statuses())


def choose_policy(ticket: Ticket) -> Policy:
    customer = ticket.customer
    return select_policy(
        tier=customer.tier if customer is not None else None,
        priority=int(ticket.priority),
        category_code=ticket.category.code if ticket.category is not None else None,
        channel=ticket.channel,
    )


# --- Reading the clocks ------------------------------------------------------------------
@dataclass(frozen=True)
class Clock:
    """One target's state, as the sweep and the ticket page see it."""

    target: str
    due_at: dt.datetime | None
    warn_at: dt.datetime | None
    running: bool  # counting now (not met, not paused, ticket open)
    met: bool
    breached: bool
    paused: bool
    achieved_seconds: int | None = None


def clocks(ticket: Ticket, engine: BusinessCalendar | None = None) -> list[Clock]:
    """The targets the ticket's policy sets, in order; empty for tickets without clocks."""
    if not has_clocks(ticket):
        return []
    policy = policy_of(ticket)
    assert policy is not None
    engine = engine or engine_of(ticket)
    pct = policy.warn_at_percent / 100
    is_open = ticket.status in OPEN_STATUSES
    result: list[Clock] = []
    if policy.first_response is not None:
        met = ticket.first_response_at is not None
        result.append(
            Clock(
                target=SlaTarget.FIRST_RESPONSE,
                due_at=ticket.first_response_due_at,
                warn_at=engine.add_business_time(ticket.created_at, policy.first_response * pct),
                running=is_open and not met,
                met=met,
                breached=ticket.first_response_breached,
                paused=False,
                achieved_seconds=ticket.first_response_seconds,
            )
        )
    if policy.next_response is not None and ticket.first_response_at is not None:
        due = ticket.next_response_due_at
        start = ticket.last_customer_message_at
        result.append(
            Clock(
                target=SlaTarget.NEXT_RESPONSE,
                due_at=due,
                warn_at=engine.add_business_time(start, policy.next_response * pct) if due and start else None,
                running=is_open and due is not None,
                met=due is None,
                breached=ticket.next_response_breached,
                paused=False,
            )
        )
    if policy.resolution is not None:
        paused = ticket.paused_since is not None and is_open
        met = ticket.status in DONE_STATUSES
        pushed = dt.timedelta(seconds=ticket.paused_seconds)
        result.append(
            Clock(
                target=SlaTarget.RESOLUTION,
                due_at=ticket.resolution_due_at,
                warn_at=engine.add_business_time(ticket.created_at, policy.resolution * pct + pushed)
                if not paused and not met
                else None,
                running=is_open and not paused,
                met=met,
                breached=ticket.resolution_breached,
                paused=paused,
                achieved_seconds=ticket.resolution_seconds,
            )
        )
    return result


def pending_moments(ticket: Ticket, engine: BusinessCalendar | None = None) -> list[tuple[dt.datetime, str, str]]:
    """(moment, target, level) still to be handled: warnings before breach, breaches not yet flagged."""
    moments: list[tuple[dt.datetime, str, str]] = []
    for clock in clocks(ticket, engine):
        if not clock.running or clock.breached or clock.due_at is None:
            continue
        if clock.warn_at is not None and clock.warn_at < clock.due_at:
            moments.append((clock.warn_at, clock.target, "warning"))
        moments.append((clock.due_at, clock.target, "breach"))
    return sorted(moments)


def schedule(ticket: Ticket, *, after: dt.datetime | None = None, engine: BusinessCalendar | None = None) -> list[str]:
    """Set ``sla_check_at`` to the earliest pending moment (later than ``after`` if given)."""
    moments = [moment for moment, _target, _level in pending_moments(ticket, engine) if after is None or moment > after]
    ticket.sla_check_at = moments[0] if moments else None
    return ["sla_check_at"]


# --- Changing the clocks (called by the actions) -----------------------------------------
def start(ticket: Ticket) -> list[str]:
    """A ticket was opened: choose its policy and set its first deadlines."""
    if ticket.imported:
        return []
    policy = choose_policy(ticket)
    ticket.sla_policy = policy
    engine = engine_of(ticket)
    ticket.first_response_due_at = (
        engine.add_business_time(ticket.created_at, policy.first_response) if policy.first_response else None
    )
    ticket.resolution_due_at = (
        engine.add_business_time(ticket.created_at, policy.resolution) if policy.resolution else None
    )
    fields = ["sla_policy", "first_response_due_at", "resolution_due_at"]
    if ticket.status in _stopped_statuses(policy):
        fields += pause(ticket, ticket.created_at)
    return fields + schedule(ticket, engine=engine)


def pause(ticket: Ticket, now: dt.datetime) -> list[str]:
    if ticket.paused_since is None:
        ticket.paused_since = now
    ticket.resolution_due_at = None
    return ["paused_since", "resolution_due_at"]


def _resume(ticket: Ticket, now: dt.datetime, engine: BusinessCalendar) -> list[str]:
    policy = ticket.sla_policy
    assert policy is not None
    if ticket.paused_since is not None:
        ticket.paused_seconds += _seconds(engine.business_time_between(ticket.paused_since, now))
        ticket.paused_since = None
    ticket.resolution_due_at = (
        engine.add_business_time(ticket.created_at, policy.resolution + dt.timedelta(seconds=ticket.paused_seconds))
        if policy.resolution
        else None
    )
    return ["paused_since", "paused_seconds", "resolution_due_at"]


def _resolution_elapsed(ticket: Ticket, now: dt.datetime, engine: BusinessCalendar) -> int:
    """Business seconds the resolution clock has run until ``now`` (paused time left out)."""
    elapsed = _seconds(engine.business_time_between(ticket.created_at, now)) - ticket.paused_seconds
    if ticket.paused_since is not None:
        elapsed -= _seconds(engine.business_time_between(ticket.paused_since, now))
    return max(elapsed, 0)


_SPAN_FIELDS = {
    "new": "seconds_with_us",
    "open": "seconds_with_us",
    "waiting_customer": "seconds_waiting_customer",
    "waiting_vendor": "seconds_waiting_vendor",
}


def _span_engine(ticket: Ticket) -> BusinessCalendar:
    """The ticket's business calendar; tickets without clocks (imported) use the default policy's."""
    if ticket.sla_policy_id is not None:
        return engine_of(ticket)
    return default_engine()


def count_time_in_status(ticket: Ticket, old: str, new: str, now: dt.datetime) -> list[str]:
    """Add the business time spent in ``old`` to its bucket and start counting ``new``."""
    fields = ["status_since"]
    started = ticket.status_since or ticket.created_at
    bucket = _SPAN_FIELDS.get(old)
    if bucket is not None and started is not None and now > started:
        spent = _seconds(_span_engine(ticket).business_time_between(started, now))
        setattr(ticket, bucket, getattr(ticket, bucket) + spent)
        fields.append(bucket)
    if old in DONE_STATUSES and new not in DONE_STATUSES:
        ticket.reopen_count += 1
        fields.append("reopen_count")
    ticket.status_since = now
    return fields


def status_changed(ticket: Ticket, old: str, new: str, now: dt.datetime) -> list[str]:
    """Pause, resume, stop at resolution (storing the achieved time) or restart on reopening."""
    if not has_clocks(ticket):
        return []
    policy = policy_of(ticket)
    assert policy is not None
    engine = engine_of(ticket)
    stopped = _stopped_statuses(policy)
    fields: list[str] = []
    if new in DONE_STATUSES and old not in DONE_STATUSES:
        ticket.resolution_seconds = _resolution_elapsed(ticket, now, engine)
        fields.append("resolution_seconds")
        if policy.resolution is not None and ticket.resolution_seconds > policy.resolution.total_seconds():
            ticket.resolution_breached = True
            fields.append("resolution_breached")
    elif old in DONE_STATUSES and new not in DONE_STATUSES:
        ticket.resolution_seconds = None
        fields.append("resolution_seconds")
    if new in stopped and old not in stopped:
        if new in DONE_STATUSES and ticket.resolution_due_at is not None:
            # Resolved: the deadline stays visible next to the achieved time.
            ticket.paused_since = now
            fields.append("paused_since")
        else:
            fields += pause(ticket, now)
    elif old in stopped and new not in stopped:
        fields += _resume(ticket, now, engine)
    return fields + schedule(ticket, engine=engine)


def replied(ticket: Ticket, now: dt.datetime) -> list[str]:
    """A public reply: the first one meets the first-response target; any one clears next response."""
    if not has_clocks(ticket):
        return []
    engine = engine_of(ticket)
    fields: list[str] = []
    if ticket.first_response_at is not None and ticket.first_response_seconds is None:
        ticket.first_response_seconds = _seconds(
            engine.business_time_between(ticket.created_at, ticket.first_response_at)
        )
        fields.append("first_response_seconds")
        if ticket.first_response_due_at is not None and ticket.first_response_at > ticket.first_response_due_at:
            ticket.first_response_breached = True
            fields.append("first_response_breached")
    if ticket.next_response_due_at is not None:
        if now > ticket.next_response_due_at:
            ticket.next_response_breached = True
            fields.append("next_response_breached")
        ticket.next_response_due_at = None
        fields.append("next_response_due_at")
    return fields + schedule(ticket, engine=engine)


def customer_wrote(ticket: Ticket, now: dt.datetime) -> list[str]:
    """A customer message after the first response (re)starts the next-response clock."""
    if not has_clocks(ticket) or ticket.first_response_at is None:
        return []
    policy = policy_of(ticket)
    assert policy is not None
    if policy.next_response is None:
        return []
    engine = engine_of(ticket)
    ticket.next_response_due_at = engine.add_business_time(now, policy.next_response)
    return ["next_response_due_at", *schedule(ticket, engine=engine)]


def recompute(ticket: Ticket, *, reselect: bool = True) -> list[str]:
    """Priority, category, customer or policy changed: choose the policy again and move the
    deadlines, keeping the time already elapsed (deadlines are measured from creation)."""
    if ticket.imported:
        return []
    if reselect or ticket.sla_policy_id is None:
        ticket.sla_policy = choose_policy(ticket)
    policy = policy_of(ticket)
    assert policy is not None
    engine = engine_of(ticket)
    ticket.first_response_due_at = (
        engine.add_business_time(ticket.created_at, policy.first_response) if policy.first_response else None
    )
    if ticket.next_response_due_at is not None and ticket.last_customer_message_at is not None:
        ticket.next_response_due_at = (
            engine.add_business_time(ticket.last_customer_message_at, policy.next_response)
            if policy.next_response
            else None
        )
    stopped = ticket.status in _stopped_statuses(policy)
    if policy.resolution is None:
        ticket.resolution_due_at = None
    elif not stopped or ticket.status in DONE_STATUSES:
        ticket.resolution_due_at = engine.add_business_time(
            ticket.created_at, policy.resolution + dt.timedelta(seconds=ticket.paused_seconds)
        )
    else:
        ticket.resolution_due_at = None
    return [
        "sla_policy",
        "first_response_due_at",
        "next_response_due_at",
        "resolution_due_at",
        *schedule(ticket, engine=engine),
    ]


# --- Policy edits --------------------------------------------------------------------------
def recompute_policy_tickets(policy: Any) -> int:
    """After a policy changed: recompute its open tickets, ``RECOMPUTE_BATCH`` at a time."""
    from django.db import transaction

    count = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                Ticket.objects.select_for_update(of=("self",))
                .filter(sla_policy_id=policy.pk, status__in=OPEN_STATUSES, imported=False, pk__gt=last_pk)
                .select_related("customer__calendar", "category")
                .order_by("pk")[:RECOMPUTE_BATCH]
            )
            if not batch:
                return count
            for ticket in batch:
                recompute(ticket)
            Ticket.objects.bulk_update(batch, CLOCK_FIELDS)
        count += len(batch)
        last_pk = batch[-1].pk


def register() -> None:
    register_policy_listener(recompute_policy_tickets)


# --- What people see -----------------------------------------------------------------------
@dataclass(frozen=True)
class Summary:
    """The one clock a queue row shows: the nearest running deadline, or why there is none."""

    state: str  # "ok", "warning", "breached", "paused", "met", "none"
    target: str = ""
    due_at: dt.datetime | None = None
    left: dt.timedelta = dt.timedelta(0)  # business time; for "breached", how long overdue

    @property
    def text(self) -> str:
        if self.state == "breached":
            return _("overdue %(time)s") % {"time": format_duration(self.left)}
        if self.state in ("ok", "warning"):
            return _("%(time)s left") % {"time": format_duration(self.left)}
        if self.state == "paused":
            return _("paused")
        if self.state == "met":
            return _("met")
        return ""

    @property
    def target_label(self) -> str:
        return str(SlaTarget(self.target).label) if self.target else ""


def view_clocks(ticket: Ticket, now: dt.datetime) -> list[tuple[Clock, Summary]]:
    """Each target with its state for the ticket page."""
    if not has_clocks(ticket):
        return []
    engine = engine_of(ticket)
    return [(item, _summarise(item, now, engine)) for item in clocks(ticket, engine)]


def _summarise(item: Clock, now: dt.datetime, engine: BusinessCalendar) -> Summary:
    if item.running and item.due_at is not None:
        if now >= item.due_at:
            return Summary("breached", item.target, item.due_at, engine.business_time_between(item.due_at, now))
        left = engine.business_time_between(now, item.due_at)
        state = "warning" if item.warn_at is not None and now >= item.warn_at else "ok"
        return Summary(state, item.target, item.due_at, left)
    if item.paused:
        return Summary("paused", item.target)
    if item.met:
        return Summary("breached" if item.breached else "met", item.target, item.due_at)
    return Summary("none", item.target)


def summary(ticket: Ticket, now: dt.datetime) -> Summary:
    """The nearest running deadline of ``ticket`` (for the queue badge)."""
    pairs = view_clocks(ticket, now)
    live = sorted(
        (state for item, state in pairs if item.running and state.due_at is not None),
        key=lambda state: state.due_at or now,
    )
    if live:
        return live[0]
    if any(state.state == "paused" for _item, state in pairs):
        return Summary("paused", SlaTarget.RESOLUTION)
    return Summary("none")
