"""The outbox: notify() writes rows in the caller's transaction; the task sends them at least once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils.translation import gettext_lazy

from aftersales.notify import delivery
from aftersales.notify.api import notify
from aftersales.notify.models import Delivery, DeliveryState, Notification
from aftersales.notify.transports import EmailTransport, Transport, message_id, register_transport

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


def test_notify_writes_a_notification_and_a_delivery_per_transport(personas):
    written = notify([personas.agent], kind="test", title="Ticket AS-000001 needs you", body="Hello", url="/tickets/")
    assert len(written) == 1
    note = Notification.objects.get()
    assert (note.recipient, note.title, note.body) == (personas.agent, "Ticket AS-000001 needs you", "Hello")
    assert note.read_at is None
    states = dict(Delivery.objects.values_list("transport", "state"))
    assert states == {"inapp": DeliveryState.SENT, "email": DeliveryState.PENDING}


def test_each_recipient_reads_it_in_their_own_language(personas):
    english, chinese = personas.agent, personas.agent2
    chinese.agent_profile.language = "zh-hans"
    chinese.agent_profile.save()
    notify(
        [english, chinese], kind="test", title=gettext_lazy("New ticket"), body=lambda: str(gettext_lazy("Sign out"))
    )
    titles = dict(Notification.objects.values_list("recipient__username", "title"))
    bodies = dict(Notification.objects.values_list("recipient__username", "body"))
    assert titles == {"li.heping": "New ticket", "yang.meng": "新建工单"}
    assert bodies == {"li.heping": "Sign out", "yang.meng": "退出登录"}


def test_duplicates_and_users_without_email_are_handled(personas):
    personas.agent2.email = ""
    personas.agent2.save()
    notify([personas.agent, personas.agent, personas.agent2, None], kind="test", title="x")
    assert Notification.objects.count() == 2
    theirs = Delivery.objects.filter(notification__recipient=personas.agent2)
    assert list(theirs.values_list("transport", flat=True)) == ["inapp"]


def test_the_same_key_notifies_once(personas):
    notify([personas.agent], kind="test", title="breach", key="sla:1:breach")
    again = notify([personas.agent, personas.lead], kind="test", title="breach", key="sla:1:breach")
    assert [n.recipient for n in again] == [personas.lead]
    assert Notification.objects.filter(recipient=personas.agent).count() == 1
    assert Delivery.objects.count() == 4


def test_a_rolled_back_change_tells_nobody(personas):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([personas.agent], kind="test", title="never")
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists() and not Delivery.objects.exists()


def test_the_task_sends_after_commit(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify([personas.agent], kind="test", title="Sent after commit", url="/tickets/AS-000009/")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Sent after commit"
    assert message.to == [personas.agent.email]
    assert "http://" in message.body and "/tickets/AS-000009/" in message.body
    email = Delivery.objects.get(transport="email")
    assert email.state == DeliveryState.SENT and email.attempts == 1 and email.sent_at is not None
    assert message.extra_headers["Message-ID"] == message_id(email.idempotency_key)


def test_message_id_is_stable_per_delivery():
    assert message_id("k:1:email") == message_id("k:1:email")
    assert message_id("k:1:email") != message_id("k:2:email")
    assert message_id("k:1:email").startswith("<notify.") and message_id("k:1:email").endswith(">")


def test_deliver_sends_each_row_once(personas):
    notify([personas.agent, personas.lead], kind="test", title="Twice?")
    first = delivery.deliver()
    second = delivery.deliver()
    assert (first.sent, second.sent) == (2, 0)
    assert len(mail.outbox) == 2


def test_a_claimed_row_cannot_be_claimed_again(personas):
    notify([personas.agent], kind="test", title="race")
    row = Delivery.objects.get(transport="email")
    assert delivery.claim(row.pk, now=NOW) is True
    assert delivery.claim(row.pk, now=NOW) is False
    report = delivery.send_one(row.pk, now=NOW)
    assert report.skipped == 1 and not mail.outbox


class Flaky(Transport):
    name = "flaky"
    failures = 0

    def send(self, delivery: Delivery) -> None:
        Flaky.failures += 1
        raise ConnectionError("mail server down")


def test_failures_are_retried_with_backoff_then_marked_failed(personas):
    register_transport(Flaky())
    with time_machine.travel(NOW, tick=False) as traveller:
        notify([personas.agent], kind="test", title="flaky", transports=["flaky"])
        row = Delivery.objects.get()
        report = delivery.deliver()
        row.refresh_from_db()
        assert report.retried == 1
        assert (row.state, row.attempts) == (DeliveryState.PENDING, 1)
        assert row.next_attempt_at == NOW + dt.timedelta(minutes=1)
        assert "mail server down" in row.last_error
        assert delivery.deliver().retried == 0  # not due yet
        for attempt in range(2, delivery.MAX_ATTEMPTS + 1):
            traveller.shift(delivery.backoff(attempt - 1))
            delivery.deliver()
        row.refresh_from_db()
        assert (row.state, row.attempts) == (DeliveryState.FAILED, delivery.MAX_ATTEMPTS)
        assert Flaky.failures == delivery.MAX_ATTEMPTS


def test_backoff_grows_and_is_capped():
    assert [delivery.backoff(n).total_seconds() // 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert delivery.backoff(30) == dt.timedelta(hours=6)


def test_a_crashed_worker_s_row_is_sent_after_its_lease(personas):
    with time_machine.travel(NOW, tick=False) as traveller:
        notify([personas.agent], kind="test", title="crash")
        row = Delivery.objects.get(transport="email")
        assert delivery.claim(row.pk, now=NOW)  # ...and the worker dies here
        assert delivery.deliver_due().sent == 0
        traveller.shift(delivery.LEASE + dt.timedelta(seconds=1))
        report = delivery.deliver_due()
    assert (report.requeued, report.sent) == (1, 1)
    row.refresh_from_db()
    assert row.state == DeliveryState.SENT and row.attempts == 2
    assert len(mail.outbox) == 1


def test_the_periodic_job_is_registered():
    from aftersales.core.scheduler import discover_jobs

    assert "notify.deliver" in {job.name for job in discover_jobs()}


def test_email_transport_only_wants_people_with_an_address(personas):
    personas.agent.email = ""
    assert EmailTransport().wants(personas.agent) is False
    assert EmailTransport().wants(personas.lead) is True
