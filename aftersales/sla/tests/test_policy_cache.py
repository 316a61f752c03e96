"""The per-process cache of SLA policies (``sla.policies``): fast, and never stale.

Every use asks the database for the "sla" stamp; any write to a policy, a calendar or an
override sets a new one in the same transaction, so the next ticket sees the edit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.core import stamps
from aftersales.sla import actions
from aftersales.sla.models import Calendar, CalendarOverride, Policy
from aftersales.sla.policies import cached_policy, default_policy, select_policy

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def chat(priority: int = 3, tier: str | None = None) -> Policy:
    return select_policy(tier=tier, priority=priority, category_code=None, channel="chat")


def policy_queries(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "sla_policy" in q["sql"] or "sla_calendar" in q["sql"]]


def test_a_warm_cache_reads_only_the_stamp() -> None:
    chat()
    with CaptureQueriesContext(connection) as ctx:
        assert chat().name == "Default"
        assert chat(priority=1).name == "P1 · urgent"
        assert default_policy().name == "Default"
    assert policy_queries(ctx) == []
    assert len(ctx.captured_queries) == 3  # one stamp read each


def test_a_pinned_block_reads_the_stamps_once() -> None:
    chat()
    with stamps.pinned(), CaptureQueriesContext(connection) as ctx:
        for _ in range(3):
            chat()
    assert len(ctx.captured_queries) == 1


def test_callers_get_their_own_copy() -> None:
    first = chat()
    first.first_response = 99 * H
    assert chat().first_response == 4 * H


def test_an_edit_through_the_action_applies_to_the_next_ticket(personas: Any) -> None:
    assert chat().name == "Default"
    actions.save_policy(actor=personas.lead, name="Chat", order=1, channels=["chat"], calendar=Calendar.get_default(),
                        first_response=H, warn_at_percent=75)  # fmt: skip
    assert chat().name == "Chat"
    policy = Policy.objects.get(name="Chat")
    actions.save_policy(actor=personas.lead, policy=policy, first_response=2 * H)
    assert chat().first_response == 2 * H


def test_queryset_writes_and_deletes_are_seen() -> None:
    assert chat(priority=1).name == "P1 · urgent"
    Policy.objects.filter(name="P1 · urgent").update(first_response=3 * H)
    assert chat(priority=1).first_response == 3 * H
    Policy.objects.filter(name="P1 · urgent").update(is_active=False)
    assert chat(priority=1).name == "Default"
    Policy.objects.filter(name="P1 · urgent").update(is_active=True)
    Policy.objects.get(name="P1 · urgent").delete()
    assert chat(priority=1).name == "Default"
    Policy.objects.bulk_create([Policy(name="Bulk", order=0, calendar=Calendar.get_default(), channels=["chat"])])
    assert chat().name == "Bulk"


def test_an_edit_rolled_back_is_not_kept() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        Policy.objects.create(name="Ghost", order=0, calendar=Calendar.get_default(), channels=["chat"])
        assert chat().name == "Ghost"
        raise RuntimeError
    assert chat().name == "Default"


def test_a_change_made_elsewhere_is_seen_through_the_stamp_alone() -> None:
    """Another process: its write reaches us only through the database (no signal here)."""
    assert chat().warn_at_percent == 75
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sla_policy SET warn_at_percent = 50 WHERE name = 'Default'")
    assert chat().warn_at_percent == 75  # the stamp did not change: nothing told us
    Policy.objects.filter(pk=-1).update(name="x")  # what that process's write does to the stamp
    assert chat().warn_at_percent == 50


def test_calendar_and_override_edits_reach_the_cached_policies(personas: Any) -> None:
    calendar = Calendar.get_default()
    version = chat().calendar.version
    actions.save_calendar(actor=personas.lead, calendar=calendar, timezone="Europe/Berlin")
    assert chat().calendar.timezone == "Europe/Berlin"
    version = chat().calendar.version
    actions.save_override(actor=personas.lead, calendar=calendar, date=dt.date(2027, 2, 20), is_workday=True)
    assert chat().calendar.version != version
    assert dt.date(2027, 2, 20) in chat().calendar.engine().extra_workdays
    override = CalendarOverride.objects.get(date=dt.date(2027, 2, 20))
    actions.delete_override(actor=personas.lead, override=override)
    assert dt.date(2027, 2, 20) not in chat().calendar.engine().extra_workdays


def test_cached_policy_by_id() -> None:
    default = Policy.objects.get(is_default=True)
    assert cached_policy(default.pk) == default
    Policy.objects.filter(name="P1 · urgent").update(is_active=False)
    assert cached_policy(Policy.objects.get(name="P1 · urgent").pk) is None  # inactive: not cached
    assert cached_policy(None) is None


def test_a_missing_default_is_recreated_and_then_cached() -> None:
    Policy.objects.filter(is_default=True).update(is_default=False, name="Old default")
    created = default_policy()
    assert (created.name, created.is_default) == ("Default", True)
    assert default_policy().pk == created.pk  # reloaded: creating it changed the stamp
    with CaptureQueriesContext(connection) as ctx:
        assert default_policy().pk == created.pk
    assert policy_queries(ctx) == []
