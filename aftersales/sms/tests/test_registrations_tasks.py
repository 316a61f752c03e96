"""The overdue-registration reminder (sms.remind_overdue_registrations, hourly)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import translation
from django.utils.translation import gettext

from aftersales.core.scheduler import discover_jobs
from aftersales.notify.models import Notification
from aftersales.sms import registrations as actions
from aftersales.sms.tasks import remind_overdue_registrations
from aftersales.testing.factories import make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def submitted(personas, *, days_ago: float, sender="ACMEPAY", country="AE", owner=None, status="submitted"):
    with time_machine.travel(NOW - timedelta(days=days_ago), tick=False):
        registration = actions.create_registration(
            customer=personas.customer,
            country=country,
            sender_id=sender,
            type="alphanumeric",
            owner=owner if owner is not None else personas.agent,
            actor=personas.agent,
        )
        actions.transition_registration(registration=registration, to_status="submitted", actor=personas.agent)
        if status != "submitted":
            actions.transition_registration(registration=registration, to_status=status, actor=personas.agent, note="x")
    return registration


def reminders(user=None):
    found = Notification.objects.filter(kind=actions.NOTIFY_KIND)
    return list(found.filter(recipient=user) if user is not None else found)


def test_a_uae_registration_submitted_26_days_ago_reminds_its_owner_once(personas):
    registration = submitted(personas, days_ago=26)  # AE alphanumeric: 25 days
    with time_machine.travel(NOW, tick=False):
        assert actions.remind_overdue_registrations() == 1
        assert actions.remind_overdue_registrations() == 0  # same run again: nothing new
    [notification] = reminders()
    assert notification.recipient == personas.agent
    assert notification.title == "Sender ID ACMEPAY (AE) for Starriver Tech 星河科技 is overdue"
    assert "is 1 day late" in notification.body and "Submitted to vendor" in notification.body
    assert notification.url == f"/sms/registrations/{registration.pk}/"
    registration.refresh_from_db()
    assert registration.overdue_reminded_at == NOW


def test_the_reminder_repeats_after_a_day_not_before(personas):
    submitted(personas, days_ago=26)
    with time_machine.travel(NOW, tick=False):
        actions.remind_overdue_registrations()
    with time_machine.travel(NOW + timedelta(hours=23), tick=False):
        assert actions.remind_overdue_registrations() == 0
    with time_machine.travel(NOW + timedelta(days=1, minutes=1), tick=False):
        assert actions.remind_overdue_registrations() == 1
    assert len(reminders(personas.agent)) == 2


def test_registrations_not_yet_due_final_or_drafts_are_left_alone(personas):
    submitted(personas, days_ago=24, sender="NOTYET")  # due tomorrow
    submitted(personas, days_ago=40, sender="DONE", status="rejected")
    with time_machine.travel(NOW - timedelta(days=60), tick=False):
        actions.create_registration(
            customer=personas.customer, country="AE", sender_id="DRAFTED", type="alphanumeric",
            owner=personas.agent, actor=personas.agent,
        )
    with time_machine.travel(NOW, tick=False):
        assert actions.remind_overdue_registrations() == 0
    assert reminders() == []


def test_needs_info_still_counts_as_overdue(personas):
    submitted(personas, days_ago=30, status="needs_info")
    with time_machine.travel(NOW, tick=False):
        assert actions.remind_overdue_registrations() == 1


def test_without_an_owner_the_account_manager_is_reminded(personas):
    manager = make_user("ma.lan", role="agent", display_name="Ma Lan")
    personas.customer.account_manager = manager
    personas.customer.save()
    registration = submitted(personas, days_ago=26)
    actions.assign_registration(registration=registration, owner=None, actor=personas.agent)
    with time_machine.travel(NOW, tick=False):
        assert actions.remind_overdue_registrations() == 1
    assert [n.recipient for n in reminders()] == [manager]


def test_the_title_is_rendered_in_the_owner_language(personas):
    owner = make_user("zhou.ling", role="agent", display_name="周玲", language="zh-hans")
    submitted(personas, days_ago=26, owner=owner)
    with time_machine.travel(NOW, tick=False):
        actions.remind_overdue_registrations()
    with translation.override("zh-hans"):
        expected = gettext("Sender ID %(sender)s (%(country)s) for %(customer)s is overdue") % {
            "sender": "ACMEPAY", "country": "AE", "customer": "Starriver Tech 星河科技",
        }
    assert reminders(owner)[0].title == expected


def test_the_hourly_job_runs_the_reminder(personas):
    submitted(personas, days_ago=26)
    job = next(job for job in discover_jobs() if job.name == "sms.remind_overdue_registrations")
    assert job.every == timedelta(hours=1)
    with time_machine.travel(NOW, tick=False):
        result = remind_overdue_registrations.enqueue()
    assert result.return_value == 1
    assert len(reminders(personas.agent)) == 1
