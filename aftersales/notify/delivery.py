"""Sending what the outbox holds: claim a row atomically, send it, record the outcome.

The lifecycle (claim with a conditional UPDATE, lease, backoff, ``MAX_ATTEMPTS``) is the shared
engine in ``aftersales.core.outbox``; this module plugs in the ``Delivery`` model and the
transports, and keeps the names callers use (``claim``, ``send_one``, ``deliver``, …).
A worker that dies after claiming leaves the row in 'sending'; once its lease (``LEASE``)
expires the periodic job puts it back to 'pending', so a row is never lost (it may be sent
twice: the transports' ids are stable).
"""

from __future__ import annotations

import datetime as dt
import logging

from aftersales.core import outbox
from aftersales.notify.models import Delivery, DeliveryState
from aftersales.notify.transports import get_transport

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = dt.timedelta(minutes=10)
BATCH = outbox.BATCH

Report = outbox.Report
backoff = outbox.backoff


def _send(delivery: Delivery) -> None:
    transport = get_transport(delivery.transport)
    if transport is None:
        raise LookupError(f"no transport named {delivery.transport!r}")
    transport.send(delivery)


OUTBOX: outbox.Outbox[Delivery] = outbox.Outbox(
    model=Delivery,
    states=DeliveryState,
    send=_send,
    max_attempts=MAX_ATTEMPTS,
    lease=LEASE,
    batch=BATCH,
    select_related=("notification__recipient__agent_profile",),
    label="notify",
    item="delivery",
    items="deliveries",
    logger=logger,
)

claim = OUTBOX.claim
requeue_stale = OUTBOX.requeue_stale
send_one = OUTBOX.send_one
deliver = OUTBOX.deliver
deliver_due = OUTBOX.deliver_due
