"""Chat channels (messages in through a signed webhook) and IM targets (team notices out).

``ChatInbound`` keeps every authenticated request body as received, before anything is
parsed, so a message that cannot be processed is never lost: it stays with its reason.
``ImDelivery`` ties a notify ``Delivery`` (the outbox row, sent with retries by notify's
task) to the ``ImTarget`` it goes to.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.fields import EncryptedTextField


class ImKind(models.TextChoices):
    WECOM = "wecom", _("WeCom (企业微信) group robot")
    DINGTALK = "dingtalk", _("DingTalk robot")
    FEISHU = "feishu", _("Feishu / Lark bot")
    SLACK = "slack", _("Slack incoming webhook")
    WEBHOOK = "webhook", _("Generic webhook")


class ImEvent(models.TextChoices):
    ASSIGNMENT = "assignment", _("Ticket assigned")
    BREACH = "breach", _("SLA target breached")


class ChatChannel(models.Model):
    """A chat bridge posting to ``/hooks/chat/<slug>``, signed with ``secret``."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True, help_text=_("The last part of the webhook address."))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=ImKind.choices,
        default=ImKind.WECOM,
        help_text=_("Which IM the senders use: a contact is found by the handle stored under this kind."),
    )
    secret = EncryptedTextField(_("signing secret"))
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
        help_text=_("Messages from unknown senders belong to this customer; empty: the needs-a-customer queue."),
    )
    team = models.ForeignKey(
        "people.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("chat channel")
        verbose_name_plural = _("chat channels")

    def __str__(self) -> str:
        return self.name


class InboundState(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class ChatInbound(models.Model):
    """One signed request to a channel's webhook, stored as received before it is read."""

    channel = models.ForeignKey(ChatChannel, on_delete=models.PROTECT, related_name="inbound")
    received_at = models.DateTimeField(_("received"))
    raw = models.BinaryField(_("raw body"))
    sha256 = models.CharField(max_length=64, db_index=True)
    message_id = models.CharField(_("message id"), max_length=200, blank=True)
    conversation_id = models.CharField(_("conversation"), max_length=200, blank=True)
    sender_id = models.CharField(_("sender"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=InboundState.choices, default=InboundState.RECEIVED)
    reason = models.TextField(_("reason"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ticket_message = models.ForeignKey(
        "tickets.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound chat message")
        verbose_name_plural = _("inbound chat messages")
        indexes = [
            models.Index(fields=["channel", "message_id"], name="chat_inbound_message"),
            # Newest first (the default order, the retention purge) and /metrics' "received in the last
            # 5 minutes" count, which would otherwise read the whole table on every scrape.
            models.Index(fields=["received_at"], name="chat_inbound_received"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.message_id or self.sha256[:12]} ({self.state})"


class ChatConversation(models.Model):
    """A conversation of a channel and the ticket its messages go to."""

    channel = models.ForeignKey(ChatChannel, on_delete=models.CASCADE, related_name="conversations")
    conversation_id = models.CharField(max_length=200)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "conversation_id"], name="chat_conversation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.conversation_id}"


class ImTarget(models.Model):
    """A group chat (robot / bot / webhook) told about a team's tickets."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImKind.choices)
    name = models.CharField(_("name"), max_length=120)
    # Robot addresses carry their access token (WeCom key, DingTalk access_token, Slack path): encrypted too.
    url = EncryptedTextField(_("webhook address"))
    secret = EncryptedTextField(
        _("signing secret"),
        blank=True,
        help_text=_("DingTalk and Feishu: the robot's signing secret; generic webhook: the HMAC key."),
    )
    team = models.ForeignKey(
        "people.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
        help_text=_("Empty: every team's tickets."),
    )
    events = models.JSONField(_("events"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("IM target")
        verbose_name_plural = _("IM targets")

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return self.is_active and event in (self.events or [])


class ImDelivery(models.Model):
    """Which target a notify ``Delivery`` goes to (the transport reads it when sending)."""

    delivery = models.OneToOneField("notify.Delivery", on_delete=models.CASCADE, related_name="im")
    target = models.ForeignKey(ImTarget, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=20)

    def __str__(self) -> str:
        return f"{self.target_id}:{self.delivery_id}"
