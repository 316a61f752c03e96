"""Churn risk per customer, explained (issue 8).

A customer's risk is the sum of the weights of the signals that fire for it, capped at 100, with
each signal given as a readable reason with its numbers. The signals (thresholds and weights are
the constants below, documented in docs/feedback.md; ``FEEDBACK_CHURN_WEIGHTS`` may override
weights by code):

- ``traffic_drop``: the daily average of messages submitted over the last 14 days is at least 40 %
  under the customer's own baseline, the 8 weeks before (whole hours of ``monitoring``'s hourly
  rollups; a baseline under 100 messages a day is too small to say anything and never fires);
- ``csat_low``: the CSAT ratings answered in the last 90 days average 3 or less (at least 3 ratings);
- ``csat_falling``: the last 30 days' average is at least one point under the 60 days before
  (at least 2 ratings in each period);
- ``reopened``: at least 2 tickets reopened in the last 90 days (tickets with ``reopen_count`` > 0
  changed in the window: a reopening changes the ticket);
- ``sla_breaches``: at least 2 tickets created in the last 90 days breached their first-response or
  resolution target;
- ``balance_low``: a vendor account has had an open low-balance incident (the ``sms`` app's verdict
  "low", opened when the balance or its runway crossed the customer's threshold, closed when a top-up
  lifts it clear again) for at least 7 days: low and not topped up enough for a week;
- ``checkin_overdue``: no check-in for twice the plan's cadence, or for 60 days without an active
  plan (counted from the plan's start or the customer's creation when nobody ever checked in);
- ``nps_detractor``: a survey answer of 6 or less (an NPS detractor) in the last 180 days.

A master account's figures include its sub-accounts' (traffic, ratings, tickets, balances,
check-ins and survey answers are added up before the thresholds apply). A sub-account assessed on
its own has its own figures, except for check-ins: the relationship is usually held with the master,
so the master's check-ins and plan count for it too.

Cost: :func:`assess` runs a constant number of grouped queries — the customers, their sub-accounts,
then one per data source — however many customers and tickets there are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db.models import Count, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from aftersales.core import clock
from aftersales.customers.models import Customer, CustomerStatus
from aftersales.feedback.checkins import desk_date, desk_today
from aftersales.feedback.models import Checkin, CheckinPlan, CsatRequest, SurveyInvitation
from aftersales.feedback.models.surveys import DETRACTOR_MAX
from aftersales.monitoring.models import TrafficRollup
from aftersales.sms.models import BalanceIncident, BalanceReading
from aftersales.tickets.models import Ticket

# --- Thresholds ---------------------------------------------------------------------------------
TRAFFIC_RECENT_DAYS = 14
TRAFFIC_BASELINE_DAYS = 56  # the 8 weeks before the recent window
TRAFFIC_DROP_PERCENT = 40
TRAFFIC_MIN_BASELINE_PER_DAY = 100

CSAT_WINDOW_DAYS = 90
CSAT_LOW_AVERAGE = 3
CSAT_MIN_ANSWERS = 3
CSAT_RECENT_DAYS = 30
CSAT_FALL_POINTS = 1
CSAT_MIN_ANSWERS_PER_PERIOD = 2

REOPEN_WINDOW_DAYS = 90
REOPEN_MIN_TICKETS = 2

SLA_WINDOW_DAYS = 90
SLA_MIN_BREACHED = 2

BALANCE_LOW_DAYS = 7
BALANCE_REASONS = (BalanceIncident.Reason.BELOW_AMOUNT, BalanceIncident.Reason.RUNWAY)

CHECKIN_CADENCE_FACTOR = 2
CHECKIN_WITHOUT_PLAN_DAYS = 60

NPS_WINDOW_DAYS = 180

# --- Weights and levels -------------------------------------------------------------------------
WEIGHTS: dict[str, int] = {
    "traffic_drop": 30,
    "csat_low": 20,
    "csat_falling": 15,
    "reopened": 10,
    "sla_breaches": 15,
    "balance_low": 15,
    "checkin_overdue": 10,
    "nps_detractor": 10,
}
MAX_SCORE = 100
HIGH = "high"
MEDIUM = "medium"
LOW = "low"
LEVELS = (HIGH, MEDIUM, LOW)
HIGH_FROM = 50  # a score of 50 or more is a high risk
MEDIUM_FROM = 25


def weights() -> dict[str, int]:
    """The signal weights: the constants, with ``FEEDBACK_CHURN_WEIGHTS`` (code → weight) over them."""
    return {**WEIGHTS, **getattr(settings, "FEEDBACK_CHURN_WEIGHTS", {})}


def level_of(score: int) -> str:
    if score >= HIGH_FROM:
        return HIGH
    if score >= MEDIUM_FROM:
        return MEDIUM
    return LOW


def level_label(level: str) -> str:
    labels = {
        HIGH: pgettext("churn risk", "High"),
        MEDIUM: pgettext("churn risk", "Medium"),
        LOW: pgettext("churn risk", "Low"),
    }
    return labels[level]


# --- What assess returns ------------------------------------------------------------------------
def _int(value: float | int) -> str:
    return number_format(round(value), 0, use_l10n=True, force_grouping=True)


def _one_decimal(value: float | Fraction) -> str:
    return number_format(round(float(value), 1), 1, use_l10n=True)


def _money(value: Decimal, currency: str) -> str:
    return f"{number_format(value, 2, use_l10n=True, force_grouping=True)} {currency}".strip()


@dataclass(frozen=True)
class Reason:
    """One signal that fired. ``text`` is written when read, in the reader's language."""

    code: str
    weight: int
    figures: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def text(self) -> str:
        return _TEXTS[self.code](self.figures)

    def __str__(self) -> str:
        return self.text


def _traffic_text(f: dict[str, Any]) -> str:
    return _("Traffic down %(drop)s %% vs the 8-week baseline (%(before)s → %(after)s messages a day)") % {
        "drop": f["drop_percent"],
        "before": _int(f["baseline_per_day"]),
        "after": _int(f["recent_per_day"]),
    }


def _csat_low_text(f: dict[str, Any]) -> str:
    return ngettext(
        "Low satisfaction: CSAT averages %(average)s / 5 over %(count)d rating in the last 90 days",
        "Low satisfaction: CSAT averages %(average)s / 5 over %(count)d ratings in the last 90 days",
        f["count"],
    ) % {"average": _one_decimal(f["average"]), "count": f["count"]}


def _csat_falling_text(f: dict[str, Any]) -> str:
    return _(
        "Satisfaction falling: CSAT %(recent)s / 5 in the last 30 days, down from %(before)s in the 60 days before"
    ) % {
        "recent": _one_decimal(f["recent"]),
        "before": _one_decimal(f["before"]),
    }


def _reopened_text(f: dict[str, Any]) -> str:
    return ngettext(
        "%(tickets)d ticket reopened in the last 90 days (%(reopenings)d reopenings)",
        "%(tickets)d tickets reopened in the last 90 days (%(reopenings)d reopenings)",
        f["tickets"],
    ) % {"tickets": f["tickets"], "reopenings": f["reopenings"]}


def _sla_text(f: dict[str, Any]) -> str:
    return ngettext(
        "SLA breached on %(breached)d of %(tickets)d ticket in the last 90 days",
        "SLA breached on %(breached)d of %(tickets)d tickets in the last 90 days",
        f["tickets"],
    ) % {"breached": f["breached"], "tickets": f["tickets"]}


def _balance_text(f: dict[str, Any]) -> str:
    return ngettext(
        "Balance low for %(days)d day without a sufficient top-up (now %(balance)s)",
        "Balance low for %(days)d days without a sufficient top-up (now %(balance)s)",
        f["days"],
    ) % {"days": f["days"], "balance": _money(f["balance"], f["currency"])}


def _checkin_text(f: dict[str, Any]) -> str:
    days = f["days"]
    if f["cadence_days"] is not None:
        if f["never"]:
            return ngettext(
                "Nobody has checked in since the plan started %(days)d day ago (plan: every %(cadence)d days)",
                "Nobody has checked in since the plan started %(days)d days ago (plan: every %(cadence)d days)",
                days,
            ) % {"days": days, "cadence": f["cadence_days"]}
        return ngettext(
            "No check-in for %(days)d day (plan: every %(cadence)d days)",
            "No check-in for %(days)d days (plan: every %(cadence)d days)",
            days,
        ) % {"days": days, "cadence": f["cadence_days"]}
    if f["never"]:
        return ngettext(
            "No check-in in the %(days)d day since the customer was added, and no check-in plan",
            "No check-in in the %(days)d days since the customer was added, and no check-in plan",
            days,
        ) % {"days": days}
    return ngettext(
        "No check-in for %(days)d day and no check-in plan",
        "No check-in for %(days)d days and no check-in plan",
        days,
    ) % {"days": days}


def _nps_text(f: dict[str, Any]) -> str:
    return ngettext(
        "NPS detractor: lowest survey score %(score)d / 10 in the last 180 days (%(count)d answer)",
        "NPS detractor: lowest survey score %(score)d / 10 in the last 180 days (%(count)d answers)",
        f["answers"],
    ) % {"score": f["score"], "count": f["answers"]}


_TEXTS = {
    "traffic_drop": _traffic_text,
    "csat_low": _csat_low_text,
    "csat_falling": _csat_falling_text,
    "reopened": _reopened_text,
    "sla_breaches": _sla_text,
    "balance_low": _balance_text,
    "checkin_overdue": _checkin_text,
    "nps_detractor": _nps_text,
}


@dataclass
class Risk:
    """One customer's churn risk: a score 0–100, its level and the reasons, heaviest first."""

    customer: Customer
    score: int
    reasons: list[Reason]
    last_checkin_at: dt.datetime | None = None
    subaccounts: int = 0  # sub-accounts whose figures are included

    @property
    def level(self) -> str:
        return level_of(self.score)

    @property
    def level_label(self) -> str:
        return level_label(self.level)

    @property
    def owner(self) -> Any:
        """Who looks after the customer: its account manager, else the owner of its check-in plan."""
        if self.customer.account_manager_id is not None:
            return self.customer.account_manager
        plan = _plan_of(self.customer)
        return plan.owner if plan is not None else None


# --- Figures per customer (one grouped query per source) ----------------------------------------
@dataclass
class _Figures:
    traffic_recent: int = 0
    traffic_baseline: int = 0
    csat_sum: int = 0
    csat_count: int = 0
    csat_recent_sum: int = 0
    csat_recent_count: int = 0
    csat_before_sum: int = 0
    csat_before_count: int = 0
    tickets: int = 0
    breached: int = 0
    reopened: int = 0
    reopenings: int = 0
    balance_since: dt.datetime | None = None
    balance_value: Decimal | None = None
    balance_currency: str = ""
    last_checkin: dt.datetime | None = None
    nps_answers: int = 0
    nps_lowest: int | None = None


def _add(figures: _Figures, row: dict[str, Any], names: Iterable[str]) -> None:
    for name in names:
        setattr(figures, name, getattr(figures, name) + int(row.get(name) or 0))


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _restrict(queryset: QuerySet[Any], field_name: str, ids: set[int] | None) -> QuerySet[Any]:
    return queryset if ids is None else queryset.filter(**{f"{field_name}__in": ids})


def _traffic(now: dt.datetime, ids: set[int] | None) -> dict[int, dict[str, Any]]:
    top = _hour(now)
    recent_from = top - dt.timedelta(days=TRAFFIC_RECENT_DAYS)
    baseline_from = recent_from - dt.timedelta(days=TRAFFIC_BASELINE_DAYS)
    rows = (
        _restrict(TrafficRollup.objects.filter(hour__gte=baseline_from, hour__lt=top), "account__customer_id", ids)
        .values("account__customer_id")
        .annotate(
            traffic_recent=Sum("submitted", filter=Q(hour__gte=recent_from)),
            traffic_baseline=Sum("submitted", filter=Q(hour__lt=recent_from)),
        )
    )
    return {row["account__customer_id"]: row for row in rows}


def _csat(now: dt.datetime, ids: set[int] | None) -> dict[int, dict[str, Any]]:
    since = now - dt.timedelta(days=CSAT_WINDOW_DAYS)
    recent_from = now - dt.timedelta(days=CSAT_RECENT_DAYS)
    rows = (
        _restrict(
            CsatRequest.objects.filter(
                customer__isnull=False, rating__isnull=False, answered_at__gte=since, answered_at__lte=now
            ),
            "customer_id",
            ids,
        )
        .values("customer_id")
        .annotate(
            csat_sum=Sum("rating"),
            csat_count=Count("id"),
            csat_recent_sum=Sum("rating", filter=Q(answered_at__gte=recent_from)),
            csat_recent_count=Count("id", filter=Q(answered_at__gte=recent_from)),
            csat_before_sum=Sum("rating", filter=Q(answered_at__lt=recent_from)),
            csat_before_count=Count("id", filter=Q(answered_at__lt=recent_from)),
        )
    )
    return {row["customer_id"]: row for row in rows}


def _tickets(now: dt.datetime, ids: set[int] | None) -> dict[int, dict[str, Any]]:
    sla_from = now - dt.timedelta(days=SLA_WINDOW_DAYS)
    reopen_from = now - dt.timedelta(days=REOPEN_WINDOW_DAYS)
    in_sla_window = Q(created_at__gte=sla_from, created_at__lte=now)
    reopened = Q(reopen_count__gt=0, updated_at__gte=reopen_from)
    breached = Q(first_response_breached=True) | Q(resolution_breached=True)
    rows = (
        _restrict(
            Ticket.objects.filter(customer__isnull=False, merged_into__isnull=True).filter(in_sla_window | reopened),
            "customer_id",
            ids,
        )
        .values("customer_id")
        .annotate(
            tickets=Count("id", filter=in_sla_window),
            breached=Count("id", filter=in_sla_window & breached),
            reopened=Count("id", filter=reopened),
            reopenings=Coalesce(Sum("reopen_count", filter=reopened), 0, output_field=IntegerField()),
        )
    )
    return {row["customer_id"]: row for row in rows}


def _balances(now: dt.datetime, ids: set[int] | None) -> dict[int, list[dict[str, Any]]]:
    latest_currency = (
        BalanceReading.objects.filter(account_id=OuterRef("account_id")).order_by("-at", "-pk").values("currency")[:1]
    )
    rows = _restrict(
        BalanceIncident.objects.filter(recovered_at__isnull=True, reason__in=BALANCE_REASONS, opened_at__lte=now),
        "account__customer_id",
        ids,
    ).values("account__customer_id", "opened_at", "last_value").annotate(currency=Subquery(latest_currency))
    # At most one open incident per account (a partial unique constraint): one row per low account.
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["account__customer_id"], []).append(row)
    return found


def _checkins(now: dt.datetime, ids: set[int] | None) -> dict[int, dt.datetime]:
    rows = (
        _restrict(Checkin.objects.filter(occurred_at__lte=now), "customer_id", ids)
        .values("customer_id")
        .annotate(last=Max("occurred_at"))
    )
    return {row["customer_id"]: row["last"] for row in rows}


def _nps(now: dt.datetime, ids: set[int] | None) -> dict[int, dict[str, Any]]:
    since = now - dt.timedelta(days=NPS_WINDOW_DAYS)
    rows = (
        _restrict(
            SurveyInvitation.objects.filter(score__isnull=False, answered_at__gte=since, answered_at__lte=now),
            "customer_id",
            ids,
        )
        .values("customer_id")
        .annotate(nps_answers=Count("id"), nps_lowest=Min("score"))
    )
    return {row["customer_id"]: row for row in rows}


# --- Signals ------------------------------------------------------------------------------------
def _plan_of(customer: Customer) -> CheckinPlan | None:
    """The customer's active check-in plan, else its master's (read from ``select_related``)."""
    for candidate in (customer, customer.parent):
        if candidate is None:
            continue
        try:
            plan = candidate.checkin_plan
        except CheckinPlan.DoesNotExist:
            continue
        if plan.active:
            return plan
    return None


def _signals(customer: Customer, figures: _Figures, now: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
    fired: list[tuple[str, dict[str, Any]]] = []
    # Traffic: daily averages, compared in integers (recent/14 ≤ baseline/56 × 60 %).
    recent, baseline = figures.traffic_recent, figures.traffic_baseline
    if baseline >= TRAFFIC_MIN_BASELINE_PER_DAY * TRAFFIC_BASELINE_DAYS and (
        recent * TRAFFIC_BASELINE_DAYS * 100 <= baseline * TRAFFIC_RECENT_DAYS * (100 - TRAFFIC_DROP_PERCENT)
    ):
        recent_per_day = Fraction(recent, TRAFFIC_RECENT_DAYS)
        baseline_per_day = Fraction(baseline, TRAFFIC_BASELINE_DAYS)
        drop = round((1 - recent_per_day / baseline_per_day) * 100)
        fired.append(
            (
                "traffic_drop",
                {"drop_percent": drop, "baseline_per_day": baseline_per_day, "recent_per_day": recent_per_day},
            )
        )
    # CSAT: exact averages (Fraction), so 3.0 is "3 or less" however the ratings add up.
    if figures.csat_count >= CSAT_MIN_ANSWERS:
        average = Fraction(figures.csat_sum, figures.csat_count)
        if average <= CSAT_LOW_AVERAGE:
            fired.append(("csat_low", {"average": average, "count": figures.csat_count}))
    if min(figures.csat_recent_count, figures.csat_before_count) >= CSAT_MIN_ANSWERS_PER_PERIOD:
        recent_average = Fraction(figures.csat_recent_sum, figures.csat_recent_count)
        before_average = Fraction(figures.csat_before_sum, figures.csat_before_count)
        if before_average - recent_average >= CSAT_FALL_POINTS:
            fired.append(("csat_falling", {"recent": recent_average, "before": before_average}))
    if figures.reopened >= REOPEN_MIN_TICKETS:
        fired.append(("reopened", {"tickets": figures.reopened, "reopenings": figures.reopenings}))
    if figures.breached >= SLA_MIN_BREACHED:
        fired.append(("sla_breaches", {"breached": figures.breached, "tickets": figures.tickets}))
    if figures.balance_since is not None:
        days = (now - figures.balance_since).days
        if days >= BALANCE_LOW_DAYS:
            fired.append(
                (
                    "balance_low",
                    {
                        "days": days,
                        "balance": figures.balance_value or Decimal(0),
                        "currency": figures.balance_currency,
                    },
                )
            )
    checkin = _checkin_signal(customer, figures.last_checkin, now)
    if checkin is not None:
        fired.append(("checkin_overdue", checkin))
    if figures.nps_lowest is not None and figures.nps_lowest <= DETRACTOR_MAX:
        fired.append(("nps_detractor", {"score": figures.nps_lowest, "answers": figures.nps_answers}))
    return fired


def _checkin_signal(customer: Customer, last: dt.datetime | None, now: dt.datetime) -> dict[str, Any] | None:
    today = desk_today(now)
    plan = _plan_of(customer)
    if plan is not None:
        limit = plan.cadence_days * CHECKIN_CADENCE_FACTOR
        start = desk_date(last) if last is not None else plan.started_on
    else:
        limit = CHECKIN_WITHOUT_PLAN_DAYS
        start = desk_date(last if last is not None else customer.created_at)
    days = (today - start).days
    if days < limit:
        return None
    return {"days": days, "never": last is None, "cadence_days": plan.cadence_days if plan is not None else None}


# --- The entry point ----------------------------------------------------------------------------
def default_customers() -> QuerySet[Customer]:
    """Who the list assesses: active master accounts (each with its sub-accounts included)."""
    return Customer.objects.filter(status=CustomerStatus.ACTIVE, parent__isnull=True)


def assess(*, now: dt.datetime | None = None, customers: QuerySet[Customer] | None = None) -> list[Risk]:
    """The churn risk of ``customers`` (default: every active master account), highest score first
    (then by name). A master's figures include its sub-accounts'; see the module docstring.

    Runs a constant number of queries: the customers, their sub-accounts, one per data source.
    """
    now = now or clock.now()
    explicit = customers is not None
    selected = list(
        (customers if customers is not None else default_customers()).select_related(
            "parent__checkin_plan",
            "checkin_plan__owner__agent_profile",
            "account_manager__agent_profile",
        )
    )
    if not selected:
        return []
    masters = [c.pk for c in selected if c.parent_id is None]
    subs: dict[int, list[int]] = {}
    for pk, parent_id in Customer.objects.filter(parent_id__in=masters).values_list("pk", "parent_id"):
        subs.setdefault(parent_id, []).append(pk)
    # Which customers' rows each assessed customer adds up: itself and its sub-accounts; for check-ins
    # a sub-account also counts its master's.
    members = {c.pk: [c.pk, *subs.get(c.pk, [])] for c in selected}
    checkin_members = {
        c.pk: members[c.pk] + ([c.parent_id] if c.parent_id is not None else []) for c in selected
    }
    ids: set[int] | None = None
    if explicit:
        ids = {pk for group in checkin_members.values() for pk in group}

    traffic = _traffic(now, ids)
    csat = _csat(now, ids)
    tickets = _tickets(now, ids)
    balances = _balances(now, ids)
    last_checkins = _checkins(now, ids)
    nps = _nps(now, ids)

    table = weights()
    risks = []
    for customer in selected:
        figures = _Figures()
        for pk in members[customer.pk]:
            _add(figures, traffic.get(pk, {}), ("traffic_recent", "traffic_baseline"))
            _add(
                figures,
                csat.get(pk, {}),
                (
                    "csat_sum", "csat_count", "csat_recent_sum", "csat_recent_count", "csat_before_sum",
                    "csat_before_count",
                ),
            )
            _add(figures, tickets.get(pk, {}), ("tickets", "breached", "reopened", "reopenings"))
            for incident in balances.get(pk, []):
                if figures.balance_since is None or incident["opened_at"] < figures.balance_since:
                    figures.balance_since = incident["opened_at"]
                    figures.balance_value = incident["last_value"]
                    figures.balance_currency = incident["currency"] or ""
            answers = nps.get(pk)
            if answers is not None:
                figures.nps_answers += answers["nps_answers"]
                lowest = answers["nps_lowest"]
                figures.nps_lowest = lowest if figures.nps_lowest is None else min(figures.nps_lowest, lowest)
        for pk in checkin_members[customer.pk]:
            last = last_checkins.get(pk)
            if last is not None and (figures.last_checkin is None or last > figures.last_checkin):
                figures.last_checkin = last
        reasons = [Reason(code, table.get(code, 0), found) for code, found in _signals(customer, figures, now)]
        reasons.sort(key=lambda reason: -reason.weight)
        risks.append(
            Risk(
                customer=customer,
                score=min(MAX_SCORE, sum(reason.weight for reason in reasons)),
                reasons=reasons,
                last_checkin_at=figures.last_checkin,
                subaccounts=len(subs.get(customer.pk, [])),
            )
        )
    risks.sort(key=lambda risk: (-risk.score, risk.customer.name, risk.customer.pk))
    return risks
