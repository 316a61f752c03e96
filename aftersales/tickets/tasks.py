"""The SLA sweep: every minute, warn and escalate the tickets whose deadlines are near or past.

It reads one indexed column, ``Ticket.sla_check_at`` (the earliest pending warning or breach
moment, kept by ``tickets.deadlines`` inside the actions), so its cost follows the number of
tickets due now, not the number of open tickets. Each (ticket, target, level, deadline) is
claimed by inserting a unique ``SlaNotice`` row: a second sweep running at the same time gets
an IntegrityError for it and does nothing, so nobody is warned twice.

- warning (``warn_at_percent`` of the target used) → notify the owner (the team lead, or the
  leads, when nobody owns the ticket) and note it on the timeline;
- breach (past due, not met) → mark the target breached, note it on the timeline, notify
  the owner and the team's lead (users with the lead role when the team has no lead).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from aftersales.core import clock
from aftersales.core.access import can_write
from aftersales.core.scheduler import register_job
from aftersales.notify.api import notify
from aftersales.tickets import actions, deadlines, events
from aftersales.tickets.models import Priority, SlaLevel, SlaNotice, SlaTarget, Ticket

CHUNK = 200


@dataclass
class SweepReport:
    tickets: int = 0
    warnings: int = 0
    breaches: int = 0
    already_handled: int = 0


def due_tickets(now: dt.datetime) -> Any:
    """The sweep's only scan: tickets whose next check is due (index ``ticket_sla_check``)."""
    return Ticket.objects.filter(sla_check_at__lte=now)


def sweep(*, now: dt.datetime | None = None, chunk: int = CHUNK) -> SweepReport:
    now = now or clock.now()
    report = SweepReport()
    leads: dict[str, list[Any]] = {}  # users with the lead role, read once per sweep
    after: tuple[dt.datetime, int] | None = None
    while True:
        # A range scan of the sla_check_at index, in (sla_check_at, pk) pages: never a walk of
        # the primary key looking for due rows (which reads every open ticket when few are due).
        due = due_tickets(now)
        if after is not None:
            due = due.filter(Q(sla_check_at__gt=after[0]) | Q(sla_check_at=after[0], pk__gt=after[1]))
        rows = list(due.order_by("sla_check_at", "pk").values_list("sla_check_at", "pk")[:chunk])
        for _check_at, pk in rows:
            _handle(pk, now, report, leads)
        if len(rows) < chunk:
            return report
        after = rows[-1]


def _leads(ticket: Ticket, cache: dict[str, list[Any]]) -> list[Any]:
    """The team's lead; without one, every active user with the lead role."""
    team = ticket.team
    if team is not None and team.lead is not None and team.lead.is_active:
        return [team.lead]
    if "lead" not in cache:
        user_model = get_user_model()
        cache["lead"] = list(
            user_model.objects.filter(groups__name="lead", is_active=True).select_related("agent_profile")
        )
    return cache["lead"]


def target_label(target: str) -> str:
    return str(SlaTarget(target).label)


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _handle(pk: int, now: dt.datetime, report: SweepReport, leads: dict[str, list[Any]]) -> None:
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("sla_policy__calendar", "customer__calendar", "owner__agent_profile", "team__lead")
            .filter(pk=pk, sla_check_at__lte=now)
            .order_by()
            .first()
        )
        if ticket is None:  # another sweep moved it on
            return
        report.tickets += 1
        if not deadlines.has_clocks(ticket):
            ticket.sla_check_at = None
            ticket.save(update_fields=["sla_check_at"])
            return
        engine = deadlines.engine_of(ticket)
        by_target = {clock_.target: clock_ for clock_ in deadlines.clocks(ticket, engine)}
        due = [item for item in deadlines.pending_moments(ticket, engine) if item[0] <= now]
        breaching = {target for _moment, target, level in due if level == SlaLevel.BREACH}
        fields: list[str] = []
        levels_done: list[str] = []
        for _moment, target, level in due:
            if level == SlaLevel.WARNING and target in breaching:
                continue  # the sweep was late: the breach says it all
            due_at = by_target[target].due_at
            assert due_at is not None
            try:
                with transaction.atomic():
                    SlaNotice.objects.create(ticket=ticket, target=target, level=level, due_at=due_at, created_at=now)
            except IntegrityError:
                report.already_handled += 1
                continue
            levels_done.append(level)
            if level == SlaLevel.BREACH:
                field = deadlines.BREACHED_FIELDS[SlaTarget(target)]
                setattr(ticket, field, True)
                fields.append(field)
                events.sla_breach(ticket, target=target, due_at=due_at, at=now)
                _notify_breach(ticket, target, due_at, leads=_leads(ticket, leads))
                report.breaches += 1
            else:
                events.sla_warning(ticket, target=target, due_at=due_at, at=now)
                recipients = [ticket.owner] if ticket.owner is not None else _leads(ticket, leads)
                _notify_warning(ticket, target, due_at, recipients, left=engine.business_time_between(now, due_at))
                report.warnings += 1
        fields += deadlines.schedule(ticket, after=now, engine=engine)
        ticket.save(update_fields=fields)
        if any(level == SlaLevel.BREACH for level in levels_done):
            _escalate(ticket)


# Stored in the source language, shown in the reader's (see the timeline's event text).
ESCALATION_REASON = gettext_noop("SLA breach escalation")


def _escalate(ticket: Ticket) -> None:
    """The policy's optional breach rules: raise the priority one step, hand the ticket over.

    Runs through the actions (after the sweep saved its own fields), so the timeline, the audit
    log and the recomputed deadlines come out exactly as for a person's change.
    """
    policy = ticket.sla_policy
    if policy is None:
        return
    if policy.breach_raise_priority and ticket.priority > Priority.P1:
        actions.update_ticket(ticket=ticket, actor=None, priority=ticket.priority - 1, reason=ESCALATION_REASON)
    target = policy.breach_reassign_to
    if target is not None and target.pk != ticket.owner_id and can_write(target):
        profile = getattr(target, "agent_profile", None)
        if profile is None or not profile.is_away:
            actions.assign_ticket(ticket=ticket, owner=target, actor=None, reason=ESCALATION_REASON)


def _notify_warning(
    ticket: Ticket, target: str, due_at: dt.datetime, recipients: list[Any], *, left: dt.timedelta
) -> None:
    notify(
        recipients,
        kind="sla_warning",
        title=lambda: _("%(ref)s: %(target)s due in %(left)s")
        % {"ref": ticket.ref, "target": target_label(target), "left": deadlines.format_duration(left)},
        body=lambda: _("“%(subject)s”: the %(target)s target is due at %(due)s (business time left: %(left)s).")
        % {
            "subject": ticket.subject,
            "target": target_label(target).lower(),
            "due": _when(due_at),
            "left": deadlines.format_duration(left),
        },
        url=reverse("tickets:detail", args=[ticket.ref]),
        ticket_ref=ticket.ref,
        key=f"sla:{ticket.pk}:{target}:warning:{due_at.isoformat()}",
    )


def _notify_breach(ticket: Ticket, target: str, due_at: dt.datetime, *, leads: list[Any]) -> None:
    notify(
        [ticket.owner, *leads],
        kind="sla_breach",
        title=lambda: _("%(ref)s: %(target)s target breached") % {"ref": ticket.ref, "target": target_label(target)},
        body=lambda: _("“%(subject)s” was due at %(due)s. Owner: %(owner)s.")
        % {
            "subject": ticket.subject,
            "due": _when(due_at),
            "owner": str(getattr(ticket.owner, "agent_profile", None) or ticket.owner or _("nobody")),
        },
        url=reverse("tickets:detail", args=[ticket.ref]),
        ticket_ref=ticket.ref,
        key=f"sla:{ticket.pk}:{target}:breach:{due_at.isoformat()}",
    )


@task()
def sla_sweep() -> dict[str, int]:
    return asdict(sweep())


register_job("tickets.sla_sweep", every=dt.timedelta(minutes=1), task=sla_sweep)
