"""``aftersales simulate``: run a traffic scenario through the real desk.

The scenario's traffic (``monitoring.traffic``) goes through the one ingestion path
(``ingest.record_events``), hour by hour of simulated time, and the monitors run over it
(``alerts.evaluate_all``) as the scheduler would — every hour of the history, then every five
minutes over the last hours — with the clock moved along (``core.clock.moving``), so alerts and
tickets carry the simulated times. The passes are the desk's own (every customer's rollups are
read), so run it on a demo or test database, not on a production desk: replaying the past there
would resolve and reopen other customers' alerts. A ``balance-rundown`` also reads the customer's simulated
vendor balance as the balance check would (``sms.balances``), so its proactive ticket comes from
the balance incident. What fired and which tickets opened is returned (and printed by the command).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aftersales.core import clock
from aftersales.customers.models import Customer
from aftersales.monitoring import alerts, ingest
from aftersales.monitoring.models import Alert, AlertIncident, AlertState
from aftersales.monitoring.traffic import NEAR_MISSES, SCENARIOS, Plan, generate
from aftersales.sms import balances, incidents
from aftersales.sms.models import BalanceIncident, VendorAccount

EVALUATE_EVERY = dt.timedelta(minutes=5)
FINE_HOURS = 2  # the last hours are evaluated every five minutes, the history every hour


@dataclass
class SimulationResult:
    scenario: str
    customer: str
    start: dt.datetime
    end: dt.datetime
    seed: int
    events: int = 0
    evaluations: int = 0
    alerts: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "customer": self.customer,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "seed": self.seed,
            "events": self.events,
            "evaluations": self.evaluations,
            "alerts": self.alerts,
            "tickets": self.tickets,
        }


def traffic_account(customer: Customer) -> VendorAccount:
    """The customer's simulated vendor account for generated traffic (made on first use)."""
    account, _created = VendorAccount.objects.get_or_create(
        kind=VendorAccount.Kind.SIMULATOR,
        api_key=f"SIMTRAFFIC-{customer.code}"[:100],
        defaults={
            "name": f"{customer.name} (simulated traffic)"[:200],
            "customer": customer,
            "options": {"seed": 7, "master_balance": "900", "burn_per_hour": "0", "subaccounts": [], "numbers": []},
        },
    )
    return account


def _moments(start: dt.datetime, end: dt.datetime, *, fine_hours: int = FINE_HOURS) -> Iterator[dt.datetime]:
    """When the monitors run: every hour of the history, every five minutes over the last hours."""
    fine_from = end - dt.timedelta(hours=fine_hours)
    moment = start + dt.timedelta(hours=1)
    while moment < fine_from:
        yield moment
        moment += dt.timedelta(hours=1)
    moment = fine_from
    while moment <= end:
        yield moment
        moment += EVALUATE_EVERY


def run(
    scenario: str,
    *,
    customer: Customer,
    days: int = 7,
    seed: int | None = None,
    end: dt.datetime | None = None,
    per_day: int = 2400,
    recovered_hours: int = 0,
    progress: Callable[[str], None] | None = None,
) -> SimulationResult:
    """Simulate ``days`` of ``scenario`` traffic for ``customer`` ending at ``end`` (default now); with
    ``recovered_hours`` the scenario stops that many hours before the end (the last
    ``max(FINE_HOURS, recovered_hours)`` hours are evaluated every five minutes, so recovery is seen
    as the scheduler would see it)."""
    if scenario not in SCENARIOS + NEAR_MISSES:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS + NEAR_MISSES)}")
    if days < 3:
        raise ValueError("simulate at least 3 days: the monitors compare with the account's own history")
    seed = random.SystemRandom().randint(1, 10**6) if seed is None else seed
    end = (end or clock.now()).replace(second=0, microsecond=0)
    start = (end - dt.timedelta(days=days)).replace(minute=0)
    account = traffic_account(customer)
    plan = Plan(
        scenario=scenario,
        start=start,
        hours=int((end - start).total_seconds() // 3600) + 1,
        per_day=per_day,
        seed=seed,
        api_key=account.api_key,
        account_id=account.pk,
        utc_offset=_utc_offset(customer),
        recovered_hours=recovered_hours,
    )
    result = SimulationResult(scenario=scenario, customer=customer.code, start=start, end=end, seed=seed)
    alerts_before = set(Alert.objects.values_list("pk", flat=True))
    incidents_before = set(AlertIncident.objects.values_list("pk", flat=True))
    balance_before = set(BalanceIncident.objects.values_list("pk", flat=True))
    stream = generate(plan)
    pending: list[ingest.TrafficEvent] = []
    moments = list(_moments(start, end, fine_hours=max(FINE_HOURS, recovered_hours)))
    with clock.moving(start) as fake:
        if scenario == "balance-rundown":
            _prepare_rundown(account, start, plan)
        for index, moment in enumerate(moments, 1):
            fake.at = moment
            # Feed everything that happened up to this moment.
            for event in stream:
                if event.at > moment:
                    pending.append(event)
                    break
                pending.append(event)
            due = [event for event in pending if event.at <= moment]
            pending = [event for event in pending if event.at > moment]
            if due:
                ingest.record_events(due)
                result.events += len(due)
            if scenario == "balance-rundown":
                _burn(account, moment, due)
            alerts.evaluate_all(now=moment)
            result.evaluations += 1
            if progress and index % 24 == 0:
                progress(f"{moment:%Y-%m-%d %H:%M} · {result.events:,} events")
    fired = (
        Alert.objects.exclude(pk__in=alerts_before).filter(customer=customer)
        .select_related("customer").order_by("first_seen", "pk")
    )
    result.alerts = [
        {
            "monitor": a.monitor,
            "country": a.country,
            "network": a.network,
            "severity": a.severity,
            "state": a.state,
            "first_seen": a.first_seen.isoformat(),
            "explanation": alerts.alert_line(a),
        }
        for a in fired
    ]
    opened = AlertIncident.objects.exclude(pk__in=incidents_before).filter(customer=customer).select_related("ticket")
    result.tickets = [
        {"ref": i.ticket.ref, "subject": i.ticket.subject, "status": i.ticket.status}
        for i in opened
        if i.ticket is not None
    ]
    for incident in (
        BalanceIncident.objects.exclude(pk__in=balance_before).filter(account=account).select_related("ticket")
    ):
        result.tickets.append(
            {"ref": incident.ticket.ref, "subject": incident.ticket.subject, "status": incident.ticket.status}
        )
    return result


def firing(result: SimulationResult) -> list[dict[str, Any]]:
    return [alert for alert in result.alerts if alert["state"] == AlertState.FIRING]


def _utc_offset(customer: Customer) -> int:
    import zoneinfo

    try:
        offset = dt.datetime.now(zoneinfo.ZoneInfo(customer.timezone)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 8
    return int(offset.total_seconds() // 3600) if offset is not None else 8


# --- balance-rundown: the simulated vendor balance follows the simulated spend -----------------
def _prepare_rundown(account: VendorAccount, start: dt.datetime, plan: Plan) -> None:
    """A balance nobody tops up, sized so that at the usual spend it would last the history and 2.5
    days more: the runway falls under the 3-day threshold in the last day (about 2 days at the end,
    with the doubled volume of the last hours), and the balance check opens its ticket."""
    balance = plan.spend_per_day * (Decimal(plan.hours) / 24 + Decimal("2.5"))
    account.options = {
        "seed": 7,
        "master_balance": str(balance.quantize(Decimal("0.01"))),
        "burn_per_hour": "0",
        "subaccounts": [],
        "numbers": [],
    }
    account.next_check_at = start
    account.save(update_fields=["options", "next_check_at"])


def _burn(account: VendorAccount, moment: dt.datetime, due: list[ingest.TrafficEvent]) -> None:
    """Take what the traffic cost off the simulated balance and read it as the balance check would."""
    spent = sum((event.price or Decimal(0)) for event in due if event.kind == "submitted")
    account.refresh_from_db()
    state = (account.options or {}).get("state")
    if state and spent:
        master = state.get("master") or {}
        if "balance" in master and master["balance"] is not None:
            master["balance"] = str(max(Decimal(0), Decimal(str(master["balance"])) - spent))
            account.options = {**account.options, "state": state}
            account.save(update_fields=["options"])
    if account.next_check_at is None or account.next_check_at <= moment:
        balances.check_due(after_store=incidents.evaluate_accounts, workers=1)
