"""The stored daily figures (``reports.daily``) against the tickets: on random desks, after random
changes made behind the actions' back (queryset updates, deletes), the dashboard's counts read from
them equal the same counts taken from the tickets; the triggers mark what changed and nothing else;
a failed recount changes nothing; ``aftersales reports-rebuild`` recounts and ``--check`` tells."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.customers.models import Customer
from aftersales.people.models import Team
from aftersales.reports import daily, figures, periods
from aftersales.reports.models import DailyOpened, DailyResolved, DailyStale
from aftersales.reports.scope import Scope
from aftersales.sla.models import Calendar, Policy
from aftersales.testing.factories import make_customer, make_ticket
from aftersales.tickets.models import Category, Channel, RootCause, Ticket

NOW = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)
DESK = periods.desk_timezone()
CHANNELS = [Channel.EMAIL, Channel.CHAT, Channel.PHONE, Channel.MONITORING]


def local(day: int, hour: int, minute: int = 0, month: int = 10) -> dt.datetime:
    """An instant in the desk's timezone (October 2026), so the tests hit the day boundaries."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=DESK)


def random_desk(rng: random.Random, n: int) -> tuple[list[Team], list[Ticket]]:
    """``n`` tickets opened through the actions, then given random report columns by queryset
    updates (as the SLA sweep and the bench generator write them): opened around midnight on days
    of late September to early November, some resolved days later, some merged, some imported."""
    teams = [Team.objects.create(name=f"Daily team {i}") for i in range(2)]
    masters = [make_customer(f"daily{i}", f"Daily Customer {i}") for i in range(2)]
    customers = [*masters, make_customer("daily0sub", "Daily Customer 0 Sub", parent=masters[0]), None]
    categories = [*Category.objects.order_by("pk")[:3], None]
    causes = [*RootCause.objects.order_by("pk")[:2], None]
    policy = Policy.objects.create(name="Daily SLA", order=0, calendar=Calendar.get_default())
    with time_machine.travel(local(1, 9), tick=False):
        tickets = [make_ticket(f"Random ticket {i}") for i in range(n)]
    for ticket in tickets:
        update_randomly(rng, ticket, teams, categories, causes, policy, tickets)
        Ticket.objects.filter(pk=ticket.pk).update(customer=rng.choice(customers))
    return teams, tickets


def update_randomly(rng: random.Random, ticket: Ticket, teams: list[Team], categories: list[Any],
                    causes: list[Any], policy: Policy, tickets: list[Ticket]) -> None:
    created = local(rng.randint(1, 31), rng.choice([0, 7, 12, 23]), rng.choice([0, 30, 59]),
                    month=rng.choice([9, 10, 10, 10, 11]) if rng.random() < 0.2 else 10)
    if created.month == 9:
        created = created.replace(day=min(created.day, 30))
    if created.month == 11:
        created = created.replace(day=min(created.day, 9))
    resolved = created + dt.timedelta(hours=rng.choice([1, 5, 20, 49, 300])) if rng.random() < 0.7 else None
    if resolved is not None and rng.random() < 0.1:  # imported history: resolved "before" it was opened
        resolved = created - dt.timedelta(hours=rng.choice([1, 30, 400]))
    category, cause = rng.choice(categories), rng.choice(causes)
    merged = rng.choice([t for t in tickets if t.pk != ticket.pk]) if rng.random() < 0.08 else None
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=created, resolved_at=resolved, team=rng.choice([*teams, None]),
        category=category, root_cause=cause if resolved else None, channel=rng.choice(CHANNELS),
        imported=rng.random() < 0.1, sla_policy=policy if rng.random() < 0.6 else None,
        first_response_breached=rng.random() < 0.3, next_response_breached=rng.random() < 0.1,
        resolution_breached=rng.random() < 0.2, reopen_count=rng.choice([0, 0, 0, 1, 2]),
        seconds_with_us=rng.randint(0, 90_000), seconds_waiting_customer=rng.randint(0, 50_000),
        seconds_waiting_vendor=rng.choice([0, 0, rng.randint(1, 400_000)]), merged_into=merged,
    )


def scopes(teams: list[Team]) -> list[Scope]:
    return [
        Scope(period)
        for period in (periods.month(2026, 10), periods.month(2026, 9), periods.between("2026-10-05", "2026-10-05"),
                       periods.between("2026-09-28", "2026-11-03"), periods.quarter(2026, 4))
    ] + [Scope(periods.month(2026, 10), team=team) for team in teams] + [
        Scope(periods.month(2026, 10), customer=customer)
        for customer in Customer.objects.filter(code__startswith="daily", parent__isnull=True)
    ] + [Scope(periods.between("2026-09-28", "2026-11-03"), team=teams[0],
               customer=Customer.objects.get(code="daily0"))]


def dashboard_counts(scope: Scope) -> dict[str, Any]:
    """Every figure the stored rows answer, as plain values (links included)."""
    summary = figures.overview(scope)
    spent, causes = figures.spent_and_causes(scope)
    return {
        "volume": figures.volume(scope),
        "overview": (summary.volume, summary.reopens, summary.flow, summary.backlog),
        "sla": sorted(figures.sla(scope, "category"), key=lambda row: str(row.key)),
        "sla_total": figures.sla(scope),
        "spent": sorted(spent, key=lambda row: str(row.key)),
        "causes": sorted(causes, key=lambda row: str(row[0])),
    }


def assert_stored_equal_live(monkeypatch: pytest.MonkeyPatch, teams: list[Team]) -> None:
    for scope in scopes(teams):
        stored = dashboard_counts(scope)
        with monkeypatch.context() as patched:
            patched.setattr(daily, "covers", lambda scope: False)
            live = dashboard_counts(scope)
        assert stored == live, scope
    assert daily.differences() == []


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_figures_equal_the_tickets_on_random_desks_and_after_random_changes(seed, monkeypatch):
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    with time_machine.travel(NOW, tick=False):
        teams, tickets = random_desk(rng, 40)
        assert DailyStale.objects.exists()  # the triggers saw the updates
        assert_stored_equal_live(monkeypatch, teams)
        assert not DailyStale.objects.exists()  # the reads recounted and forgot them
        assert DailyOpened.objects.exists() and DailyResolved.objects.exists()

        # Changes behind the actions' back: moved, re-resolved, reopened, merged, deleted.
        categories = [*Category.objects.order_by("pk")[:3], None]
        causes = [*RootCause.objects.order_by("pk")[:2], None]
        policy = Policy.objects.get(name="Daily SLA")
        for ticket in rng.sample(tickets, 12):
            update_randomly(rng, ticket, teams, categories, causes, policy, tickets)
        Ticket.objects.filter(pk__in=[t.pk for t in rng.sample(tickets, 3)]).update(merged_into=None, team=teams[0])
        Ticket.objects.filter(pk__in=[t.pk for t in rng.sample(tickets, 4)]).update(
            customer=Customer.objects.get(code="daily0sub"))
        gone = rng.choice(tickets)
        Ticket.objects.filter(merged_into=gone).update(merged_into=None)
        gone.delete()
        assert_stored_equal_live(monkeypatch, teams)


@pytest.mark.django_db
def test_a_change_marks_the_old_and_new_days_and_an_unread_column_marks_nothing():
    with time_machine.travel(local(3, 10), tick=False):
        ticket = make_ticket("Sender ID rejected")
    daily.refresh()
    assert not DailyStale.objects.exists()

    Ticket.objects.filter(pk=ticket.pk).update(subject="Sender ID rejected again", priority=1)
    assert not DailyStale.objects.exists()  # neither column is counted

    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=local(5, 23, 30))
    marked = {at.astimezone(DESK).date() for at in DailyStale.objects.values_list("at", flat=True)}
    assert marked == {dt.date(2026, 10, 3), dt.date(2026, 10, 5)}
    assert daily.refresh() == 2
    assert DailyResolved.objects.get().day == dt.date(2026, 10, 5)  # 23:30 at the desk, 15:30 UTC

    ticket.delete()
    assert daily.refresh() == 2
    assert not DailyOpened.objects.exists() and not DailyResolved.objects.exists()


@pytest.mark.django_db
def test_the_day_is_the_desks_day_not_utcs():
    with time_machine.travel(NOW, tick=False):
        early = make_ticket("Opened just after midnight at the desk")
        late = make_ticket("Opened just before midnight at the desk")
    Ticket.objects.filter(pk=early.pk).update(created_at=local(6, 0, 10))  # 5 Oct 16:10 UTC
    Ticket.objects.filter(pk=late.pk).update(created_at=local(5, 23, 50))
    october_6 = Scope(periods.between("2026-10-06", "2026-10-06"))
    october_5 = Scope(periods.between("2026-10-05", "2026-10-05"))
    assert figures.volume(october_6).created.count == 1
    assert figures.volume(october_5).created.count == 1
    assert {row.day: row.n for row in DailyOpened.objects.all()}[dt.date(2026, 10, 6)] == 1


@pytest.mark.django_db
def test_a_failed_recount_leaves_the_stored_rows_and_the_marks(monkeypatch):
    with time_machine.travel(local(3, 10), tick=False):
        ticket = make_ticket("Balance low")
    daily.refresh()
    before = list(DailyOpened.objects.values_list("day", "n"))
    Ticket.objects.filter(pk=ticket.pk).update(created_at=local(4, 10))
    real = daily._insert_select
    calls = []

    def fail_second(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        real(*args, **kwargs)

    monkeypatch.setattr(daily, "_insert_select", fail_second)
    with pytest.raises(RuntimeError):
        daily.refresh()
    assert list(DailyOpened.objects.values_list("day", "n")) == before
    assert DailyStale.objects.count() == 2
    monkeypatch.setattr(daily, "_insert_select", real)
    assert daily.refresh() == 2
    assert list(DailyOpened.objects.values_list("day", "n")) == [(dt.date(2026, 10, 4), 1)]


@pytest.mark.django_db
def test_a_refresh_costs_the_same_statements_with_or_without_changes():
    with time_machine.travel(local(3, 10), tick=False):
        tickets = [make_ticket(f"Ticket {i}") for i in range(3)]
    daily.refresh()
    with CaptureQueriesContext(connection) as idle:
        assert daily.refresh() == 0
    for i, ticket in enumerate(tickets):
        Ticket.objects.filter(pk=ticket.pk).update(created_at=local(3 + 7 * i, 10), resolved_at=local(20, 10))
    with CaptureQueriesContext(connection) as busy:
        assert daily.refresh() == 4  # the 3rd, the 10th, the 17th and the 20th
    assert len(busy) == len(idle)


@pytest.mark.django_db
def test_reports_rebuild_recounts_and_check_tells_when_the_rows_are_wrong(capsys):
    with time_machine.travel(local(3, 10), tick=False):
        make_ticket("Delivery to Vietnam failing")
        make_ticket("Delivery to Vietnam failing", channel=Channel.MONITORING)
    call_command("reports-rebuild")
    assert "Recounted the daily figures of 1 days" in capsys.readouterr().out
    assert DailyOpened.objects.get().n == 2 and not DailyStale.objects.exists()
    call_command("reports-rebuild", "--check")
    assert "equal the tickets" in capsys.readouterr().out

    DailyOpened.objects.update(n=5)  # a restore from another copy, a hand edit
    with pytest.raises(CommandError, match="1 stored daily figures differ"):
        call_command("reports-rebuild", "--check")
    out = capsys.readouterr().out
    assert "DailyOpened" in out and "stored (5, 1," in out and "counted (2, 1," in out
    call_command("reports-rebuild")
    assert DailyOpened.objects.get().n == 2
    with pytest.raises(CommandError, match="at least 1"):
        call_command("reports-rebuild", "--batch-days", "0")


@pytest.mark.django_db
def test_the_periodic_job_is_registered_and_recounts():
    from aftersales.core.scheduler import discover_jobs
    from aftersales.reports.tasks import refresh_daily

    jobs = {job.name: job for job in discover_jobs()}
    assert jobs["reports.refresh_daily"].every == dt.timedelta(minutes=5)
    with time_machine.travel(local(3, 10), tick=False):
        make_ticket("Sender ID rejected")
    assert refresh_daily.call() == 1
    assert DailyOpened.objects.get().n == 1


def test_the_triggers_watch_every_column_the_figures_read():
    import importlib

    migration = importlib.import_module("aftersales.reports.migrations.0002_daily_figures")
    assert migration.WATCHED == daily.WATCHED_COLUMNS
    read = {"created_at", "resolved_at", "merged_into_id"}
    for store in daily.STORES:
        read |= set(store.keys)
    assert read <= set(daily.WATCHED_COLUMNS)


@pytest.mark.django_db
def test_moving_a_ticket_to_another_customer_moves_its_count():
    masters = [make_customer(f"move{i}", f"Move Customer {i}") for i in range(2)]
    with time_machine.travel(local(3, 10), tick=False):
        ticket = make_ticket("Sender ID rejected", customer=masters[0])
    october = periods.month(2026, 10)
    assert figures.volume(Scope(october, customer=masters[0])).created.count == 1
    Ticket.objects.filter(pk=ticket.pk).update(customer=masters[1])
    assert figures.volume(Scope(october, customer=masters[0])).created.count == 0
    assert figures.volume(Scope(october, customer=masters[1])).created.count == 1
