"""What a report looks at: a period, optionally one team and one customer (a master account
includes its sub-accounts). Every figure of the dashboards and the review starts from
``Scope.tickets()``; merged tickets (duplicates) are left out everywhere."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from aftersales.customers.models import Customer
from aftersales.people.models import Team
from aftersales.reports import periods
from aftersales.reports.periods import Period, PeriodError
from aftersales.tickets.models import Ticket


class ScopeError(ValueError):
    """A filter that names nothing (an unknown team or customer, a bad period)."""


@dataclass(frozen=True)
class Scope:
    period: Period
    team: Team | None = None
    customer: Customer | None = None

    def tickets(self) -> QuerySet[Ticket]:
        qs = Ticket.objects.filter(merged_into__isnull=True)
        if self.team is not None:
            qs = qs.filter(team=self.team)
        if self.customer is not None:
            qs = qs.filter(self.customer_q())
        return qs

    def customer_q(self, prefix: str = "") -> Q:
        """The customer and its sub-accounts, on a relation named ``prefix + "customer"``."""
        assert self.customer is not None
        field = f"{prefix}customer"
        return Q(**{f"{field}_id": self.customer.pk}) | Q(**{f"{field}__parent_id": self.customer.pk})

    def with_period(self, period: Period) -> Scope:
        return replace(self, period=period)

    def previous(self) -> Scope:
        return self.with_period(self.period.previous())

    def params(self) -> dict[str, str]:
        out = self.period.params()
        if self.team is not None:
            out["team"] = str(self.team.pk)
        if self.customer is not None:
            out["customer"] = self.customer.code
        return out


def from_params(params: Any, *, default_period: Period | None = None) -> Scope:
    """Read ``period``/``from``/``to``, ``team`` (id) and ``customer`` (short code) from a query dict."""
    try:
        period = periods.from_params(params, default=default_period)
    except PeriodError as exc:
        raise ScopeError(str(exc)) from None
    team = customer = None
    if team_id := (params.get("team") or "").strip():
        team = Team.objects.filter(pk=int(team_id)).first() if team_id.isdigit() else None
        if team is None:
            raise ScopeError(_("There is no team “%(team)s”.") % {"team": team_id})
    if code := (params.get("customer") or "").strip():
        customer = Customer.objects.filter(code=code).first()
        if customer is None:
            raise ScopeError(_("There is no customer with the short code “%(code)s”.") % {"code": code})
    return Scope(period=period, team=team, customer=customer)
