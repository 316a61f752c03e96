"""Check-ins: every write (plans, logged touchpoints, reminders) and the rules they follow.

Dates: a plan's due date is a calendar date in the desk's timezone (``settings.TIME_ZONE``), so
"overdue" is one SQL comparison for every plan on the list; a few hours of timezone difference do
not matter on a cadence counted in days.

Next due: the date of the last check-in plus the cadence; with no check-in yet, the plan's start
date (a new plan is due at once: the seed's "no regular contact" shows up immediately).

Reminders (``send_due_reminders``, the daily ``feedback.checkin_reminders`` job): the owner is
notified once per due date — when the due date arrives, or on the first working day after it if
it falls on a day off of the customer's business calendar (its own, else the desk's default). An
overdue check-in is not reminded again every day: it stays on the overdue list and the customer
panel; the next reminder is for the next due date, after a check-in (or a plan change) moves it.
A plan without an owner reminds nobody and shows "no owner" on the list.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.core import bulk, clock
from aftersales.core.access import can_write, is_lead
from aftersales.customers.models import Customer, CustomerStatus
from aftersales.feedback.models import Checkin, CheckinKind, CheckinPlan, CheckinSource
from aftersales.feedback.models.checkins import DEFAULT_CADENCE_DAYS, MAX_CADENCE_DAYS

# A check-in logged this far in the future is refused (a clock a little ahead is tolerated).
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


def desk_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in the desk's timezone."""
    return (now or clock.now()).astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def desk_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def next_due(*, started_on: dt.date, cadence_days: int, last_checkin_at: dt.datetime | None) -> dt.date:
    if last_checkin_at is None:
        return started_on
    return desk_date(last_checkin_at) + dt.timedelta(days=cadence_days)


# --- Who may do what ----------------------------------------------------------------------------


def can_log(user: Any) -> bool:
    return can_write(user)


def can_change_plan(user: Any, customer: Customer) -> bool:
    """Leads, and the customer's account manager (when they are a writer)."""
    if is_lead(user):
        return True
    return can_write(user) and customer.account_manager_id is not None and customer.account_manager_id == user.pk


# --- Queries ------------------------------------------------------------------------------------


def plans(*, owner: Any = None, overdue_only: bool = False, today: dt.date | None = None) -> QuerySet[CheckinPlan]:
    """Active plans, soonest due first (so due and overdue come first)."""
    today = today or desk_today()
    queryset = CheckinPlan.objects.filter(active=True).select_related("customer__parent", "owner__agent_profile")
    if owner == "none":
        queryset = queryset.filter(owner__isnull=True)
    elif owner is not None:
        queryset = queryset.filter(owner=owner)
    if overdue_only:
        queryset = queryset.filter(next_due_on__lt=today)
    return queryset.order_by("next_due_on", "customer__name", "pk")


def customers_without_plan() -> QuerySet[Customer]:
    """Active master accounts nobody checks in with (no plan at all)."""
    return Customer.objects.filter(
        status=CustomerStatus.ACTIVE, parent__isnull=True, checkin_plan__isnull=True
    ).order_by("name")


# --- Plans --------------------------------------------------------------------------------------


def _plan_values(plan: CheckinPlan) -> dict[str, Any]:
    return {"owner": plan.owner_id, "cadence_days": plan.cadence_days, "active": plan.active}


def refresh_plan(plan: CheckinPlan, *, now: dt.datetime | None = None) -> CheckinPlan:
    """Recompute ``last_checkin_at`` and ``next_due_on`` from the customer's check-ins and save them."""
    last = Checkin.objects.filter(customer_id=plan.customer_id).aggregate(last=Max("occurred_at"))["last"]
    plan.last_checkin_at = last
    plan.next_due_on = next_due(started_on=plan.started_on, cadence_days=plan.cadence_days, last_checkin_at=last)
    plan.updated_at = now or clock.now()
    plan.save(update_fields=["last_checkin_at", "next_due_on", "updated_at"])
    return plan


def _check_kind(kind: str) -> None:
    if kind not in CheckinKind.values:
        raise ValidationError({"kind": _("Choose call, email, chat, meeting or other.")})


def _check_cadence(cadence_days: int) -> None:
    if not 1 <= int(cadence_days) <= MAX_CADENCE_DAYS:
        raise ValidationError(
            {"cadence_days": _("Choose a cadence between 1 and %(max)d days.") % {"max": MAX_CADENCE_DAYS}}
        )


def _check_owner(owner: Any) -> None:
    if owner is not None and not (owner.is_active and can_write(owner)):
        raise ValidationError({"owner": _("The owner must be an active agent or lead.")})


def save_plan(
    *,
    customer: Customer,
    actor: Any,
    cadence_days: int = DEFAULT_CADENCE_DAYS,
    owner: Any = None,
    active: bool = True,
    use_account_manager: bool = False,
) -> CheckinPlan:
    """Create or change the customer's plan (audited). ``use_account_manager``: owner = the
    customer's account manager (the default for a new plan)."""
    if use_account_manager:
        owner = customer.account_manager
    _check_cadence(cadence_days)
    _check_owner(owner)
    now = clock.now()
    with transaction.atomic():
        plan = CheckinPlan.objects.select_for_update().filter(customer=customer).first()
        if plan is None:
            plan = CheckinPlan(
                customer=customer,
                started_on=desk_today(now),
                next_due_on=desk_today(now),
                created_at=now,
                updated_at=now,
            )
            before: dict[str, Any] = {}
            action = "feedback.checkin_plan.created"
        else:
            before = _plan_values(plan)
            action = "feedback.checkin_plan.changed"
        plan.owner = owner
        plan.cadence_days = int(cadence_days)
        plan.active = active
        plan.updated_at = now
        plan.save()
        refresh_plan(plan, now=now)
        after = _plan_values(plan)
        if before != after:
            audit(actor=actor, action=action, obj=plan, before=before, after=after)
    return plan


def create_missing_plans(*, actor: Any, cadence_days: int = DEFAULT_CADENCE_DAYS) -> int:
    """A plan (owner: the account manager) for every active master account that has none."""
    created = 0
    for customer in customers_without_plan().select_related("account_manager"):
        save_plan(customer=customer, actor=actor, cadence_days=cadence_days, use_account_manager=True)
        created += 1
    return created


# --- Check-ins ----------------------------------------------------------------------------------


def log_checkin(
    *,
    customer: Customer,
    actor: Any,
    kind: str,
    occurred_at: dt.datetime | None = None,
    notes: str = "",
    owner: Any = None,
    source: str = CheckinSource.DESK,
    source_ref: str = "",
) -> Checkin:
    """Record a touchpoint and move the plan's next due date.

    ``owner`` (who talked to the customer) defaults to the actor. Imports pass ``source="import"``,
    the original time and ``source_ref``: the same reference is stored once (a re-import returns
    the existing check-in).
    """
    now = clock.now()
    occurred_at = occurred_at or now
    _check_kind(kind)
    if source not in CheckinSource.values:
        raise ValidationError({"source": _("Unknown source.")})
    if occurred_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"occurred_at": _("A check-in cannot be in the future.")})
    if owner is None and getattr(actor, "is_authenticated", False):
        owner = actor
    with transaction.atomic():
        if source_ref:
            existing = Checkin.objects.filter(source=source, source_ref=source_ref).first()
            if existing is not None:
                return existing
        checkin = Checkin.objects.create(
            customer=customer,
            owner=owner,
            occurred_at=occurred_at,
            kind=kind,
            notes=notes.strip(),
            logged_by=actor if getattr(actor, "is_authenticated", False) else None,
            logged_at=now,
            source=source,
            source_ref=source_ref,
        )
        plan = CheckinPlan.objects.select_for_update().filter(customer=customer).first()
        if plan is not None:
            refresh_plan(plan, now=now)
    return checkin


@dataclass(frozen=True)
class ImportedCheckin:
    """A check-in read from an old log (``import_checkins``): what ``log_checkin`` takes from an import."""

    customer: Customer
    kind: str
    occurred_at: dt.datetime
    notes: str
    owner: Any
    source_ref: str


def import_checkins(items: list[ImportedCheckin]) -> list[Checkin]:
    """Record a batch of imported check-ins at once; returns one check-in per item, in order.

    The same rows as ``log_checkin(actor=None, source="import", …)`` called for each item in turn
    with the clock at its ``occurred_at`` (as the importer calls it): logged when it happened, by
    nobody; a ``source_ref`` stored before returns the existing check-in and writes nothing; each
    customer's plan is refreshed once, as the last of its new check-ins left it. Four statements
    for the batch and two per customer with a plan, where ``log_checkin`` takes four statements
    and a savepoint per check-in. Raises ``ValidationError`` (writing nothing) for a kind
    ``log_checkin`` refuses."""
    for kind in {item.kind for item in items}:
        _check_kind(kind)
    with transaction.atomic():
        refs = {item.source_ref for item in items if item.source_ref}
        known = {
            checkin.source_ref: checkin
            for checkin in Checkin.objects.filter(source=CheckinSource.IMPORT, source_ref__in=refs)
        }
        out: list[Checkin] = []
        new: list[Checkin] = []
        last_at: dict[int, dt.datetime] = {}  # customer pk → its last new check-in's time (the plan's "now")
        for item in items:
            if item.source_ref and item.source_ref in known:
                out.append(known[item.source_ref])
                continue
            checkin = bulk.new(
                Checkin, customer=item.customer, owner=item.owner, occurred_at=item.occurred_at, kind=item.kind,
                notes=item.notes.strip(), logged_by=None, logged_at=item.occurred_at, source=CheckinSource.IMPORT,
                source_ref=item.source_ref,
            )  # fmt: skip
            out.append(checkin)
            new.append(checkin)
            if item.source_ref:
                known[item.source_ref] = checkin
            last_at[item.customer.pk] = item.occurred_at
        bulk.insert(new)
        for plan in CheckinPlan.objects.select_for_update().filter(customer__in=last_at).order_by("pk"):
            refresh_plan(plan, now=last_at[plan.customer_id])
    return out


def recent_checkins(customer: Customer, limit: int = 5) -> list[Checkin]:
    return list(
        Checkin.objects.filter(customer=customer)
        .select_related("owner__agent_profile")
        .order_by("-occurred_at", "-pk")[:limit]
    )


# --- Reminders ----------------------------------------------------------------------------------


@dataclass
class ReminderReport:
    reminded: int = 0
    waiting_for_working_day: int = 0
    no_owner: int = 0


def _calendars() -> tuple[dict[int, Any], Any]:
    from aftersales.sla.models import Calendar

    return {calendar.pk: calendar for calendar in Calendar.objects.all()}, Calendar.get_default()


def _reminder_title(name: str) -> str:
    return _("Check-in with %(customer)s is due") % {"customer": name}


def _reminder_body(due_on: dt.date, cadence_days: int) -> str:
    return _("Due on %(date)s (every %(days)d days). Log the call, email, chat or meeting on the customer's page.") % {
        "date": due_on.isoformat(),
        "days": cadence_days,
    }


def send_due_reminders(*, now: dt.datetime | None = None) -> ReminderReport:
    """Notify owners of check-ins due today or overdue that were not reminded for this due date."""
    from aftersales.notify.api import notify

    now = now or clock.now()
    today = desk_today(now)
    report = ReminderReport()
    due = (
        CheckinPlan.objects.filter(active=True, next_due_on__lte=today)
        .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("next_due_on")))
        .select_related("customer", "owner__agent_profile")
        .order_by("next_due_on", "pk")
    )
    calendars, default = _calendars()
    for plan in due:
        if plan.owner is None:
            report.no_owner += 1
            continue
        calendar = calendars.get(plan.customer.calendar_id or 0, default)
        if not calendar.engine().is_working_day(today):
            report.waiting_for_working_day += 1
            continue
        with transaction.atomic():
            # Claim the reminder for this due date: two runs (or workers) never both notify.
            claimed = (
                CheckinPlan.objects.filter(pk=plan.pk, next_due_on=plan.next_due_on)
                .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=plan.next_due_on))
                .update(reminded_for=plan.next_due_on, reminded_at=now)
            )
            if not claimed:
                continue
            customer, due_on = plan.customer, plan.next_due_on
            notify(
                [plan.owner],
                kind="checkin_due",
                title=partial(_reminder_title, customer.name),
                body=partial(_reminder_body, due_on, plan.cadence_days),
                url=reverse("customers:detail", args=[customer.code]),
                key=f"checkin-due:{plan.pk}:{due_on.isoformat()}",
            )
            report.reminded += 1
    return report
