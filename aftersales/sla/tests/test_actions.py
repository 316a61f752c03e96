"""sla.actions, the models' rules, policy selection and the engine cache."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aftersales.audit.models import AuditEntry
from aftersales.sla import actions
from aftersales.sla.checks import calendars_missing_next_year
from aftersales.sla.listeners import (
    register_calendar_listener,
    register_policy_listener,
    unregister_calendar_listener,
    unregister_policy_listener,
)
from aftersales.sla.models import DEFAULT_WEEK, Calendar, CalendarOverride, Policy
from aftersales.sla.policies import default_policy, select_policy

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def test_the_migration_ships_the_default_calendar_and_policies() -> None:
    calendar = Calendar.get_default()
    assert calendar.name == "China (Asia/Shanghai) 09:00-18:00"
    assert (calendar.timezone, calendar.country, calendar.is_default) == ("Asia/Shanghai", "CN", True)
    assert calendar.week["0"] == [["09:00", "12:00"], ["13:00", "18:00"]]
    assert "5" not in calendar.week and "6" not in calendar.week
    policy = default_policy()
    assert (policy.name, policy.calendar, policy.first_response, policy.next_response, policy.resolution) == (
        "Default", calendar, 4 * H, 8 * H, 24 * H)
    assert policy.paused_statuses() == {"waiting_customer", "waiting_vendor"}
    p1 = Policy.objects.get(priorities=[1])
    assert (p1.first_response, p1.resolution) == (dt.timedelta(minutes=30), 8 * H)


def test_select_policy_first_match_by_order_else_default() -> None:
    assert select_policy(tier="standard", priority=1, category_code=None, channel="email").name == "P1 · urgent"
    assert select_policy(tier="key", priority=3, category_code=None, channel="email").name == "Key accounts"
    assert select_policy(tier="key", priority=1, category_code=None, channel="email").name == "P1 · urgent"
    assert select_policy(tier=None, priority=3, category_code="billing", channel="chat").name == "Default"
    Policy.objects.filter(name="P1 · urgent").update(is_active=False)
    assert select_policy(tier="standard", priority=1, category_code=None, channel="email").name == "Default"


def test_matches_every_condition() -> None:
    policy = Policy(tiers=["key"], priorities=[1, 2], category_codes=["dlr"], channels=["email", "chat"])
    assert policy.matches(tier="key", priority=2, category_code="dlr", channel="chat")
    assert not policy.matches(tier="key", priority=3, category_code="dlr", channel="chat")
    assert not policy.matches(tier=None, priority=2, category_code="dlr", channel="chat")
    assert not policy.matches(tier="key", priority=2, category_code=None, channel="chat")
    assert Policy().matches(tier=None, priority=4, category_code=None, channel="phone")
    assert Policy(pause_on_waiting_customer=False).paused_statuses() == {"waiting_vendor"}


def test_save_policy_is_audited_and_calls_listeners_after_commit(personas, django_capture_on_commit_callbacks) -> None:
    seen: list[Policy] = []
    register_policy_listener(seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            policy = actions.save_policy(
                actor=personas.lead, name="Chat", order=5, channels=["chat"], calendar=Calendar.get_default(),
                first_response=15 * dt.timedelta(minutes=1), resolution=4 * H,
            )
            assert seen == []  # not before commit
        assert seen == [policy]
    finally:
        unregister_policy_listener(seen.append)
    entry = AuditEntry.objects.get(action="sla.policy.create")
    assert entry.actor == personas.lead and entry.after["first_response"] == 900


def test_calendar_changes_call_calendar_listeners_after_commit(personas, django_capture_on_commit_callbacks) -> None:
    seen: list[tuple[str, bool]] = []

    def listener(calendar: Calendar) -> None:
        seen.append((calendar.name, calendar.engine().is_working_day(dt.date(2027, 2, 20))))

    register_calendar_listener(listener)
    try:
        calendar = Calendar.get_default()
        with django_capture_on_commit_callbacks(execute=True):
            override = actions.save_override(actor=personas.lead, calendar=calendar, date=dt.date(2027, 2, 20),
                                             is_workday=True)
        with django_capture_on_commit_callbacks(execute=True):
            actions.delete_override(actor=personas.lead, override=override)
        with django_capture_on_commit_callbacks(execute=True):
            actions.save_calendar(actor=personas.lead, calendar=calendar, name="China desk")
    finally:
        unregister_calendar_listener(listener)
    default_name = "China (Asia/Shanghai) 09:00-18:00"
    assert seen == [(default_name, True), (default_name, False), ("China desk", False)]


def test_only_leads_configure(personas) -> None:
    calendar = Calendar.get_default()
    for user in (personas.agent, personas.viewer, personas.outsider):
        with pytest.raises(PermissionDenied):
            actions.save_override(actor=user, calendar=calendar, date=dt.date(2027, 2, 7), is_workday=True)
        with pytest.raises(PermissionDenied):
            actions.save_policy(actor=user, name="Nope", calendar=calendar)
    actions.save_override(actor=personas.admin, calendar=calendar, date=dt.date(2027, 2, 7), is_workday=True)


def test_one_default_policy_and_it_stays(personas) -> None:
    calendar = Calendar.get_default()
    new = actions.save_policy(actor=personas.lead, name="New default", calendar=calendar, is_default=True)
    assert list(Policy.objects.filter(is_default=True)) == [new]
    with pytest.raises(ValidationError):
        actions.save_policy(actor=personas.lead, policy=new, is_default=False)
    new.refresh_from_db()
    with pytest.raises(ValidationError):
        actions.save_policy(actor=personas.lead, policy=new, is_active=False)
    with pytest.raises(ValidationError):
        actions.save_policy(actor=personas.lead, name="Zero", calendar=calendar, resolution=dt.timedelta(0))


def test_save_calendar_validates_the_week(personas) -> None:
    with pytest.raises(ValidationError):
        actions.save_calendar(actor=personas.lead, name="Bad", timezone="Asia/Shanghai",
                              week={"0": [["12:00", "09:00"]]})
    with pytest.raises(ValidationError):
        actions.save_calendar(actor=personas.lead, name="Overlap", timezone="Asia/Shanghai",
                              week={"0": [["09:00", "13:00"], ["12:00", "18:00"]]})
    with pytest.raises(ValidationError):
        actions.save_calendar(actor=personas.lead, name="Nowhere", timezone="Mars/Olympus", week={})
    calendar = actions.save_calendar(actor=personas.lead, name="New York desk", timezone="America/New_York",
                                     week={"0": [["09:00", "17:00"]]}, country="us", is_default=True)
    assert calendar.country == "US"
    assert list(Calendar.objects.filter(is_default=True)) == [calendar]
    assert AuditEntry.objects.filter(action="sla.calendar.create", object_id=str(calendar.pk)).exists()


def test_overrides_win_and_the_engine_cache_follows_them(personas) -> None:
    calendar = Calendar.get_default()
    engine = calendar.engine()
    assert calendar.engine() is engine  # cached
    new_year = dt.date(2026, 1, 1)  # a public holiday
    saturday = dt.date(2026, 3, 7)
    assert not engine.is_working_day(new_year) and not engine.is_working_day(saturday)

    actions.save_override(actor=personas.lead, calendar=calendar, date=new_year, is_workday=True, note="open")
    actions.save_override(actor=personas.lead, calendar=calendar, date=saturday, is_workday=True, note="make-up")
    fresh = Calendar.objects.get(pk=calendar.pk).engine()
    assert fresh is not engine
    assert fresh.is_working_day(new_year) and fresh.is_working_day(saturday)
    assert calendar.engine() is fresh  # the instance the action was given sees the change too

    override = CalendarOverride.objects.get(calendar=calendar, date=saturday)
    actions.save_override(actor=personas.lead, calendar=calendar, date=saturday, is_workday=False)
    assert CalendarOverride.objects.filter(calendar=calendar, date=saturday).count() == 1
    assert not Calendar.objects.get(pk=calendar.pk).engine().is_working_day(saturday)
    # a holiday override on a normal weekday
    monday = dt.date(2026, 3, 9)
    actions.save_override(actor=personas.lead, calendar=calendar, date=monday, is_workday=False)
    assert not Calendar.objects.get(pk=calendar.pk).engine().is_working_day(monday)

    override.refresh_from_db()
    actions.delete_override(actor=personas.lead, override=override)
    assert not Calendar.objects.get(pk=calendar.pk).engine().is_working_day(saturday)  # back to a weekend
    logged = AuditEntry.objects.filter(action__startswith="sla.override").order_by("pk")
    assert list(logged.values_list("action", flat=True)) == [
        "sla.override.create", "sla.override.create", "sla.override.update", "sla.override.create",
        "sla.override.delete",
    ]


def test_changing_the_week_changes_the_engine(personas) -> None:
    calendar = Calendar.get_default()
    before = calendar.engine()
    actions.save_calendar(actor=personas.lead, calendar=calendar, week={**DEFAULT_WEEK, "5": [["10:00", "12:00"]]})
    after = Calendar.objects.get(pk=calendar.pk).engine()
    saturday = dt.date(2026, 3, 7)
    assert not before.is_working_day(saturday) and after.is_working_day(saturday)


def test_calendars_missing_next_year(personas) -> None:
    calendar = Calendar.get_default()
    other = actions.save_calendar(actor=personas.lead, name="US desk", timezone="America/New_York",
                                  week={"0": [["09:00", "17:00"]]}, country="US")
    assert calendars_missing_next_year(dt.date(2026, 10, 31)) == []  # before November: quiet
    assert calendars_missing_next_year(dt.date(2026, 11, 1)) == [calendar]  # the US has no 调休
    actions.save_override(actor=personas.lead, calendar=calendar, date=dt.date(2027, 2, 7), is_workday=True)
    assert calendars_missing_next_year(dt.date(2026, 11, 1)) == []
    assert calendars_missing_next_year(dt.date(2027, 12, 1)) == [calendar]
    assert other not in calendars_missing_next_year(dt.date(2027, 12, 1))


def test_customer_calendar_is_optional_and_cleared_with_the_calendar(personas) -> None:
    calendar = actions.save_calendar(actor=personas.lead, name="Starriver hours", timezone="Asia/Shanghai",
                                     week={"0": [["08:00", "20:00"]]})
    customer = personas.customer
    customer.calendar = calendar
    customer.save(update_fields=["calendar"])
    calendar.delete()
    customer.refresh_from_db()
    assert customer.calendar is None
