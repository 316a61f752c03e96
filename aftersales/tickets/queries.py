"""Reads for the agent UI: queue views, their counts, filters, and a ticket's timeline.

Everything here returns querysets or plain lists built with a fixed number of queries, so
a page's cost does not grow with the number of rows on it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, DateTimeField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.people.models import Team
from aftersales.tickets.access import tickets_visible_to
from aftersales.tickets.models import OPEN_STATUSES, Attachment, Message, Ticket, TicketEvent, TicketLink

OPEN = [str(status) for status in OPEN_STATUSES]


@dataclass(frozen=True)
class QueueView:
    key: str
    label: Any
    open_only: bool  # the view shows open tickets unless the user filters by status


QUEUE_VIEWS = (
    QueueView("mine", _("Mine"), True),
    QueueView("unassigned", _("Unassigned"), True),
    QueueView("team", _("My teams"), True),
    QueueView("needs_customer", _("Needs a customer"), False),
    QueueView("all", _("All tickets"), False),
)
QUEUE_VIEW_KEYS = tuple(view.key for view in QUEUE_VIEWS)

SORTS = {
    "-updated": ("-updated_at", "-pk"),
    "updated": ("updated_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "created": ("created_at", "pk"),
    "priority": ("priority", "-updated_at", "-pk"),  # P1 first
    "-priority": ("-priority", "-updated_at", "-pk"),
    "due": ("next_due", "pk"),  # annotated by queue_queryset (SLA clocks, issue 3)
}
DEFAULT_SORT = "-updated"


def _scope(view: str, user: Any) -> Q:
    """Who-and-what of a view, without its status rule."""
    if view == "mine":
        return Q(owner=user)
    if view == "unassigned":
        return Q(owner__isnull=True, merged_into__isnull=True)
    if view == "team":
        return Q(team__in=Team.objects.filter(members=user).values("pk"))
    if view == "needs_customer":
        return Q(customer__isnull=True, merged_into__isnull=True)
    return Q()


def view_filter(view: str, user: Any, *, with_status: bool = True) -> Q:
    spec = next((item for item in QUEUE_VIEWS if item.key == view), QUEUE_VIEWS[-1])
    condition = _scope(spec.key, user)
    if with_status and spec.open_only:
        condition &= Q(status__in=OPEN)
    return condition


def queue_counts(user: Any) -> dict[str, int | None]:
    """The sidebar numbers: one aggregate query with a conditional count per working view.

    Every counted view is either open-only or "needs a customer", so the aggregate reads only
    those rows (indexed: status, and the partial needs-customer index), never the whole
    history: its cost follows the backlog, not the desk's age. "All tickets" has no number
    in the sidebar (its list page shows the total).
    """
    counted = [view for view in QUEUE_VIEWS if view.key != "all"]
    aggregates = {view.key: Count("pk", filter=view_filter(view.key, user)) for view in counted}
    candidates = tickets_visible_to(user).filter(
        Q(status__in=OPEN) | Q(customer__isnull=True, merged_into__isnull=True)
    )
    counts: dict[str, int | None] = {key: value or 0 for key, value in candidates.aggregate(**aggregates).items()}
    counts["all"] = None
    return counts


_REF_OR_NUMBER = re.compile(r"^(?:[A-Za-z]+-)?0*(\d{1,12})$")


def search_condition(text: str) -> Q:
    """Match a reference (AS-000123, 123) or words in the subject."""
    text = text.strip()
    condition = Q(ref__icontains=text) | Q(subject__icontains=text)
    match = _REF_OR_NUMBER.match(text)
    if match:
        condition |= Q(number=int(match.group(1)))
    return condition


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the viewer's timezone."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def queue_queryset(user: Any, view: str, filters: dict[str, Any]) -> QuerySet[Ticket]:
    """The tickets of ``view`` narrowed by the cleaned ``filters`` of ``QueueFilterForm``."""
    statuses = filters.get("status") or []
    queryset = tickets_visible_to(user).filter(view_filter(view, user, with_status=not statuses))
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    if filters.get("q"):
        queryset = queryset.filter(search_condition(filters["q"]))
    category = filters.get("category")
    if category is not None:
        queryset = queryset.filter(Q(category=category) | Q(category__parent=category))
    customer = filters.get("customer")
    if customer:
        # A master account's queue includes its sub-accounts.
        queryset = queryset.filter(Q(customer__code=customer) | Q(customer__parent__code=customer))
    owner = filters.get("owner")
    if owner == "me":
        queryset = queryset.filter(owner=user)
    elif owner == "none":
        queryset = queryset.filter(owner__isnull=True)
    elif owner:
        queryset = queryset.filter(owner_id=int(owner))
    if filters.get("priority"):
        queryset = queryset.filter(priority__in=[int(value) for value in filters["priority"]])
    if filters.get("channel"):
        queryset = queryset.filter(channel=filters["channel"])
    if filters.get("created_from"):
        queryset = queryset.filter(created_at__gte=_day_start(filters["created_from"]))
    if filters.get("created_to"):
        queryset = queryset.filter(created_at__lt=_day_start(filters["created_to"] + dt.timedelta(days=1)))
    sort = filters.get("sort") or DEFAULT_SORT
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    if sort == "due":
        queryset = queryset.annotate(next_due=next_due())
    return queryset.select_related(
        "customer__parent", "owner__agent_profile", "category", "team", "sla_policy__calendar", "customer__calendar"
    ).order_by(*order)


FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def next_due() -> Case:
    """The nearest running deadline of an open ticket (far future when none), for "due soonest"."""
    far = Value(FAR_FUTURE, output_field=DateTimeField())
    first = Case(
        When(first_response_at__isnull=True, then=Coalesce("first_response_due_at", far)),
        default=far,
        output_field=DateTimeField(),
    )
    nearest = Least(first, Coalesce("next_response_due_at", far), Coalesce("resolution_due_at", far))
    return Case(When(status__in=OPEN, then=nearest), default=far, output_field=DateTimeField())


# --- Ticket page ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "in", "out", "note" or "event"
    at: dt.datetime
    message: Message | None = None
    event: TicketEvent | None = None


def timeline(ticket: Ticket) -> list[TimelineEntry]:
    """Messages and events of ``ticket`` in time order (three queries whatever the length)."""
    messages = (
        ticket.messages.select_related("author_user__agent_profile", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )
    events = ticket.events.select_related("actor__agent_profile").order_by("at", "pk")
    entries = [TimelineEntry(kind=message.kind, at=message.created_at, message=message) for message in messages]
    entries += [TimelineEntry(kind="event", at=event.at, event=event) for event in events]
    # Events sort before a message of the same instant: "opened" comes before the first words.
    entries.sort(key=lambda entry: (entry.at, 0 if entry.kind == "event" else 1))
    return entries


def description_adds_something(ticket: Ticket, entries: list[TimelineEntry]) -> bool:
    """False when the description only repeats the customer's first message (a ticket opened
    from an email or chat keeps the text in both: routing reads the description)."""
    if not ticket.description.strip():
        return False
    first = next((entry.message for entry in entries if entry.message is not None), None)
    return not (first is not None and first.kind == "in" and first.body.strip() == ticket.description.strip())


def linked_tickets(ticket: Ticket) -> list[Ticket]:
    links = TicketLink.objects.filter(Q(from_ticket=ticket) | Q(to_ticket=ticket)).select_related(
        "from_ticket", "to_ticket"
    )
    return sorted(
        (link.to_ticket if link.from_ticket_id == ticket.pk else link.from_ticket for link in links),
        key=lambda other: other.number,
    )


def other_open_tickets(ticket: Ticket, user: Any, limit: int = 8) -> list[Ticket]:
    """Other open tickets of the same customer account (and, for a master, its sub-accounts)."""
    if ticket.customer_id is None:
        return []
    return list(
        tickets_visible_to(user)
        .filter(Q(customer_id=ticket.customer_id) | Q(customer__parent_id=ticket.customer_id), status__in=OPEN)
        .exclude(pk=ticket.pk)
        .order_by("-updated_at")[:limit]
    )


def merged_from(ticket: Ticket) -> list[Ticket]:
    return list(ticket.merged_from.order_by("number").only("ref", "subject", "number"))


__all__ = [
    "OPEN",
    "QUEUE_VIEWS",
    "QUEUE_VIEW_KEYS",
    "SORTS",
    "TimelineEntry",
    "linked_tickets",
    "merged_from",
    "other_open_tickets",
    "queue_counts",
    "queue_queryset",
    "search_condition",
    "timeline",
    "view_filter",
]
