"""Tickets, their messages and their timeline events.

State rules about one ticket live here as methods; every write that changes a ticket goes
through ``tickets.actions``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aftersales.customers.models import Contact, Customer
from aftersales.people.models import Team


class NamedChoice(models.Model):
    """An editable, ordered list entry with a stable code and a name in each language."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class Category(NamedChoice):
    """A two-level taxonomy: groups (parent empty) and the categories under them."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("group")
    )

    class Meta(NamedChoice.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class RootCause(NamedChoice):
    """Why a ticket happened, chosen when resolving it (issue 8). An editable list; ``code`` is stable."""

    class Meta(NamedChoice.Meta):
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 · urgent")
    P2 = 2, _("P2 · high")
    P3 = 3, _("P3 · normal")
    P4 = 4, _("P4 · low")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat")
    PORTAL = "portal", _("Portal")
    API = "api", _("API")
    MONITORING = "monitoring", _("Monitoring")
    IMPORT = "import", _("Import")


# Channels where a ticket's description is the customer's own words (their email, chat or portal message).
# On the others (a phone log, the API, a monitor, an import) the desk wrote it for itself: the portal keeps it in.
CUSTOMER_WORDS = (Channel.EMAIL, Channel.CHAT, Channel.PORTAL)


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer")
    WAITING_VENDOR = "waiting_vendor", _("Waiting on vendor")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING_CUSTOMER, Status.WAITING_VENDOR)
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)


# The columns the reports read from the tickets opened / resolved in a period (covering indexes).
REPORT_SCOPE_COLUMNS = ["id", "team_id", "customer_id", "category_id", "owner_id", "channel", "priority"]
REPORT_CREATED_COLUMNS = [
    *REPORT_SCOPE_COLUMNS, "resolved_at", "subject", "sla_policy_id", "imported", "first_response_seconds",
    "first_response_breached", "next_response_breached", "resolution_breached",
]
REPORT_RESOLVED_COLUMNS = [
    *REPORT_SCOPE_COLUMNS, "created_at", "root_cause_id", "resolution_seconds", "reopen_count",
    "seconds_with_us", "seconds_waiting_customer", "seconds_waiting_vendor",
]


class Ticket(models.Model):
    number = models.BigIntegerField(unique=True, editable=False)
    ref = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    # db_index=False on customer, owner, team: the composite indexes in Meta start with them, so a
    # single-column index would be one more to write per ticket for no query.
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("customer"),
        db_index=False,
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets", verbose_name=_("contact")
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("category")
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.P3)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_tickets",
        verbose_name=_("owner"),
        db_index=False,
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets", verbose_name=_("team"),
        db_index=False,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets", verbose_name=_("tags"))
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )

    # Stamped by the system (tickets.actions), never typed by users.
    created_at = models.DateTimeField(_("created"), editable=False)
    updated_at = models.DateTimeField(_("updated"), editable=False)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    last_customer_message_at = models.DateTimeField(_("last customer message"), null=True, blank=True, editable=False)
    imported = models.BooleanField(
        _("imported"), default=False, editable=False, help_text=_("Times were carried over from an old log")
    )
    source_kind = models.CharField(max_length=30, blank=True, editable=False)
    source_ref = models.CharField(max_length=255, blank=True, editable=False)

    # Resolution notes (issue 8): written when the ticket is resolved, kept if it reopens (the next
    # resolution overwrites them); each resolution is also on its status event.
    resolution_summary = models.CharField(_("resolution summary"), max_length=500, blank=True, editable=False)
    root_cause = models.ForeignKey(
        RootCause,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        editable=False,
        verbose_name=_("root cause"),
    )
    underlying_need = models.TextField(_("customer's underlying need"), blank=True, editable=False)

    # SLA clocks (issue 3): set by tickets.deadlines inside the actions, never typed by users.
    sla_policy = models.ForeignKey(
        "sla.Policy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        editable=False,
        verbose_name=_("SLA policy"),
    )
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True, editable=False)
    next_response_due_at = models.DateTimeField(_("next response due"), null=True, blank=True, editable=False)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True, editable=False)
    paused_since = models.DateTimeField(_("clock paused since"), null=True, blank=True, editable=False)
    paused_seconds = models.PositiveIntegerField(_("paused (business seconds)"), default=0, editable=False)
    first_response_seconds = models.PositiveIntegerField(
        _("first response (business seconds)"), null=True, blank=True, editable=False
    )
    resolution_seconds = models.PositiveIntegerField(
        _("resolution (business seconds)"), null=True, blank=True, editable=False
    )
    first_response_breached = models.BooleanField(_("first response breached"), default=False, editable=False)
    next_response_breached = models.BooleanField(_("next response breached"), default=False, editable=False)
    resolution_breached = models.BooleanField(_("resolution breached"), default=False, editable=False)
    # Where the time goes (reports): business seconds spent in each kind of status, added up at
    # every status change (the current status counts from status_since), and how often it reopened.
    status_since = models.DateTimeField(_("in this status since"), null=True, blank=True, editable=False)
    seconds_with_us = models.PositiveIntegerField(_("time with us (business seconds)"), default=0, editable=False)
    seconds_waiting_customer = models.PositiveIntegerField(
        _("time waiting on the customer (business seconds)"), default=0, editable=False
    )
    seconds_waiting_vendor = models.PositiveIntegerField(
        _("time waiting on the vendor (business seconds)"), default=0, editable=False
    )
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0, editable=False)
    # The earliest pending warning or breach moment; the sweep selects sla_check_at <= now.
    sla_check_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["status", "-created_at"], name="ticket_status_created"),
            models.Index(fields=["owner", "status", "-created_at"], name="ticket_owner_status"),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_created"),
            models.Index(fields=["team", "status"], name="ticket_team_status"),
            models.Index(fields=["-updated_at"], name="ticket_updated"),
            # The API and the "newest" sort page through everything by (created_at, id).
            models.Index(fields=["-created_at", "-id"], name="ticket_created_id"),
            models.Index(fields=["sla_check_at"], name="ticket_sla_check"),
            models.Index(
                fields=["-created_at"],
                name="ticket_open_unassigned",
                condition=models.Q(
                    owner__isnull=True, status__in=["new", "open", "waiting_customer", "waiting_vendor"]
                ),
            ),
            models.Index(
                fields=["-created_at"],
                name="ticket_needs_customer",
                condition=models.Q(customer__isnull=True, merged_into__isnull=True),
            ),
            # Reports select by period: tickets in (created) and out (resolved). The leads' dashboard
            # and the review (reports.figures) scan both sets of a period: on PostgreSQL these
            # covering indexes answer those scans from the index alone (INCLUDE is left out on
            # SQLite, where they are plain indexes). The resolved-at one is not partial: it is
            # also the index of every other query by resolution time (a second, narrower index
            # on resolved_at would look cheaper to the planner and send the reports to the table).
            models.Index(
                fields=["created_at"],
                name="ticket_report_created",
                condition=models.Q(merged_into__isnull=True),
                include=REPORT_CREATED_COLUMNS,
            ),
            models.Index(
                fields=["resolved_at"],
                name="ticket_report_resolved",
                include=["merged_into_id", *REPORT_RESOLVED_COLUMNS],
            ),
            # ... and the backlog still open (the open part of "open at the period's end").
            models.Index(
                fields=["created_at"],
                name="ticket_report_open",
                condition=models.Q(merged_into__isnull=True, resolved_at__isnull=True),
                include=REPORT_SCOPE_COLUMNS,
            ),
            # The sidebar's queue counts on every page (tickets.queries.queue_counts): one aggregate
            # over the open tickets and those needing a customer, answered from this index alone on
            # PostgreSQL (a few thousand entries) instead of visiting the table's pages.
            models.Index(
                fields=["status"],
                name="ticket_working_queues",
                condition=models.Q(status__in=["new", "open", "waiting_customer", "waiting_vendor"])
                | models.Q(customer__isnull=True),
                include=["id", "owner_id", "team_id", "customer_id", "merged_into_id"],
            ),
            # Tickets resolved before they were created (imported history can say so): normally none.
            # The reports' backlog at a period's end counts them from here (reports.daily.open_at_end).
            models.Index(
                fields=["created_at"],
                name="ticket_resolved_before_created",
                condition=models.Q(resolved_at__lt=models.F("created_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.subject}"

    @staticmethod
    def format_ref(number: int) -> str:
        return f"{settings.TICKET_REF_PREFIX}-{number:06d}"

    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_waiting(self) -> bool:
        return self.status in (Status.WAITING_CUSTOMER, Status.WAITING_VENDOR)

    def needs_customer(self) -> bool:
        return self.customer_id is None


class MessageKind(models.TextChoices):
    INBOUND = "in", _("From customer")
    OUTBOUND = "out", _("Reply")
    NOTE = "note", _("Internal note")


class Message(models.Model):
    ticket = models.ForeignKey(  # (indexed by message_ticket_created)
        Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=4, choices=MessageKind.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    body = models.TextField(_("body"))
    body_html = models.TextField(blank=True)
    external_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"))
    imported = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_created")]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"

    @property
    def is_note(self) -> bool:
        return self.kind == MessageKind.NOTE

    @property
    def author_name(self) -> str:
        if self.author_user is not None:
            profile = getattr(self.author_user, "agent_profile", None)
            return profile.display_name if profile else self.author_user.get_username()
        if self.author_contact is not None:
            return self.author_contact.name
        return str(_("System"))


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.message.ticket.ref}/{instance.message_id}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=400)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    OWNER = "owner", _("Owner changed")
    TEAM = "team", _("Team changed")
    CATEGORY = "category", _("Category changed")
    PRIORITY = "priority", _("Priority changed")
    TAGS = "tags", _("Tags changed")
    CUSTOMER = "customer", _("Customer set")
    SUBJECT = "subject", _("Subject changed")
    MERGED = "merged", _("Merged")
    LINKED = "linked", _("Linked")
    SLA_WARNING = "sla_warning", _("Deadline warning")
    SLA_BREACH = "sla_breach", _("Deadline breached")


class TicketEvent(models.Model):
    """One change to a ticket other than a message: who, when, before and after."""

    ticket = models.ForeignKey(  # (indexed by event_ticket_at)
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="event_ticket_at")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id}"


class TicketLink(models.Model):
    """A 'related to' link between two tickets; stored once, shown on both."""

    from_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    to_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_ticket", "to_ticket"], name="ticket_link_unique"),
            models.CheckConstraint(condition=~models.Q(from_ticket=models.F("to_ticket")), name="ticket_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.from_ticket_id} ↔ {self.to_ticket_id}"


class SlaTarget(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class SlaLevel(models.TextChoices):
    WARNING = "warning", _("Warning")
    BREACH = "breach", _("Breach")


class SlaNotice(models.Model):
    """A warning or breach the sweep has handled: one row per (ticket, target, level, deadline).

    The unique constraint is the claim: a second sweep inserting the same row gets an
    IntegrityError and does nothing, so nobody is told twice.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_notices")
    target = models.CharField(max_length=20, choices=SlaTarget.choices)
    level = models.CharField(max_length=10, choices=SlaLevel.choices)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "level", "due_at"], name="sla_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.level} on {self.ticket_id}"
