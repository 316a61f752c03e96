"""Writing team notices for IM targets into notify's outbox.

A notice is a ``Notification`` (recorded against the person it is about, already read, so
nobody's unread count moves), one ``Delivery`` through the target's transport, and the
``ImDelivery`` saying which target. notify's delivery task sends it with retries; the
delivery's idempotency key (``im:<target>:<key>``) makes writing the same notice twice a no-op.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import translation

from aftersales.chat.models import ImDelivery, ImTarget
from aftersales.core import clock
from aftersales.notify.models import Delivery, DeliveryState, Notification

logger = logging.getLogger(__name__)


def _key(target: ImTarget, key: str) -> str:
    raw = f"im:{target.pk}:{key}"
    return raw if len(raw) <= 200 else "im:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()


def queue(
    target: ImTarget,
    *,
    event: str,
    recipient: Any,
    key: str,
    title: Callable[[], str],
    body: Callable[[], str] = lambda: "",
    url: str = "",
    ticket_ref: str = "",
) -> Delivery | None:
    """Write one notice for ``target`` (texts rendered in the target's language).

    Returns the pending delivery, or None when a notice with this key was already written.
    """
    now = clock.now()
    full_key = _key(target, key)
    with translation.override(target.language):
        rendered_title, rendered_body = str(title())[:255], str(body())
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=f"im_{event}",
                title=rendered_title,
                body=rendered_body,
                url=url,
                ticket_ref=ticket_ref,
                key=full_key,
                created_at=now,
                read_at=now,
            )
            delivery = Delivery.objects.create(
                notification=notification,
                transport=target.kind,
                state=DeliveryState.PENDING,
                next_attempt_at=now,
                idempotency_key=full_key,
                created_at=now,
            )
            ImDelivery.objects.create(delivery=delivery, target=target, event=event)
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _enqueue([delivery.pk]))
    return delivery


def _enqueue(delivery_ids: list[int]) -> None:
    from aftersales.notify.tasks import deliver_now

    try:
        deliver_now.enqueue(delivery_ids=delivery_ids)
    except Exception:  # the every-minute notify job sends them anyway
        logger.exception("could not enqueue IM delivery")
