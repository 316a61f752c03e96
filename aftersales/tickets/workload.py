"""Workload per agent for leads: open tickets, due soon, breached, response medians.

A constant number of queries whatever the number of agents or tickets: the agents (1), the
default calendar (1, plus its overrides the first time its engine is built), one aggregate
of open tickets per owner with conditional counts, and one query for the medians (on
PostgreSQL ``percentile_cont`` per owner; elsewhere the achieved seconds of the last 30
days, with the medians taken in Python). Both give the same numbers: the median of an even
count is the mean of the two middle values.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Q
from django.utils.translation import gettext as _

from aftersales.core import clock
from aftersales.core.access import oversees_desk
from aftersales.customers.forms import agent_label, agents_queryset
from aftersales.sla.models import Calendar
from aftersales.tickets.models import OPEN_STATUSES, Ticket

DUE_SOON = dt.timedelta(hours=4)  # business time
WINDOWS = (7, 30)  # days


def can_see_workload(user: Any) -> bool:
    """Leads and admins (who balance the load) and viewers (who watch it); not agents."""
    return oversees_desk(user)


def open_counts(user_ids: list[int]) -> dict[int, int]:
    """Open tickets per owner among ``user_ids`` (one query); routing's "fewest open" uses it."""
    rows = (
        Ticket.objects.filter(owner_id__in=user_ids, status__in=OPEN_STATUSES)
        .values("owner")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("owner", "n")
    )
    return dict(rows)


def format_duration(seconds: float | None) -> str:
    """Business seconds as "2h 15m" ("45m", "0m"); "—" when there is nothing to show."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)dh %(minutes)dm") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)dm") % {"minutes": minutes}


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``: the median, interpolated like ``statistics.median``."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass
class AgentLoad:
    user: Any
    name: str
    is_away: bool
    open: int = 0
    due_soon: int = 0
    breached: int = 0
    medians: dict[str, float | None] = field(default_factory=dict)  # "fr7", "fr30", "res7", "res30"

    @property
    def first_response_7(self) -> str:
        return format_duration(self.medians.get("fr7"))

    @property
    def first_response_30(self) -> str:
        return format_duration(self.medians.get("fr30"))

    @property
    def resolution_7(self) -> str:
        return format_duration(self.medians.get("res7"))

    @property
    def resolution_30(self) -> str:
        return format_duration(self.medians.get("res30"))


def due_soon_limit(now: dt.datetime) -> dt.datetime:
    """Four business hours from ``now`` on the default calendar."""
    return Calendar.get_default().engine().add_business_time(now, DUE_SOON)


def due_soon(now: dt.datetime, soon: dt.datetime) -> Q:
    """Open tickets whose next deadline falls between ``now`` and ``soon`` (the workload page and /metrics)."""
    return (
        Q(first_response_at__isnull=True, first_response_due_at__gt=now, first_response_due_at__lte=soon)
        | Q(next_response_due_at__gt=now, next_response_due_at__lte=soon)
        | Q(paused_since__isnull=True, resolution_due_at__gt=now, resolution_due_at__lte=soon)
    )


BREACHED = Q(first_response_breached=True) | Q(next_response_breached=True) | Q(resolution_breached=True)


def _medians_sql(ids: list[int], since: dict[int, dt.datetime]) -> dict[int, dict[str, float | None]]:
    annotations: dict[str, Any] = {}
    for days in WINDOWS:
        annotations[f"fr{days}"] = Median("first_response_seconds", filter=Q(first_response_at__gte=since[days]))
        annotations[f"res{days}"] = Median("resolution_seconds", filter=Q(resolved_at__gte=since[days]))
    widest = since[max(WINDOWS)]
    rows = (
        Ticket.objects.filter(owner_id__in=ids)
        .filter(Q(first_response_at__gte=widest) | Q(resolved_at__gte=widest))
        .values("owner")
        .annotate(**annotations)
        .order_by()
    )
    return {row.pop("owner"): row for row in rows}


def _medians_python(ids: list[int], since: dict[int, dt.datetime]) -> dict[int, dict[str, float | None]]:
    widest = since[max(WINDOWS)]
    samples: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    rows: Iterable[tuple[int, Any, Any, Any, Any]] = (
        Ticket.objects.filter(owner_id__in=ids)
        .filter(Q(first_response_at__gte=widest) | Q(resolved_at__gte=widest))
        .values_list("owner", "first_response_at", "first_response_seconds", "resolved_at", "resolution_seconds")
    )
    for owner, responded, response_seconds, resolved, resolution_seconds in rows:
        for days in WINDOWS:
            if responded is not None and response_seconds is not None and responded >= since[days]:
                samples[owner][f"fr{days}"].append(response_seconds)
            if resolved is not None and resolution_seconds is not None and resolved >= since[days]:
                samples[owner][f"res{days}"].append(resolution_seconds)
    return {
        owner: {key: float(statistics.median(values)) for key, values in found.items() if values}
        for owner, found in samples.items()
    }


@dataclass
class Workload:
    agents: list[AgentLoad]
    unassigned: AgentLoad  # open tickets with no owner (medians stay empty)


def workload(now: dt.datetime | None = None) -> Workload:
    """One row per active user with a write role, by name, and the unassigned backlog."""
    now = now or clock.now()
    agents = list(agents_queryset())
    ids = [agent.pk for agent in agents]
    soon = due_soon_limit(now)
    counts = {
        row["owner"]: row
        for row in Ticket.objects.filter(Q(owner_id__in=ids) | Q(owner__isnull=True), status__in=OPEN_STATUSES)
        .values("owner")
        .annotate(
            open=Count("pk"),
            due_soon=Count("pk", filter=due_soon(now, soon)),
            breached=Count("pk", filter=BREACHED),
        )
        .order_by()
    }
    since = {days: now - dt.timedelta(days=days) for days in WINDOWS}
    medians = _medians_sql(ids, since) if connection.vendor == "postgresql" else _medians_python(ids, since)
    loads = []
    for agent in agents:
        row = counts.get(agent.pk, {})
        profile = getattr(agent, "agent_profile", None)
        loads.append(AgentLoad(
            user=agent,
            name=agent_label(agent),
            is_away=bool(profile and profile.is_away),
            open=row.get("open", 0),
            due_soon=row.get("due_soon", 0),
            breached=row.get("breached", 0),
            medians=medians.get(agent.pk, {}),
        ))
    nobody = counts.get(None, {})
    unassigned = AgentLoad(
        user=None, name=_("Unassigned"), is_away=False,
        open=nobody.get("open", 0), due_soon=nobody.get("due_soon", 0), breached=nobody.get("breached", 0),
    )
    return Workload(agents=loads, unassigned=unassigned)


def agent_workload(now: dt.datetime | None = None) -> list[AgentLoad]:
    return workload(now).agents
