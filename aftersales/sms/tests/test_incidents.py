"""Balance incidents: a runway under the threshold opens one proactive ticket, updates land on it,
and a top-up resolves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from aftersales.notify.models import Notification
from aftersales.sms import balances, incidents, tasks
from aftersales.sms.connectors.base import RetryPolicy
from aftersales.sms.models import BalanceAlertSettings, BalanceIncident, BalanceReading, VendorAccount
from aftersales.testing.factories import make_contact
from aftersales.tickets.models import Message, MessageKind, Status, Ticket

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday, busy hours in the simulator's day profile
NO_WAIT = RetryPolicy(attempts=2, backoff=0.01, sleep=lambda seconds: None)


def burning_account(personas, *, balance: str = "100", burn: str = "2", subaccounts=None) -> VendorAccount:
    """A simulated master account spending ``burn`` EUR an hour on average (the day profile shapes it)."""
    personas.customer.account_manager = personas.agent
    personas.customer.language = "en"  # the ticket is written in the customer's language
    personas.customer.save(update_fields=["account_manager", "language"])
    return VendorAccount.objects.create(
        customer=personas.customer, name="Starriver main", kind="simulator", api_key="SIMBURN",
        options={"seed": 3, "master_balance": balance, "burn_per_hour": burn, "subaccounts": subaccounts or []},
    )


def check(traveller, hours: float = 0) -> None:
    if hours:
        traveller.shift(timedelta(hours=hours))
    balances.check_due(retry_policy=NO_WAIT, after_store=incidents.evaluate_accounts, workers=1)


def balance_tickets() -> list[Ticket]:
    return list(Ticket.objects.filter(source_kind=incidents.SOURCE_KIND).order_by("pk"))


def test_a_runway_under_three_days_opens_one_proactive_ticket_with_the_forecast(personas):
    with time_machine.travel(T0, tick=False) as traveller:
        account = burning_account(personas)
        check(traveller)
        assert balance_tickets() == []  # one reading: no burn measured yet
        check(traveller, 1)
        check(traveller, 0.25)
        [ticket] = balance_tickets()
        assert ticket.customer == personas.customer and ticket.owner == personas.agent
        assert ticket.channel == "monitoring"
        assert ticket.category is not None and ticket.category.code == "billing-balance"
        assert "runs out in about" in ticket.subject and "Starriver main" in ticket.subject
        assert "based on 2 readings" in ticket.description
        assert "a runway under 72 hours" in ticket.description
        assert Notification.objects.filter(recipient=personas.agent, ticket_ref=ticket.ref).exists()
        incident = BalanceIncident.objects.get()
        assert incident.ticket == ticket and incident.is_open and incident.reason == "runway"
        assert incident.last_runway_hours is not None and incident.last_runway_hours < 72

        for _ in range(8):  # two more hours of checks: the same ticket, no new one, no note yet
            check(traveller, 0.25)
        assert balance_tickets() == [ticket]
        assert not Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE).exists()
        check(traveller, 24)  # a day later the ticket hears how it stands
        notes = Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE)
        assert notes.count() == 1 and "Balance update for Starriver main" in notes.get().body
        assert BalanceIncident.objects.count() == 1
        assert account.incidents.filter(recovered_at__isnull=True).count() == 1


def test_a_chinese_speaking_customers_balance_ticket_is_written_in_chinese(personas):
    with time_machine.travel(T0, tick=False) as traveller:
        burning_account(personas)
        personas.customer.language = "zh-hans"
        personas.customer.save(update_fields=["language"])
        check(traveller)
        check(traveller, 1)
        [ticket] = balance_tickets()
        assert ticket.subject.startswith("余额不足：Starriver main") and "小时后用完" in ticket.subject
        assert "告警阈值：可用时长不足 72 小时。" in ticket.description


def test_a_top_up_notes_the_recovery_and_resolves_the_ticket_and_a_new_drop_opens_a_new_one(personas):
    with time_machine.travel(T0, tick=False) as traveller:
        account = burning_account(personas)
        check(traveller)
        check(traveller, 1)
        [ticket] = balance_tickets()
        account.refresh_from_db()
        balances.top_up_simulator(account, Decimal(500))
        check(traveller, 0.25)
        ticket.refresh_from_db()
        assert ticket.status == Status.RESOLVED
        note = Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE).latest("pk")
        assert "Balance recovered for Starriver main" in note.body
        incident = BalanceIncident.objects.get()
        assert incident.recovered_at == T0 + timedelta(hours=1.25)

        # Two weeks on the balance runs low again: a fresh ticket, the old one stays resolved.
        check(traveller, 24 * 14)
        check(traveller, 1)
        assert len(balance_tickets()) == 2
        assert BalanceIncident.objects.filter(recovered_at__isnull=True).count() == 1


def test_a_balance_just_above_the_threshold_keeps_the_ticket_open(personas):
    BalanceAlertSettings.objects.create(customer=personas.customer, below_amount=Decimal(50), runway_hours=1)
    with time_machine.travel(T0, tick=False) as traveller:
        account = burning_account(personas, balance="49", burn="0.1")
        check(traveller)
        [ticket] = balance_tickets()
        assert "Alert threshold: a balance under" in ticket.description
        balances.top_up_simulator(VendorAccount.objects.get(pk=account.pk), Decimal(5))  # 54: within the margin
        check(traveller, 0.25)
        ticket.refresh_from_db()
        assert ticket.is_open() and BalanceIncident.objects.get().is_open


def test_the_billing_contact_who_opted_in_is_told_in_their_language(personas):
    billing = make_contact(personas.customer, "Qian Duoduo", email="billing@starriver.example", language="zh-hans")
    BalanceAlertSettings.objects.create(customer=personas.customer, notify_customer=True, billing_contact=billing)
    with time_machine.travel(T0, tick=False) as traveller:
        burning_account(personas)
        check(traveller)
        check(traveller, 1)
        [ticket] = balance_tickets()
        assert ticket.contact == billing and ticket.status == Status.WAITING_CUSTOMER
        reply = Message.objects.get(ticket=ticket, kind=MessageKind.OUTBOUND)
        assert "Starriver main" in reply.body and "余额" in reply.body  # written in Chinese
        assert reply.outbound_email.to == "billing@starriver.example"  # type: ignore[attr-defined]
        assert BalanceIncident.objects.get().customer_notified_at == T0 + timedelta(hours=1)


def test_a_run_out_balance_raises_priority_and_says_so(personas):
    BalanceAlertSettings.objects.create(customer=personas.customer, runway_hours=24 * 30)
    with time_machine.travel(T0, tick=False) as traveller:
        burning_account(personas, balance="3", burn="2")
        check(traveller)
        check(traveller, 1)
        [ticket] = balance_tickets()
        assert ticket.priority == 2
        check(traveller, 6)
        ticket.refresh_from_db()
        assert ticket.priority == 1
        note = Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE).latest("pk")
        assert "The balance has run out" in note.body


def test_a_sub_account_sharing_the_master_balance_is_covered_by_the_masters_incident(personas):
    with time_machine.travel(T0, tick=False) as traveller:
        master = burning_account(personas, subaccounts=[
            {"api_key": "SIMBURN1", "name": "Marketing", "balance": None, "burn_per_hour": "1"},
        ])
        VendorAccount.objects.create(customer=personas.subaccount, name="Starriver marketing", kind="simulator",
                                     api_key="SIMBURN1", parent=master)
        check(traveller)
        check(traveller, 1)
        assert BalanceReading.objects.filter(account__api_key="SIMBURN1", shared=True).count() == 2
        assert [incident.account for incident in BalanceIncident.objects.all()] == [master]


def test_the_scheduled_check_opens_the_incident(personas):
    with time_machine.travel(T0, tick=False) as traveller:
        burning_account(personas)
        tasks.check_balances.call()
        traveller.shift(timedelta(minutes=15))
        result = tasks.check_balances.call()
        assert result["checked"] == 1
        assert len(balance_tickets()) == 1


def test_another_alert_reuses_the_open_incident(personas):
    with time_machine.travel(T0, tick=False) as traveller:
        account = burning_account(personas)
        check(traveller)
        check(traveller, 1)
        [ticket] = balance_tickets()
        incident = incidents.raise_incident(account=account, summary="Spend in NG tripled in the last hour")
        assert incident.ticket == ticket
        assert Message.objects.filter(ticket=ticket, body__contains="Spend in NG tripled").exists()
        assert len(balance_tickets()) == 1


def test_concurrent_check_reads_every_account_with_a_bounded_pool(personas):
    with time_machine.travel(T0, tick=False):
        for n in range(12):
            VendorAccount.objects.create(customer=personas.customer, name=f"Pool {n}", kind="simulator",
                                         api_key=f"SIMPOOL{n:02d}",
                                         options={"seed": n, "master_balance": "1000", "burn_per_hour": "1"})
        report = balances.check_due(retry_policy=NO_WAIT, workers=4)
        assert (report.checked, report.readings, report.errors) == (12, 12, {})
        assert BalanceReading.objects.count() == 12
