"""``notify()``: the only way the desk tells someone something.

Call it inside the transaction of the change being reported::

    from aftersales.notify.api import notify
    notify([ticket.owner], kind="sla_breach", title=lambda: _("%(ref)s breached") % {"ref": ticket.ref},
           url=reverse("tickets:detail", args=[ticket.ref]), ticket_ref=ticket.ref, key=f"sla:{notice.pk}")

``title`` and ``body`` are rendered once per recipient inside
``translation.override(<recipient's language>)``: pass a lazy string (``gettext_lazy``) or a
callable returning a string (for strings with parameters); a plain ``str`` is stored as is.

Rows are written now (a ``Notification`` per recipient, a ``Delivery`` per transport); the
delivery task is enqueued after the commit, and the every-minute ``notify.deliver`` job picks up
anything that was not sent, so nothing is lost if the worker is down.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.functional import Promise

from aftersales.core import clock
from aftersales.notify.models import Delivery, DeliveryState, Notification
from aftersales.notify.transports import get_transport

Text = str | Promise | Callable[[], str]

DEFAULT_TRANSPORTS = ("inapp", "email")


def _render(text: Text) -> str:
    if callable(text) and not isinstance(text, Promise):
        return str(text())
    return str(text)


def _language(user: Any) -> str:
    profile = getattr(user, "agent_profile", None)
    return getattr(profile, "language", "") or settings.LANGUAGE_CODE


def _delivery_key(key: str, user_pk: int, transport: str) -> str:
    raw = f"{key}:{user_pk}:{transport}"
    return raw if len(raw) <= 255 else hashlib.sha256(raw.encode("utf-8")).hexdigest()


def notify(
    recipients: Iterable[Any],
    *,
    kind: str,
    title: Text,
    body: Text = "",
    url: str = "",
    ticket_ref: str = "",
    key: str = "",
    transports: Iterable[str] | None = None,
) -> list[Notification]:
    """Write a notification (and its deliveries) for each distinct, active recipient.

    ``key`` makes the call idempotent: a recipient already notified under that key is skipped
    (two sweeps reporting the same breach notify once). Returns the notifications written.
    """
    now = clock.now()
    names = list(transports if transports is not None else getattr(settings, "NOTIFY_TRANSPORTS", DEFAULT_TRANSPORTS))
    chosen = [transport for transport in (get_transport(name) for name in names) if transport is not None]
    seen: set[int] = set()
    users = []
    for user in recipients:
        if user is None or user.pk in seen or not getattr(user, "is_active", True):
            continue
        seen.add(user.pk)
        users.append(user)
    if not users:
        return []
    written: list[Notification] = []
    pending: list[int] = []
    with transaction.atomic(savepoint=False):  # the caller's transaction when there is one
        if key:
            done = set(
                Notification.objects.filter(key=key, recipient_id__in=seen).values_list("recipient_id", flat=True)
            )
            users = [user for user in users if user.pk not in done]
        for user in users:
            with translation.override(_language(user)):
                rendered_title, rendered_body = _render(title)[:255], _render(body)
            base_key = key or uuid.uuid4().hex
            try:
                with transaction.atomic():  # a savepoint: a concurrent duplicate is skipped, not fatal
                    notification = Notification.objects.create(
                        recipient=user,
                        kind=kind,
                        title=rendered_title,
                        body=rendered_body,
                        url=url,
                        ticket_ref=ticket_ref,
                        key=key,
                        created_at=now,
                    )
                    deliveries = [
                        Delivery(
                            notification=notification,
                            transport=transport.name,
                            state=DeliveryState.SENT if transport.immediate else DeliveryState.PENDING,
                            next_attempt_at=now,
                            idempotency_key=_delivery_key(base_key, user.pk, transport.name),
                            created_at=now,
                            sent_at=now if transport.immediate else None,
                        )
                        for transport in chosen
                        if transport.wants(user)
                    ]
                    created = Delivery.objects.bulk_create(deliveries)
            except IntegrityError:
                continue
            written.append(notification)
            pending += [delivery.pk for delivery in created if delivery.state == DeliveryState.PENDING]
    if pending:
        transaction.on_commit(lambda: _enqueue(pending))
    return written


def _enqueue(delivery_ids: list[int]) -> None:
    from aftersales.notify.tasks import deliver_now

    try:
        deliver_now.enqueue(delivery_ids=delivery_ids)
    except Exception:  # the every-minute job sends them anyway
        import logging

        logging.getLogger(__name__).exception("could not enqueue notification delivery")
