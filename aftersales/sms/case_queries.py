"""Reads about vendor cases: who may see them, the list with its filters and counts, the cases
linked to a ticket, and the vendor response-time figures (median first response and resolution
per vendor per month).

Access: every desk member (viewers included) reads vendor cases; writers change them. Anyone
else gets a 404 for a case (as for tickets) and a 403 for the pages.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from aftersales.core import clock
from aftersales.core.access import is_staff_member, require_write
from aftersales.sms.cases import DONE_CASE_STATUSES, OPEN_CASE_STATUSES
from aftersales.sms.models import VendorCase
from aftersales.tickets.models import Ticket

DEFAULT_FIGURE_MONTHS = 12
# 0 for open cases, 1 for resolved or closed ones: open cases sort first.
_DONE_LAST = Case(When(status__in=DONE_CASE_STATUSES, then=Value(1)), default=Value(0), output_field=IntegerField())


# --- Access ----------------------------------------------------------------------------------
def cases_visible_to(user: Any) -> QuerySet[VendorCase]:
    if is_staff_member(user):
        return VendorCase.objects.all()
    return VendorCase.objects.none()


def get_case_for_user(user: Any, pk: int, *, write: bool = False) -> VendorCase:
    """The case ``pk`` if ``user`` may see it (404 otherwise); ``write`` also demands a write role (403)."""
    case = cases_visible_to(user).select_related("owner__agent_profile", "vendor_account").filter(pk=pk).first()
    if case is None:
        raise Http404("No such vendor case")
    if write:
        require_write(user)
    return case


# --- Lists -----------------------------------------------------------------------------------
def filter_cases(
    queryset: QuerySet[VendorCase], *, status: str = "", vendor: str = "", owner: Any = None
) -> QuerySet[VendorCase]:
    """``status`` is one status, or "open" / "done" for the groups."""
    if status == "open":
        queryset = queryset.filter(status__in=OPEN_CASE_STATUSES)
    elif status == "done":
        queryset = queryset.filter(status__in=DONE_CASE_STATUSES)
    elif status:
        queryset = queryset.filter(status=status)
    if vendor:
        queryset = queryset.filter(vendor=vendor)
    if owner is not None:
        queryset = queryset.filter(owner=owner)
    return queryset


def listing(queryset: QuerySet[VendorCase]) -> QuerySet[VendorCase]:
    """Open cases first (oldest first: the longest wait on top), then the rest, newest first."""
    return (
        queryset.select_related("owner__agent_profile")
        .annotate(
            linked_count=Count("tickets", distinct=True),
            is_done=_DONE_LAST,
        )
        .order_by("is_done", "-opened_at", "-pk")
    )


def status_counts(queryset: QuerySet[VendorCase]) -> dict[str, int]:
    """Cases per status, plus "open" (all open statuses) and "all": one query."""
    counts = {status: 0 for status in VendorCase.Status.values}
    for status, n in queryset.order_by().values_list("status").annotate(n=Count("pk")):
        counts[status] = n
    counts["open"] = sum(counts[s] for s in OPEN_CASE_STATUSES)
    counts["all"] = sum(counts[s] for s in VendorCase.Status.values)
    return counts


def cases_for_ticket(ticket: Ticket) -> list[VendorCase]:
    return list(
        VendorCase.objects.filter(tickets=ticket)
        .select_related("owner__agent_profile")
        .annotate(is_done=_DONE_LAST)
        .order_by("is_done", "-opened_at", "-pk")
    )


def linked_tickets(case: VendorCase) -> list[Ticket]:
    return list(case.tickets.select_related("customer", "owner__agent_profile").order_by("pk"))


# --- Figures ---------------------------------------------------------------------------------
def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


@dataclass
class MonthFigures:
    month: dt.date  # the first day of the month, in the desk's time zone
    opened: int = 0
    answered: int = 0
    resolved: int = 0
    first_response_hours: list[float] = field(default_factory=list)
    resolution_hours: list[float] = field(default_factory=list)

    @property
    def median_first_response(self) -> float | None:
        return _median(self.first_response_hours)

    @property
    def median_resolution(self) -> float | None:
        return _median(self.resolution_hours)

    @property
    def unanswered(self) -> int:
        return self.opened - self.answered


@dataclass
class VendorFigures:
    vendor: str
    label: str
    months: list[MonthFigures]  # newest first

    @property
    def total(self) -> MonthFigures:
        """The whole window as one row."""
        total = MonthFigures(month=self.months[-1].month if self.months else dt.date.today())
        for month in self.months:
            total.opened += month.opened
            total.answered += month.answered
            total.resolved += month.resolved
            total.first_response_hours += month.first_response_hours
            total.resolution_hours += month.resolution_hours
        return total


def _month_start(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def response_figures(*, months: int = DEFAULT_FIGURE_MONTHS, vendor: str = "") -> list[VendorFigures]:
    """Per vendor, per month the case was opened with the vendor (the last ``months`` months,
    this one included): cases opened, answered and resolved, and the median hours from opening
    to the first vendor response and to resolution. One query; medians in Python.

    Months are those of the active time zone. A vendor appears when it has a case in the window.
    """
    now_local = timezone.localtime(clock.now())
    first_month = _month_start(now_local.date(), months - 1)
    start = timezone.make_aware(dt.datetime.combine(first_month, dt.time.min), now_local.tzinfo)
    rows = VendorCase.objects.filter(opened_at__gte=start)
    if vendor:
        rows = rows.filter(vendor=vendor)
    per_vendor: dict[str, dict[dt.date, MonthFigures]] = defaultdict(dict)
    labels = dict(VendorCase._meta.get_field("vendor").choices or [])  # type: ignore[arg-type]
    for kind, opened_at, answered_at, resolved_at in rows.order_by().values_list(
        "vendor", "opened_at", "first_vendor_response_at", "resolved_at"
    ):
        local = timezone.localtime(opened_at, now_local.tzinfo).date()
        key = local.replace(day=1)
        month = per_vendor[kind].setdefault(key, MonthFigures(month=key))
        month.opened += 1
        if answered_at is not None:
            month.answered += 1
            month.first_response_hours.append(_hours(answered_at - opened_at))
        if resolved_at is not None:
            month.resolved += 1
            month.resolution_hours.append(_hours(resolved_at - opened_at))
    result = []
    all_months = [_month_start(now_local.date(), back) for back in range(months)]
    for kind in sorted(per_vendor, key=lambda k: str(labels.get(k, k))):
        found = per_vendor[kind]
        result.append(
            VendorFigures(
                vendor=kind,
                label=str(labels.get(kind, kind)),
                months=[found.get(month, MonthFigures(month=month)) for month in all_months],
            )
        )
    return result
