"""The leads' dashboard (``/reports/``): the desk's figures for a period, a team and a customer,
every number a link to the tickets behind it. A constant number of grouped queries, whatever the
number of tickets (``figures``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.people.models import Team
from aftersales.reports import charts, daily, figures, periods
from aftersales.reports.access import require_reports
from aftersales.reports.periods import Period
from aftersales.reports.scope import Scope, ScopeError, from_params

# The breakdowns the times table offers: URL value -> label.
TIME_DIMENSIONS: dict[str, Any] = {
    "category": gettext_lazy("Category"),
    "customer_id": gettext_lazy("Customer"),
    "owner": gettext_lazy("Owner"),
    "channel": gettext_lazy("Channel"),
    "priority": gettext_lazy("Priority"),
}
LAST_DAYS = {"7d": 7, "30d": 30, "90d": 90}
DEFAULT_DAYS = "30d"


def _quarter_of(period: Period) -> Period:
    return periods.quarter(period.start.year, (period.start.month - 1) // 3 + 1)


def period_choices() -> list[tuple[str, str]]:
    """The period select: rolling windows, this and last month, this and last quarter."""
    today = periods.today()
    this_month = periods.month(today.year, today.month)
    this_quarter = _quarter_of(this_month)
    return [
        ("7d", _("Last 7 days")),
        ("30d", _("Last 30 days")),
        ("90d", _("Last 90 days")),
        (this_month.code, _("This month (%(label)s)") % {"label": this_month.label()}),
        (this_month.previous().code, _("Last month (%(label)s)") % {"label": this_month.previous().label()}),
        (this_quarter.code, _("This quarter (%(label)s)") % {"label": this_quarter.label()}),
        (this_quarter.previous().code, _("Last quarter (%(label)s)") % {"label": this_quarter.previous().label()}),
    ]


def read_scope(params: QueryDict) -> tuple[Scope, str]:
    """The scope and the selected period choice. ``from``/``to`` win over the select; ``7d`` etc.
    are rolling windows ending today; anything else goes to ``periods.parse``. ScopeError when bad."""
    params = params.copy()
    choice = params.get("period", "") or ""
    default = periods.last_days(LAST_DAYS[DEFAULT_DAYS])
    if params.get("from") or params.get("to"):
        params.pop("period", None)
        choice = ""
    elif choice in LAST_DAYS:
        default = periods.last_days(LAST_DAYS[choice])
        params.pop("period", None)
    elif not choice:
        choice = DEFAULT_DAYS
    return from_params(params, default_period=default), choice


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require_reports(request.user)
    dimension = request.GET.get("dim") or "category"
    form: dict[str, str] = {key: request.GET.get(key, "") for key in ("period", "from", "to", "team", "customer")}
    base: dict[str, Any] = {
        "form": form,
        "period_choices": period_choices(),
        "teams": list(Team.objects.order_by("name").values_list("pk", "name")),
        "dimensions": list(TIME_DIMENSIONS.items()),
        "dimension": dimension,
        "section": "reports_dashboard",
    }
    try:
        if dimension not in TIME_DIMENSIONS:
            raise ScopeError(_("There is no breakdown “%(dim)s”: use category, customer_id, owner, channel or "
                               "priority.") % {"dim": dimension})
        scope, choice = read_scope(request.GET)
    except ScopeError as exc:
        return render(request, "reports/dashboard.html", {**base, "error": str(exc)}, status=400)
    form["period"] = choice
    if choice and choice not in dict(base["period_choices"]):  # a month, quarter or week from a link
        base["period_choices"] = [*base["period_choices"], (choice, scope.period.label())]
    return render(request, "reports/dashboard.html", {**base, **context(scope, dimension)})


def context(scope: Scope, dimension: str) -> dict[str, Any]:
    """Everything the page shows, each block a fixed number of grouped queries."""
    with daily.reading():  # the stored daily figures brought up to date once for the page
        return _context(scope, dimension)


def _context(scope: Scope, dimension: str) -> dict[str, Any]:
    summary = figures.overview(scope)
    volume, flow, backlog = summary.volume, summary.flow, summary.backlog
    overall, times = figures.times_and_overall(scope, dimension)
    sla_rows = figures.sla(scope, "category")
    spent, causes = figures.spent_and_causes(scope)
    csat = figures.csat(scope)
    return {
        "scope": scope,
        "scope_query": urlencode(scope.params()),
        "volume": volume,
        "previous": figures.volume(scope.previous()),
        "flow_chart": charts.flow_chart(flow),
        "backlog": list(zip(backlog, charts.widths([f.count for _label, f in backlog]), strict=True)),
        "backlog_total": sum(f.count for _label, f in backlog),
        "overall": overall,
        "sla": figures.sla_total(scope, sla_rows),
        "sla_rows": list(zip(sla_rows, charts.widths([r.compliance for r in sla_rows], top=100), strict=True)),
        "spent": [(row, charts.stack([row.with_us, row.waiting_customer, row.waiting_vendor])) for row in spent],
        "causes": list(zip(causes, charts.widths([f.count for _k, _l, f in causes]), strict=True)),
        "times": times,
        "dimension_label": TIME_DIMENSIONS[dimension],
        "reopens": summary.reopens,
        "csat": csat,
        "vendor": figures.vendor_cases(scope),
        "recurring": figures.recurring(scope),
        "knowledge": figures.knowledge(scope),
    }
