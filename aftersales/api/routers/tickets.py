"""/tickets: list and filter, open, read with its timeline, reply, note, assign, change status.

Reads go through ``tickets.access``; every change through ``tickets.actions``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from aftersales.api.auth import caller
from aftersales.api.schemas import ERRORS, IsoDatetimeIn, PageParams, UserRef, UtcDatetime, page_of, user_ref
from aftersales.core.access import require_write
from aftersales.customers.access import customers_visible_to
from aftersales.customers.models import Contact
from aftersales.tickets import actions
from aftersales.tickets.access import get_ticket_for_user, tickets_visible_to
from aftersales.tickets.models import (
    Category,
    Channel,
    EventKind,
    Message,
    MessageKind,
    Priority,
    RootCause,
    Ticket,
    TicketEvent,
)
from aftersales.tickets.models import Status as TicketStatus

router = Router()


# --- Schemas ---------------------------------------------------------------------------------
class CustomerRef(Schema):
    code: str
    name: str


class ContactRef(Schema):
    id: int
    name: str


class CategoryRef(Schema):
    code: str
    name_en: str
    name_zh: str


class RootCauseRef(Schema):
    code: str
    name_en: str
    name_zh: str


class TicketOut(Schema):
    ref: str = Field(description="Human reference, e.g. AS-000123.")
    subject: str
    status: TicketStatus
    priority: Priority = Field(description="1 (urgent) to 4 (low).")
    channel: Channel
    customer: CustomerRef | None
    contact: ContactRef | None
    category: CategoryRef | None
    owner: UserRef | None
    team: str | None
    tags: list[str]
    merged_into: str | None = Field(description="Reference of the ticket this one was merged into.")
    created_at: UtcDatetime
    updated_at: UtcDatetime
    first_response_at: UtcDatetime | None
    resolved_at: UtcDatetime | None
    closed_at: UtcDatetime | None
    last_customer_message_at: UtcDatetime | None
    resolution_summary: str = Field(description="What fixed it, written when resolving.")
    root_cause: RootCauseRef | None = Field(description="Why it happened, chosen when resolving.")
    underlying_need: str = Field(description="The customer's need behind the question, if noted.")

    @staticmethod
    def resolve_owner(obj: Ticket) -> dict[str, str] | None:
        return user_ref(obj.owner)

    @staticmethod
    def resolve_team(obj: Ticket) -> str | None:
        return obj.team.name if obj.team is not None else None

    @staticmethod
    def resolve_tags(obj: Ticket) -> list[str]:
        return sorted(tag.name for tag in obj.tags.all())

    @staticmethod
    def resolve_merged_into(obj: Ticket) -> str | None:
        return obj.merged_into.ref if obj.merged_into is not None else None


class TicketPage(Schema):
    count: int = Field(description="Tickets matching the filters, over all pages.")
    limit: int
    offset: int
    items: list[TicketOut]


class AttachmentOut(Schema):
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    kind: MessageKind = Field(description="in: from the customer; out: a reply; note: internal, agents only.")
    author: str
    author_username: str | None
    channel: Channel
    body: str
    created_at: UtcDatetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_author(obj: Message) -> str:
        return obj.author_name

    @staticmethod
    def resolve_author_username(obj: Message) -> str | None:
        return obj.author_user.get_username() if obj.author_user is not None else None

    @staticmethod
    def resolve_attachments(obj: Message) -> list[Any]:
        return list(obj.attachments.all())


class EventOut(Schema):
    kind: EventKind
    actor: UserRef | None
    at: UtcDatetime
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str

    @staticmethod
    def resolve_actor(obj: TicketEvent) -> dict[str, str] | None:
        return user_ref(obj.actor)


class TicketDetail(TicketOut):
    description: str
    messages: list[MessageOut] = Field(description="Replies, customer messages and internal notes, oldest first.")
    events: list[EventOut] = Field(description="Every other change, oldest first.")

    @staticmethod
    def resolve_messages(obj: Ticket) -> list[Message]:
        return list(
            obj.messages.select_related("author_user__agent_profile", "author_contact").prefetch_related("attachments")
        )

    @staticmethod
    def resolve_events(obj: Ticket) -> list[TicketEvent]:
        return list(obj.events.select_related("actor__agent_profile"))


class TicketFilters(Schema):
    status: list[TicketStatus] | None = Field(None, description="Repeat for several: ?status=new&status=open")
    customer: str | None = Field(None, description="Customer code; a master account includes its sub-accounts.")
    owner: str | None = Field(None, description="Owner's username.")
    priority: Priority | None = None
    channel: Channel | None = None
    category: str | None = Field(None, description="Category code; a group code includes its categories.")
    created_after: IsoDatetimeIn | None = Field(None, description="ISO 8601; without an offset, UTC.")
    created_before: IsoDatetimeIn | None = Field(None, description="ISO 8601; without an offset, UTC.")
    q: str | None = Field(None, description="Part of the subject or reference.")


class TicketCreate(Schema):
    subject: str = Field(min_length=1, max_length=255)
    description: str = ""
    customer: str | None = Field(None, description="Customer code; may be left out if not known yet.")
    contact: int | None = Field(None, description="Contact id, one of the customer's contacts.")
    category: str | None = Field(None, description="Category code.")
    priority: Priority = Priority.P3
    channel: Channel = Channel.API
    owner: str | None = Field(None, description="Username of the agent who owns it.")
    tags: list[str] = Field(default_factory=list)


class ResolutionIn(Schema):
    """Required when the status becomes resolved: a summary and a root cause code."""

    resolution_summary: str = Field("", max_length=500, description="Required when resolving: what fixed it.")
    root_cause: str = Field("", description="Required when resolving: a root cause code, e.g. vendor-carrier.")
    underlying_need: str = Field("", description="Optional: the customer's need behind the question.")


class ReplyIn(ResolutionIn):
    body: str = Field(min_length=1)
    status: TicketStatus | None = Field(None, description="Also set this status, e.g. waiting_customer.")


class NoteIn(Schema):
    body: str = Field(min_length=1)


class AssignIn(Schema):
    owner: str | None = Field(description="Username of an agent, or null to unassign.")


class StatusIn(ResolutionIn):
    status: TicketStatus
    reason: str = Field("", max_length=255)


# --- Helpers -----------------------------------------------------------------------------
def _listing(user: Any) -> QuerySet[Ticket]:
    return (
        tickets_visible_to(user)
        .select_related("customer", "contact", "category", "owner__agent_profile", "team", "merged_into",
                        "root_cause")
        .prefetch_related("tags")
    )


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _agent(username: str, field: str) -> Any:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError({field: _("No user “%(name)s”.") % {"name": username}})
    return user


def _value(choice: Any) -> Any:
    return choice.value if hasattr(choice, "value") else choice


def _resolution(status: str | None, payload: ResolutionIn) -> actions.Resolution | None:
    """Resolving through the API needs a summary and a known root cause code (422 otherwise)."""
    if status != TicketStatus.RESOLVED:
        return None
    errors: dict[str, str] = {}
    summary = payload.resolution_summary.strip()
    if not summary:
        errors["resolution_summary"] = _("Write a short resolution summary to resolve the ticket.")
    cause = None
    if not payload.root_cause:
        errors["root_cause"] = _("Choose the root cause to resolve the ticket.")
    else:
        cause = RootCause.objects.filter(code=payload.root_cause, is_active=True).first()
        if cause is None:
            errors["root_cause"] = _("No root cause “%(code)s”.") % {"code": payload.root_cause}
    if errors:
        raise ValidationError(errors)
    return actions.Resolution.of(summary=summary, root_cause=cause, underlying_need=payload.underlying_need)


# --- Endpoints ---------------------------------------------------------------------------
@router.get("", response={200: TicketPage, **ERRORS}, summary="List tickets")
def list_tickets(request: HttpRequest, filters: Query[TicketFilters], page: Query[PageParams]) -> dict[str, Any]:
    queryset = _listing(caller(request))
    if filters.status:
        queryset = queryset.filter(status__in=[_value(status) for status in filters.status])
    if filters.customer:
        queryset = queryset.filter(Q(customer__code=filters.customer) | Q(customer__parent__code=filters.customer))
    if filters.owner:
        queryset = queryset.filter(owner__username=filters.owner)
    if filters.priority is not None:
        queryset = queryset.filter(priority=_value(filters.priority))
    if filters.channel:
        queryset = queryset.filter(channel=_value(filters.channel))
    if filters.category:
        queryset = queryset.filter(Q(category__code=filters.category) | Q(category__parent__code=filters.category))
    if filters.created_after:
        queryset = queryset.filter(created_at__gte=_as_utc(filters.created_after))
    if filters.created_before:
        queryset = queryset.filter(created_at__lt=_as_utc(filters.created_before))
    if filters.q:
        term = filters.q.strip()
        queryset = queryset.filter(Q(subject__icontains=term) | Q(ref__icontains=term))
    return page_of(queryset.order_by("-created_at", "-pk"), page)


@router.post("", response={201: TicketDetail, **ERRORS}, summary="Open a ticket")
def create_ticket(request: HttpRequest, payload: TicketCreate) -> Status[Ticket]:
    user = caller(request)
    require_write(user)
    customer = None
    if payload.customer:
        customer = customers_visible_to(user).filter(code=payload.customer).first()
        if customer is None:
            raise ValidationError({"customer": _("No customer with code “%(code)s”.") % {"code": payload.customer}})
    contact = None
    if payload.contact is not None:
        contact = Contact.objects.filter(pk=payload.contact, customer__in=customers_visible_to(user)).first()
        if contact is None:
            raise ValidationError({"contact": _("No contact with id %(id)s.") % {"id": payload.contact}})
    category = None
    if payload.category:
        category = Category.objects.filter(code=payload.category, is_active=True).first()
        if category is None:
            raise ValidationError({"category": _("No category “%(code)s”.") % {"code": payload.category}})
    owner = _agent(payload.owner, "owner") if payload.owner else None
    ticket = actions.open_ticket(
        subject=payload.subject,
        description=payload.description,
        channel=_value(payload.channel),
        actor=user,
        customer=customer,
        contact=contact,
        category=category,
        priority=_value(payload.priority),
        owner=owner,
        tags=payload.tags,
    )
    return Status(201, get_ticket_for_user(user, ticket.ref))


@router.get("/{ref}", response={200: TicketDetail, **ERRORS}, summary="One ticket with its timeline")
def get_ticket(request: HttpRequest, ref: str) -> Ticket:
    return get_ticket_for_user(caller(request), ref)


@router.post("/{ref}/replies", response={201: MessageOut, **ERRORS}, summary="Reply to the customer")
def reply(request: HttpRequest, ref: str, payload: ReplyIn) -> Status[Message]:
    user = caller(request)
    ticket = get_ticket_for_user(user, ref, write=True)
    status = _value(payload.status) if payload.status is not None else None
    message = actions.record_reply(ticket=ticket, body=payload.body, actor=user, status=status,
                                   resolution=_resolution(status, payload))
    return Status(201, message)


@router.post("/{ref}/notes", response={201: MessageOut, **ERRORS}, summary="Add an internal note")
def note(request: HttpRequest, ref: str, payload: NoteIn) -> Status[Message]:
    user = caller(request)
    ticket = get_ticket_for_user(user, ref, write=True)
    return Status(201, actions.add_note(ticket=ticket, body=payload.body, actor=user))


@router.post("/{ref}/assign", response={200: TicketOut, **ERRORS}, summary="Assign or unassign")
def assign(request: HttpRequest, ref: str, payload: AssignIn) -> Ticket:
    user = caller(request)
    ticket = get_ticket_for_user(user, ref, write=True)
    owner = _agent(payload.owner, "owner") if payload.owner else None
    actions.assign_ticket(ticket=ticket, owner=owner, actor=user)
    return get_ticket_for_user(user, ticket.ref)


@router.post("/{ref}/status", response={200: TicketOut, **ERRORS}, summary="Change the status")
def change_status(request: HttpRequest, ref: str, payload: StatusIn) -> Ticket:
    user = caller(request)
    ticket = get_ticket_for_user(user, ref, write=True)
    status = _value(payload.status)
    actions.change_status(ticket=ticket, status=status, actor=user, reason=payload.reason,
                          resolution=_resolution(status, payload))
    return get_ticket_for_user(user, ticket.ref)
