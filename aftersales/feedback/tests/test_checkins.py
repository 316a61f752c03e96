"""Check-in plans, logging and the daily reminder job (``feedback.checkins``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from aftersales.audit.models import AuditEntry
from aftersales.core.scheduler import discover_jobs
from aftersales.feedback import checkins
from aftersales.feedback.models import Checkin, CheckinPlan
from aftersales.notify.models import Notification

pytestmark = pytest.mark.django_db

# Monday 16 November 2026, 09:00 in Shanghai (the desk's timezone): a working day in China.
MONDAY = dt.datetime(2026, 11, 16, 1, 0, tzinfo=dt.UTC)
SATURDAY = dt.datetime(2026, 11, 14, 1, 0, tzinfo=dt.UTC)


def _plan(personas: Any, *, owner: Any = "agent", cadence: int = 30, at: dt.datetime = MONDAY) -> CheckinPlan:
    with time_machine.travel(at, tick=False):
        return checkins.save_plan(
            customer=personas.customer,
            actor=personas.lead,
            owner=getattr(personas, owner) if owner else None,
            cadence_days=cadence,
        )


def _reminders(personas: Any) -> list[Notification]:
    return list(Notification.objects.filter(kind="checkin_due").order_by("pk"))


def test_a_new_plan_is_owned_by_the_account_manager_and_due_at_once(personas: Any) -> None:
    personas.customer.account_manager = personas.agent2
    personas.customer.save()
    with time_machine.travel(MONDAY, tick=False):
        plan = checkins.save_plan(customer=personas.customer, actor=personas.lead, use_account_manager=True)
    assert plan.owner == personas.agent2
    assert plan.cadence_days == 30
    assert plan.next_due_on == dt.date(2026, 11, 16)
    assert plan.is_due(dt.date(2026, 11, 16)) and not plan.is_overdue(dt.date(2026, 11, 16))
    assert plan.is_overdue(dt.date(2026, 11, 17))


def test_logging_a_checkin_moves_the_next_due_date(personas: Any) -> None:
    _plan(personas, cadence=14)
    with time_machine.travel(MONDAY + dt.timedelta(days=3), tick=False):
        checkin = checkins.log_checkin(
            customer=personas.customer, actor=personas.agent, kind="call", notes="Asked about the Vietnam routes"
        )
    plan = CheckinPlan.objects.get(customer=personas.customer)
    assert checkin.owner == personas.agent and checkin.logged_by == personas.agent and checkin.source == "desk"
    assert plan.last_checkin_at == MONDAY + dt.timedelta(days=3)
    assert plan.next_due_on == dt.date(2026, 11, 19) + dt.timedelta(days=14)


def test_an_older_checkin_logged_late_does_not_pull_the_due_date_back(personas: Any) -> None:
    _plan(personas, cadence=30)
    with time_machine.travel(MONDAY, tick=False):
        checkins.log_checkin(customer=personas.customer, actor=personas.agent, kind="meeting")
        checkins.log_checkin(
            customer=personas.customer, actor=personas.agent, kind="email", occurred_at=MONDAY - dt.timedelta(days=20)
        )
    assert CheckinPlan.objects.get(customer=personas.customer).next_due_on == dt.date(2026, 12, 16)


def test_an_import_keeps_its_original_time_and_is_stored_once(personas: Any) -> None:
    _plan(personas, cadence=30)
    old = dt.datetime(2026, 10, 1, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(MONDAY, tick=False):
        first = checkins.log_checkin(
            customer=personas.customer,
            actor=None,
            kind="call",
            occurred_at=old,
            owner=personas.agent2,
            source="import",
            source_ref="xlsx:月度回访:7",
            notes="月度回访：客户满意",
        )
        again = checkins.log_checkin(
            customer=personas.customer,
            actor=None,
            kind="call",
            occurred_at=old,
            source="import",
            source_ref="xlsx:月度回访:7",
        )
    assert first.pk == again.pk and Checkin.objects.count() == 1
    assert first.occurred_at == old and first.source == "import" and first.logged_by is None
    assert first.owner == personas.agent2
    assert CheckinPlan.objects.get(customer=personas.customer).next_due_on == dt.date(2026, 10, 31)


def test_a_batch_of_imported_checkins_is_what_log_checkin_writes_one_by_one(personas: Any) -> None:
    """``import_checkins``: the rows ``log_checkin`` writes for each item at its own time, a
    reference stored before is returned, not written again; the plan moves once, to the last."""
    _plan(personas, cadence=30)
    first, second = dt.datetime(2026, 9, 1, 2, 0, tzinfo=dt.UTC), dt.datetime(2026, 10, 1, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(MONDAY, tick=False):
        stored = checkins.log_checkin(customer=personas.customer, actor=None, kind="call", occurred_at=first,
                                      source="import", source_ref="row-1", notes="月度回访")  # fmt: skip
        items = [
            checkins.ImportedCheckin(customer=personas.customer, kind="call", occurred_at=first, notes="again",
                                     owner=None, source_ref="row-1"),
            checkins.ImportedCheckin(customer=personas.customer, kind="other", occurred_at=second,
                                     notes="  月度回访：客户满意 ", owner=personas.agent2, source_ref="row-2"),
            checkins.ImportedCheckin(customer=personas.other_customer, kind="call", occurred_at=first, notes="电话",
                                     owner=None, source_ref="row-3"),
        ]  # fmt: skip
        written = checkins.import_checkins(items)
    assert written[0].pk == stored.pk and written[0].notes == "月度回访"
    by_ref = dict(Checkin.objects.values_list("source_ref", "pk"))
    assert [checkin.pk for checkin in written] == [by_ref["row-1"], by_ref["row-2"], by_ref["row-3"]]
    new = Checkin.objects.get(source_ref="row-2")
    assert (new.occurred_at, new.logged_at, new.logged_by, new.owner) == (second, second, None, personas.agent2)
    assert (new.kind, new.notes, new.source) == ("other", "月度回访：客户满意", "import")
    assert new.customer == personas.customer
    plan = CheckinPlan.objects.get(customer=personas.customer)
    assert (plan.last_checkin_at, plan.next_due_on, plan.updated_at) == (second, dt.date(2026, 10, 31), second)
    assert not CheckinPlan.objects.filter(customer=personas.other_customer).exists()


def test_a_batch_with_a_kind_log_checkin_refuses_writes_nothing(personas: Any) -> None:
    items = [
        checkins.ImportedCheckin(customer=personas.customer, kind=kind, occurred_at=MONDAY, notes="x", owner=None,
                                 source_ref=f"row-{kind}")
        for kind in ("call", "fax")
    ]  # fmt: skip
    with pytest.raises(ValidationError, match="Choose call, email, chat, meeting or other"):
        checkins.import_checkins(items)
    assert not Checkin.objects.exists()


def test_a_checkin_in_the_future_is_refused(personas: Any) -> None:
    with time_machine.travel(MONDAY, tick=False), pytest.raises(ValidationError) as caught:
        checkins.log_checkin(
            customer=personas.customer, actor=personas.agent, kind="call", occurred_at=MONDAY + dt.timedelta(days=1)
        )
    assert "future" in str(caught.value)
    assert not Checkin.objects.exists()


def test_an_unknown_kind_is_refused(personas: Any) -> None:
    with pytest.raises(ValidationError):
        checkins.log_checkin(customer=personas.customer, actor=personas.agent, kind="fax")


def test_a_cadence_out_of_range_is_refused(personas: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        checkins.save_plan(customer=personas.customer, actor=personas.lead, cadence_days=0)
    assert "cadence_days" in caught.value.error_dict


def test_a_viewer_cannot_own_a_plan(personas: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        checkins.save_plan(customer=personas.customer, actor=personas.lead, owner=personas.viewer)
    assert "owner" in caught.value.error_dict


def test_plan_changes_are_audited_with_before_and_after(personas: Any) -> None:
    _plan(personas, cadence=30)
    checkins.save_plan(customer=personas.customer, actor=personas.lead, owner=personas.agent2, cadence_days=60)
    created, changed = AuditEntry.objects.filter(action__startswith="feedback.checkin_plan").order_by("pk")
    assert created.action == "feedback.checkin_plan.created"
    assert changed.action == "feedback.checkin_plan.changed"
    assert changed.before == {"owner": personas.agent.pk, "cadence_days": 30, "active": True}
    assert changed.after == {"owner": personas.agent2.pk, "cadence_days": 60, "active": True}
    assert changed.actor == personas.lead


def test_the_owner_is_reminded_once_per_due_date(personas: Any) -> None:
    _plan(personas, cadence=7)
    with time_machine.travel(MONDAY, tick=False):
        assert checkins.send_due_reminders().reminded == 1
        assert checkins.send_due_reminders().reminded == 0  # a second run the same day
    with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):
        assert checkins.send_due_reminders().reminded == 0  # overdue now, but no daily spam
    [reminder] = _reminders(personas)
    assert reminder.recipient == personas.agent
    assert reminder.title == "Check-in with Starriver Tech 星河科技 is due"
    assert reminder.url == "/customers/starriver/"
    # The check-in is logged: the next due date (a week later) gets its own reminder.
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):
        checkins.log_checkin(customer=personas.customer, actor=personas.agent, kind="chat")
    with time_machine.travel(MONDAY + dt.timedelta(days=8), tick=False):
        assert checkins.send_due_reminders().reminded == 0  # due on the 25th, not yet
    with time_machine.travel(MONDAY + dt.timedelta(days=9), tick=False):
        assert checkins.send_due_reminders().reminded == 1
    assert len(_reminders(personas)) == 2
    plan = CheckinPlan.objects.get(customer=personas.customer)
    assert plan.reminded_for == dt.date(2026, 11, 25)


def test_a_due_date_on_a_day_off_is_reminded_on_the_next_working_day(personas: Any) -> None:
    _plan(personas, at=SATURDAY)
    with time_machine.travel(SATURDAY, tick=False):
        report = checkins.send_due_reminders()
    assert report.reminded == 0 and report.waiting_for_working_day == 1
    with time_machine.travel(MONDAY, tick=False):
        assert checkins.send_due_reminders().reminded == 1
    assert len(_reminders(personas)) == 1


def test_a_plan_without_owner_or_paused_reminds_nobody(personas: Any) -> None:
    _plan(personas, owner=None)
    with time_machine.travel(MONDAY, tick=False):
        checkins.save_plan(customer=personas.other_customer, actor=personas.lead, owner=personas.agent, active=False)
        report = checkins.send_due_reminders()
    assert report.reminded == 0 and report.no_owner == 1
    assert _reminders(personas) == []


def test_the_reminder_job_is_registered_daily() -> None:
    jobs = {job.name: job for job in discover_jobs()}
    assert jobs["feedback.checkin_reminders"].every == dt.timedelta(days=1)
    assert "feedback.survey_send" in jobs


def test_create_missing_plans_covers_active_masters_only(personas: Any) -> None:
    personas.other_customer.account_manager = personas.agent2
    personas.other_customer.save()
    created = checkins.create_missing_plans(actor=personas.lead)
    assert created == 2  # starriver and bluewave; not the sub-account
    assert CheckinPlan.objects.get(customer=personas.other_customer).owner == personas.agent2
    assert not CheckinPlan.objects.filter(customer=personas.subaccount).exists()
    assert checkins.create_missing_plans(actor=personas.lead) == 0
