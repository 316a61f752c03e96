"""The shared outbox engine (``aftersales.core.outbox``), driven through notify's Delivery rows."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.core.outbox import Outbox
from aftersales.notify import delivery
from aftersales.notify.api import notify
from aftersales.notify.models import Delivery, DeliveryState

pytestmark = pytest.mark.django_db
# Later than any row the tests write with the real clock, so every row is due at NOW.
NOW = dt.datetime(2036, 1, 1, 10, 0, tzinfo=dt.UTC)


class Refused(Exception):
    pass


def _engine(sent: list[int], *, fail: Exception | None = None) -> Outbox[Delivery]:
    def send(row: Delivery) -> None:
        if fail is not None:
            raise fail
        sent.append(row.pk)

    return Outbox(
        model=Delivery,
        states=DeliveryState,
        send=send,
        permanent=lambda exc: isinstance(exc, Refused),
        max_attempts=3,
        lease=dt.timedelta(minutes=5),
        label="test",
    )


def _pending(personas) -> Delivery:
    notify([personas.agent], kind="test", title="engine")
    return Delivery.objects.get(transport="email")


def test_a_permanent_failure_fails_at_once(personas):
    row = _pending(personas)
    report = _engine([], fail=Refused("550 no such user")).deliver(now=NOW)
    row.refresh_from_db()
    assert (report.failed, report.retried) == (1, 0)
    assert (row.state, row.attempts) == (DeliveryState.FAILED, 1)
    assert row.last_error == "Refused: 550 no such user"


def test_a_passing_failure_is_retried_with_backoff(personas):
    row = _pending(personas)
    report = _engine([], fail=ConnectionError("down")).deliver(now=NOW)
    row.refresh_from_db()
    assert report.retried == 1
    assert (row.state, row.next_attempt_at) == (DeliveryState.PENDING, NOW + dt.timedelta(minutes=1))


def test_deliver_sends_only_the_ids_given_and_at_most_limit(personas):
    notify([personas.agent, personas.lead, personas.agent2], kind="test", title="some")
    ids = list(Delivery.objects.filter(transport="email").order_by("pk").values_list("pk", flat=True))
    sent: list[int] = []
    engine = _engine(sent)
    assert engine.deliver(ids=ids[:2], now=NOW + dt.timedelta(hours=1), limit=1).sent == 1
    assert sent == [ids[0]]
    assert engine.deliver(ids=iter(ids), now=NOW + dt.timedelta(hours=1)).sent == 2
    assert sent == ids


def test_a_stale_claim_on_the_last_attempt_is_failed_not_requeued(personas):
    row = _pending(personas)
    Delivery.objects.filter(pk=row.pk).update(state=DeliveryState.SENDING, attempts=3, claimed_at=NOW)
    engine = _engine([])
    assert engine.requeue_stale(now=NOW + dt.timedelta(minutes=4)) == 0
    assert engine.requeue_stale(now=NOW + dt.timedelta(minutes=6)) == 0
    row.refresh_from_db()
    assert (row.state, row.last_error) == (DeliveryState.FAILED, "lease expired on the last attempt")


def test_notify_keeps_its_names_and_settings():
    assert delivery.OUTBOX.max_attempts == delivery.MAX_ATTEMPTS and delivery.OUTBOX.lease == delivery.LEASE
    assert delivery.Report().sent == 0
    assert delivery.backoff(2) == dt.timedelta(minutes=2)
