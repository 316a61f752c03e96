"""Monitoring pages: the risk overview, the alert list and one alert (with fraud responses), a
customer's health page. Staff read; writers perform fraud actions (``monitoring.fraud``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.core import clock
from aftersales.core.access import can_write, require_staff, require_write
from aftersales.core.pagination import CappedPaginator
from aftersales.customers.access import get_customer_for_user
from aftersales.knowledge.models import Article, ArticleStatus
from aftersales.monitoring import fraud, queries
from aftersales.monitoring.charts import evidence_chart, line_chart
from aftersales.monitoring.forms_alerts import AlertFilterForm
from aftersales.monitoring.messages import explain, source_title
from aftersales.monitoring.models import Alert, AlertState
from aftersales.monitoring.monitors import MONITORS

PAGE_SIZE = 25


def decorate(alert: Alert, *, width: int = 160, height: int = 36, axes: bool = False) -> Alert:
    """Attach what the templates show: the sentence (active language), the chart, the monitor."""
    alert.explanation = explain(alert.evidence)  # type: ignore[attr-defined]
    alert.chart = evidence_chart(alert.evidence, width=width, height=height, axes=axes)  # type: ignore[attr-defined]
    monitor = MONITORS.get(alert.monitor)
    alert.monitor_title = monitor.title if monitor else source_title(alert.monitor)  # type: ignore[attr-defined]
    return alert


@require_GET
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    risks = queries.risk_overview(now=clock.now())
    page = Paginator(risks, PAGE_SIZE).get_page(request.GET.get("page"))
    for risk in page.object_list:
        risk.worst = queries.worst_severity(risk.alerts)  # type: ignore[attr-defined]
    return render(request, "monitoring/alerts/overview.html", {"page": page, "section": "monitoring_overview"})


@require_GET
@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    form = AlertFilterForm(request.GET or None)
    filters = form.filters()
    paginator = CappedPaginator(queries.filter_alerts(**filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    for alert in page.object_list:
        decorate(alert)
    return render(request, "monitoring/alerts/list.html", {
        "form": form, "page": page, "paginator": paginator, "filtered": bool(filters), "section": "monitoring_alerts",
    })


def _get_alert(user: Any, pk: int) -> Alert:
    require_staff(user)
    alert = (Alert.objects.select_related("customer", "account__parent", "incident__ticket")
             .filter(pk=pk).first())
    if alert is None:
        raise Http404("No such alert")
    return alert


@require_GET
@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = decorate(_get_alert(request.user, pk), width=480, height=140, axes=True)
    slugs = alert.evidence.get("articles") or []
    language = translation.get_language() or settings.LANGUAGE_CODE
    articles = {
        a.group.key: a
        for a in Article.objects.filter(group__key__in=slugs, language=language, status=ArticleStatus.PUBLISHED)
        .select_related("group")
    }
    links = []
    if alert.evidence.get("code") == "error_content":
        links.append((reverse("sms:template_check"), _("Check the template in the template checker")))
    if alert.evidence.get("code") == "error_route":
        ref = alert.incident.ticket.ref if alert.incident and alert.incident.ticket else ""
        links.append((reverse("sms:case_new") + (f"?ticket={ref}" if ref else ""), _("Open a vendor case")))
    return render(request, "monitoring/alerts/detail.html", {
        "alert": alert,
        "articles": [(slug, articles.get(slug)) for slug in slugs],
        "links": links,
        "actions": fraud.suggestions(alert),
        "can_write": can_write(request.user),
        "section": "monitoring_alerts",
    })


@require_POST
@login_required
def alert_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    return alert_act(request, pk, "suspend_subaccount")


@require_POST
@login_required
def alert_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Perform one fraud response (``monitoring.fraud.perform``): block prefix, restrict country,
    suspend sub-account."""
    alert = _get_alert(request.user, pk)
    require_write(request.user)
    if action not in fraud.ACTIONS:
        raise Http404("No such action")
    try:
        done = fraud.perform(alert=alert, action=action, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("monitoring:alert_detail", pk=alert.pk)
    messages.success(request, _("%(done)s.") % {"done": done})
    return redirect("monitoring:alert_detail", pk=alert.pk)


METRICS = (
    ("delivery", "%", lambda c: c.delivery_rate),
    ("conversion", "%", lambda c: c.conversion),
    ("volume", "messages", lambda c: float(c.submitted)),
    ("cost", "EUR", lambda c: c.cost),
)


def health_charts(customer: Any, *, now: dt.datetime, width: int = 300, height: int = 90) -> list[dict[str, Any]]:
    """Delivery, conversion, volume and cost over 24 h / 7 d / 30 d (one query for all twelve charts)."""
    top = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    hours = queries.customer_hours(customer, since=top - dt.timedelta(days=30))
    result = []
    for window, length, step in queries.HEALTH_WINDOWS:
        buckets = queries.bucketed(hours, start=top - length, end=top, step=step)
        fmt = "%H:%M" if length <= dt.timedelta(days=1) else "%m-%d"
        charts = {}
        for name, unit, metric in METRICS:
            points = [(at, metric(c) if (c.submitted or c.final) else None) for at, c in buckets]
            charts[name] = line_chart(points, unit=unit, width=width, height=height, x_format=fmt)
        total = queries.Counts()
        for _at, counts in buckets:
            total.add(counts)
        result.append({"window": window, "charts": charts, "total": total})
    return result


@require_GET
@login_required
def customer_health(request: HttpRequest, code: str) -> HttpResponse:
    customer = get_customer_for_user(request.user, code)  # 404 for anyone who may not see it
    firing = [decorate(a) for a in queries.filter_alerts(customer=customer.code, state=AlertState.FIRING)[:50]]
    return render(request, "monitoring/alerts/health.html", {
        "customer": customer, "windows": health_charts(customer, now=clock.now()), "firing": firing,
        "section": "monitoring_overview",
    })
