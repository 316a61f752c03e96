"""What sms adds to the customer and ticket pages (core.panels): the "SMS balance" panel with
each vendor account's balance, runway (with its basis), sub-accounts with theirs, and state.

Registered from ``SmsConfig.ready()``; customers and tickets never import this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core import clock
from aftersales.core.access import is_staff_member
from aftersales.core.panels import Panel, register_panel
from aftersales.customers.access import get_customer_for_user
from aftersales.sms import incidents, runway
from aftersales.sms.models import BalanceAlertSettings, BalanceIncident, BalanceReading, VendorAccount
from aftersales.tickets.access import get_ticket_for_user


@dataclass
class AccountView:
    account: VendorAccount
    latest: BalanceReading | None
    runway: runway.Runway
    runs_out: str
    basis: str
    subaccounts: list[AccountView]
    chart: Chart | None = None
    incident: BalanceIncident | None = None


CHART_DAYS = 30
CHART_WIDTH = 300
CHART_HEIGHT = 60


@dataclass(frozen=True)
class Chart:
    """A 30-day balance line drawn server-side as inline SVG (no script, no style attribute)."""

    points: str  # SVG polyline "x,y x,y …"
    low: Decimal
    high: Decimal
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def chart(readings: list[tuple[Any, Decimal]], *, start: Any, end: Any) -> Chart | None:
    """Scale ``(at, value)`` readings in [start, end] to the chart box; None with fewer than two."""
    if len(readings) < 2 or end <= start:
        return None
    values = [value for _at, value in readings]
    low, high = min(values), max(values)
    spread = (high - low) or Decimal(1)
    total = (end - start).total_seconds()
    # One point per pixel column at most: the last reading in each column wins.
    columns: dict[int, Decimal] = {}
    for at, value in readings:
        columns[round((at - start).total_seconds() / total * CHART_WIDTH)] = value
    points = " ".join(
        f"{x},{float(CHART_HEIGHT - 2 - (value - low) / spread * (CHART_HEIGHT - 4)):.1f}"
        for x, value in sorted(columns.items())
    )
    return Chart(points=points, low=low, high=high)


def account_view(account: VendorAccount, *, with_subaccounts: bool = True) -> AccountView:
    now = clock.now()
    start = now - timedelta(days=CHART_DAYS)
    # One read of the chart's 30 days; the runway's window (the last 72 h) is its tail.
    month = list(BalanceReading.objects.filter(account=account, at__gte=start, at__lte=now).order_by("at"))
    window_start = now - runway.DEFAULT_WINDOW
    rows = [r for r in month if r.at >= window_start]
    latest = month[-1] if month else BalanceReading.objects.filter(account=account).order_by("-at").first()
    floor = -abs(latest.credit_limit) if latest is not None and latest.credit_limit else Decimal(0)
    result = runway.compute([(r.at, r.value) for r in rows], now=now, floor=floor)
    subs = []
    if with_subaccounts:
        subs = [account_view(sub, with_subaccounts=False) for sub in account.subaccounts.order_by("name", "pk")]
    return AccountView(
        account=account,
        latest=latest,
        runway=result,
        runs_out=runway.runs_out_text(result) if rows else "",
        basis=result.basis if rows else "",
        subaccounts=subs,
        chart=chart([(r.at, r.value) for r in month], start=start, end=now),
        incident=account.incidents.filter(recovered_at__isnull=True).select_related("ticket").first(),
    )


def _context(customer: Any) -> dict[str, Any]:
    # A master customer's own accounts (their sub-accounts nested); a sub-account customer's own rows.
    accounts = VendorAccount.objects.filter(customer=customer).select_related("parent").order_by("name", "pk")
    views = [account_view(account) for account in accounts]
    alert_settings = BalanceAlertSettings.objects.filter(customer=customer).first() if views else None
    return {
        "customer": customer,
        "accounts": views,
        "thresholds": incidents.Thresholds.for_customer(alert_settings),
        "alert_settings": alert_settings,
    }


def customer_balances(request: HttpRequest, code: str) -> dict[str, Any]:
    customer = get_customer_for_user(request.user, code)
    return {
        **_context(customer),
        "panel_object_label": customer.name,
        "panel_back_url": reverse("customers:detail", args=[customer.code]),
    }


def ticket_balances(request: HttpRequest, ref: str) -> dict[str, Any]:
    ticket = get_ticket_for_user(request.user, ref)
    return {
        **_context(ticket.customer),
        "panel_object_label": ticket.ref,
        "panel_back_url": reverse("tickets:detail", args=[ticket.ref]),
    }


def register() -> None:
    for page, context in (("customer", customer_balances), ("ticket", ticket_balances)):
        register_panel(
            Panel(
                key="sms-balance",
                title=_("SMS balance"),
                page=page,  # type: ignore[arg-type]
                order=30,
                template_name="sms/panels/balance.html",
                allowed=is_staff_member,
                context=context,
            )
        )
