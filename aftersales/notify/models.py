"""The notification outbox: what a person is told (``Notification``) and how it reaches them
(one ``Delivery`` per transport).

Both rows are written by ``notify.api.notify`` in the transaction of the change they report,
so a rolled-back change tells nobody and a committed one is never lost: the delivery task
sends whatever is pending, at least once, with a stable id (the idempotency key).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import OutboxRow


class Notification(models.Model):
    """One message to one person, shown in their in-app list (``/notifications/``)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    ticket_ref = models.CharField(_("ticket"), max_length=20, blank=True)
    # Set when the caller gives a key: the same key and recipient is stored once.
    key = models.CharField(max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
            models.Index(
                fields=["recipient"], name="notification_unread", condition=models.Q(read_at__isnull=True)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], name="notification_key_unique", condition=~models.Q(key="")
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(OutboxRow):
    """A notification on its way through one transport (email, in-app, …)."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    transport = models.CharField(_("transport"), max_length=30)
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="delivery_pending", condition=models.Q(state="pending")
            ),
            models.Index(fields=["claimed_at"], name="delivery_sending", condition=models.Q(state="sending")),
        ]

    def __str__(self) -> str:
        return f"{self.transport} #{self.notification_id} ({self.state})"
