"""Mail transport state: the outbox of agent replies, and the lease that keeps one poller per mailbox.

``OutboundEmail`` is written by a ``tickets`` message hook inside the transaction that stores the
agent's reply (see ``mail.outbound``): a rolled-back reply sends nothing and a committed one is
never lost. The send task claims a row, sends it through Django's mail backend and records the
outcome; failures are retried with backoff, and the state shows on the message in the timeline.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import OutboxRow


class OutboundState(models.TextChoices):
    PENDING = "pending", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundEmail(OutboxRow):
    """An agent's reply on its way to the customer by email."""

    # Not called ``message``: its ``message_id`` attribute would clash with the Message-ID below.
    ticket_message = models.OneToOneField(
        "tickets.Message", on_delete=models.CASCADE, related_name="outbound_email", verbose_name=_("message")
    )
    mailbox = models.ForeignKey(
        "mail.Mailbox", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("mailbox")
    )
    from_email = models.CharField(_("from"), max_length=320)
    to = models.CharField(_("to"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=998)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=998, blank=True)
    references = models.TextField(_("References"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=OutboundState.choices, default=OutboundState.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        indexes = [
            models.Index(fields=["next_attempt_at"], name="mail_outbound_pending", condition=models.Q(state="pending")),
            models.Index(fields=["claimed_at"], name="mail_outbound_sending", condition=models.Q(state="sending")),
        ]

    def __str__(self) -> str:
        return f"{self.to or '-'}: {self.subject} ({self.state})"


class MailboxLease(models.Model):
    """Held by the poller while it reads a mailbox, so two workers never fetch the same mail."""

    mailbox = models.OneToOneField("mail.Mailbox", on_delete=models.CASCADE, primary_key=True, related_name="+")
    holder = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mailbox lease")
        verbose_name_plural = _("mailbox leases")

    def __str__(self) -> str:
        return f"{self.mailbox_id}: {self.holder or '-'}"
