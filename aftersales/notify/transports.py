"""Transports: how a notification leaves the desk. A registry keyed by name.

``inapp`` delivers by being written (the list at ``/notifications/`` reads the rows);
``email`` sends through Django's mail backend. Chat transports arrive with the channels issue:
subclass :class:`Transport` and call :func:`register_transport`.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales.notify.models import Delivery


class Transport:
    name: str = ""
    # True: delivered when written (the row is stored as sent, no task needed).
    immediate: bool = False

    def wants(self, user: Any) -> bool:
        """Whether ``user`` can be reached this way at all (e.g. has an email address)."""
        return True

    def send(self, delivery: Delivery) -> None:
        """Deliver or raise. Must be safe to repeat with the same delivery (at-least-once)."""
        raise NotImplementedError


class InAppTransport(Transport):
    name = "inapp"
    immediate = True

    def send(self, delivery: Delivery) -> None:
        return None  # the notification row is the delivery


def message_id(idempotency_key: str) -> str:
    """A stable RFC 5322 Message-ID: a resend of the same delivery carries the same id."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    domain = urlparse(getattr(settings, "SITE_URL", "")).hostname or "aftersales.invalid"
    return f"<notify.{digest}@{domain}>"


def absolute_url(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return getattr(settings, "SITE_URL", "").rstrip("/") + url


class EmailTransport(Transport):
    name = "email"

    def wants(self, user: Any) -> bool:
        return bool(getattr(user, "email", ""))

    def send(self, delivery: Delivery) -> None:
        notification = delivery.notification
        user = notification.recipient
        profile = getattr(user, "agent_profile", None)
        with translation.override(profile.language if profile else settings.LANGUAGE_CODE):
            body = notification.body
            if notification.url:
                body = f"{body}\n\n{_('Open')}: {absolute_url(notification.url)}".strip()
        message = EmailMessage(
            subject=notification.title,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
            headers={"Message-ID": message_id(delivery.idempotency_key), "X-Aftersales-Kind": notification.kind},
        )
        message.send(fail_silently=False)


_registry: dict[str, Transport] = {}


def register_transport(transport: Transport) -> Transport:
    if not transport.name:
        raise ValueError("a transport needs a name")
    _registry[transport.name] = transport
    return transport


def get_transport(name: str) -> Transport | None:
    return _registry.get(name)


def transport_names() -> list[str]:
    return sorted(_registry)


register_transport(InAppTransport())
register_transport(EmailTransport())
