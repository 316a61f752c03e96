"""Outbox leases name their holder: ``claimed_by`` is the claiming worker's host:pid, blank when nobody holds it."""

from __future__ import annotations

import datetime as dt
import os
import socket
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from aftersales.core import leases, scheduler
from aftersales.core.outbox import Outbox
from aftersales.notify import delivery
from aftersales.notify.api import notify
from aftersales.notify.models import Delivery, DeliveryState

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2036, 1, 1, 10, 0, tzinfo=dt.UTC)  # later than any row the tests write, so every row is due
THIS_PROCESS = f"{socket.gethostname()}:{os.getpid()}"
# Every outbox built on core.outbox: its leased work (core.leases) → its model. Core knows the apps
# only through what they register, so the models are looked up by label.
LEASED_OUTBOXES = {
    "notify.deliveries": "notify.Delivery",
    "mail.outbound": "mail.OutboundEmail",
    "feedback.csat_emails": "feedback.CsatEmail",
    "feedback.survey_invitations": "feedback.SurveyInvitation",
    "reports.review_deliveries": "reports.ReviewDelivery",
}


def _email_delivery(personas: Any) -> Delivery:
    notify([personas.agent], kind="test", title="Route to Vietnam restored")
    return Delivery.objects.get(transport="email")


def _engine(*, fail: Exception | None = None) -> Outbox[Delivery]:
    def send(row: Delivery) -> None:
        if fail is not None:
            raise fail

    return Outbox(model=Delivery, states=DeliveryState, send=send, max_attempts=3,
                  permanent=lambda exc: isinstance(exc, LookupError), label="test")


def test_a_claimed_row_names_this_process(personas: Any) -> None:
    row = _email_delivery(personas)
    assert row.claimed_by == ""
    assert delivery.claim(row.pk, now=NOW)
    row.refresh_from_db()
    assert (row.state, row.claimed_at, row.claimed_by) == (DeliveryState.SENDING, NOW, THIS_PROCESS)


def test_a_requeued_row_names_nobody(personas: Any) -> None:
    row = _email_delivery(personas)
    assert delivery.claim(row.pk, now=NOW)
    assert delivery.requeue_stale(now=NOW + delivery.LEASE - dt.timedelta(seconds=1)) == 0  # lease still running
    row.refresh_from_db()
    assert row.claimed_by == THIS_PROCESS
    assert delivery.requeue_stale(now=NOW + delivery.LEASE + dt.timedelta(seconds=1)) == 1
    row.refresh_from_db()
    assert (row.state, row.claimed_at, row.claimed_by) == (DeliveryState.PENDING, None, "")


def test_a_sent_row_and_a_row_back_in_the_queue_name_nobody(personas: Any) -> None:
    row = _email_delivery(personas)
    assert _engine(fail=ConnectionError("down")).deliver(now=NOW).retried == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.claimed_by) == (DeliveryState.PENDING, 1, "")
    assert _engine().deliver(now=NOW + dt.timedelta(hours=1)).sent == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.claimed_by) == (DeliveryState.SENT, 2, "")


def test_a_row_that_failed_for_good_keeps_the_name_of_its_last_holder(personas: Any) -> None:
    row = _email_delivery(personas)
    assert _engine(fail=LookupError("no transport")).deliver(now=NOW).failed == 1
    row.refresh_from_db()
    assert (row.state, row.claimed_by) == (DeliveryState.FAILED, THIS_PROCESS)


@pytest.mark.parametrize(("work_name", "model_label"), LEASED_OUTBOXES.items())
def test_every_leased_outbox_keeps_the_holder_in_its_table(personas: Any, work_name: str, model_label: str) -> None:
    field = apps.get_model(model_label)._meta.get_field("claimed_by")
    assert isinstance(field, models.CharField) and field.max_length == 200 and field.blank
    scheduler.discover_jobs()  # every app's tasks.py registers its leased work
    work = {registered.name: registered for registered in leases.registered_leases()}[work_name]
    # Its requeue clears claimed_by in the migrated table: the UPDATE runs (no stale row here, nothing changes).
    assert work.requeue(now=NOW) == 0


def test_a_holder_is_gone_only_when_its_process_on_this_host_is() -> None:
    import subprocess
    import sys

    from aftersales.core import leases

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)  # fmt: skip
    host = leases.holder().rpartition(":")[0]
    assert leases.holder_gone(f"{host}:{finished.stdout.strip()}")
    assert not leases.holder_gone(leases.holder())
    assert not leases.holder_gone(f"another-host.example:{finished.stdout.strip()}")  # cannot tell: not gone
    assert not leases.holder_gone("") and not leases.holder_gone(f"{host}:not-a-pid")
