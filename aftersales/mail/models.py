"""Mailboxes we read and every message we were handed, kept as the raw bytes first."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from aftersales.core.fields import EncryptedTextField
from aftersales.core.stamps import bump


class ImapSecurity(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (loopback only)")


# The desk's own addresses and the customers' mail domains are cached per process
# (``mail.inbound``) against this stamp: saves and deletes of mailboxes and customers bump it
# through signals (``mail.apps``), this queryset for bulk writes that change an address.
STAMP = "mail"


class MailboxQuerySet(models.QuerySet["Mailbox"]):
    def update(self, **kwargs: Any) -> int:
        if "address" not in kwargs:  # the poller's bookkeeping (last_uid, last_polled_at…)
            return super().update(**kwargs)
        with transaction.atomic():
            bump(STAMP)
            return super().update(**kwargs)

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[Mailbox]:
        with transaction.atomic():
            bump(STAMP)
            return super().bulk_create(*args, **kwargs)


class Mailbox(models.Model):
    """An IMAP mailbox the poller reads; the customer or team it feeds."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.EmailField(
        _("address"), blank=True, help_text=_("The desk address customers write to; replies are sent from it.")
    )
    imap_host = models.CharField(_("IMAP host"), max_length=255)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, choices=ImapSecurity.choices, default=ImapSecurity.SSL
    )
    username = models.CharField(_("user name"), max_length=255)
    password = EncryptedTextField(_("password"), blank=True)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    move_to_folder = models.CharField(
        _("move fetched mail to"), max_length=255, blank=True, help_text=_("Empty: leave mail where it is.")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mailboxes",
        verbose_name=_("customer"),
    )
    team = models.ForeignKey(
        "people.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mailboxes",
        verbose_name=_("team"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    reopen_resolved = models.BooleanField(
        _("reopen resolved tickets"), default=True, help_text=_("A customer's reply reopens a resolved ticket.")
    )

    objects = MailboxQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name


class InboundSource(models.TextChoices):
    IMAP = "imap", _("IMAP")
    SMTP = "smtp", _("SMTP")
    UPLOAD = "upload", _("Import")


class InboundState(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class InboundEmail(models.Model):
    """One message as received: bytes first, then what processing made of it."""

    received_at = models.DateTimeField(_("received"), db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=InboundSource.choices)
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound", verbose_name=_("mailbox")
    )
    raw = models.BinaryField(_("raw message"))
    size = models.PositiveIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    sender = models.CharField(_("sender"), max_length=320, blank=True, db_index=True)
    state = models.CharField(
        _("state"), max_length=10, choices=InboundState.choices, default=InboundState.RECEIVED, db_index=True
    )
    reason = models.TextField(_("reason"), blank=True)
    threaded = models.BooleanField(_("threaded onto an existing ticket"), default=False)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("ticket")
    )
    # Not called ``message``: its ``message_id`` attribute would clash with the Message-ID header above.
    ticket_message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("message")
    )
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        indexes = [models.Index(fields=["sender", "received_at"], name="mail_inbound_sender_at")]

    def __str__(self) -> str:
        return f"{self.sender} – {self.subject}"[:120]


# Transport state (outbox, poller lease) lives in its own module.
from aftersales.mail.models_outbound import MailboxLease, OutboundEmail, OutboundState  # noqa: E402, F401
