"""/sms/cases: vendor cases over HTTP (issue 6): list and read them, record a new one, link a
customer ticket (it waits on the vendor, clock paused), post an update to every linked ticket.

Reads go through ``sms.case_queries`` (staff only); every change through ``sms.cases``.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from aftersales.api.auth import caller
from aftersales.api.schemas import ERRORS, PageParams, UserRef, UtcDatetime, choices_schema, page_of, user_ref
from aftersales.core.access import require_write
from aftersales.sms import case_queries as queries
from aftersales.sms import cases
from aftersales.sms.models import VendorAccount, VendorCase, VendorCaseNote
from aftersales.tickets.access import get_ticket_for_user
from aftersales.tickets.models import Status as TicketStatus
from aftersales.tickets.models import Ticket

VendorKind = Annotated[VendorAccount.Kind, choices_schema(VendorAccount.Kind, "VendorKind")]
CaseStatus = Annotated[VendorCase.Status, choices_schema(VendorCase.Status, "VendorCaseStatus")]
CaseNoteKind = Annotated[VendorCaseNote.Kind, choices_schema(VendorCaseNote.Kind, "VendorCaseNoteKind")]

router = Router()


class LinkedTicketOut(Schema):
    ref: str
    subject: str
    status: TicketStatus
    customer: str | None = Field(description="Customer code.")

    @staticmethod
    def resolve_customer(obj: Ticket) -> str | None:
        return obj.customer.code if obj.customer is not None else None


class CaseOut(Schema):
    id: int
    vendor: VendorKind
    case_number: str
    subject: str
    status: CaseStatus
    owner: UserRef | None
    vendor_account: int | None = Field(description="Id of the vendor account the case is about, if any.")
    opened_at: UtcDatetime = Field(description="When the case was opened with the vendor.")
    first_vendor_response_at: UtcDatetime | None
    resolved_at: UtcDatetime | None
    tickets: list[str] = Field(description="References of the linked customer tickets.")
    updated_at: UtcDatetime

    @staticmethod
    def resolve_owner(obj: VendorCase) -> dict[str, str] | None:
        return user_ref(obj.owner)

    @staticmethod
    def resolve_vendor_account(obj: VendorCase) -> int | None:
        return obj.vendor_account_id

    @staticmethod
    def resolve_tickets(obj: VendorCase) -> list[str]:
        return sorted(ticket.ref for ticket in obj.tickets.all())


class CasePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CaseOut]


class NoteOut(Schema):
    id: int
    kind: CaseNoteKind = Field(
        description="note: internal; to_vendor: what we told the vendor; from_vendor: the vendor's answer; "
        "status: a status change."
    )
    at: UtcDatetime
    author: UserRef | None = Field(description="Null for the vendor's mail and the system.")
    body: str
    posted_to_tickets: bool
    sent_to_customers: bool
    message_id: str = Field(description="Message-ID of the vendor's mail, when it came by mail.")

    @staticmethod
    def resolve_author(obj: VendorCaseNote) -> dict[str, str] | None:
        return user_ref(obj.author)


class CaseDetail(CaseOut):
    linked_tickets: list[LinkedTicketOut]
    notes: list[NoteOut] = Field(description="Notes, vendor answers, updates and status changes, oldest first.")

    @staticmethod
    def resolve_linked_tickets(obj: VendorCase) -> list[Ticket]:
        return queries.linked_tickets(obj)

    @staticmethod
    def resolve_notes(obj: VendorCase) -> list[VendorCaseNote]:
        return list(obj.notes.select_related("author__agent_profile"))


class CaseFilters(Schema):
    status: str | None = Field(None, description="One status, or open (any open status) or done (resolved or closed).")
    vendor: VendorKind | None = None
    owner: str | None = Field(None, description="Owner's username.")


class CaseCreate(Schema):
    vendor: VendorKind = VendorAccount.Kind.VONAGE
    case_number: str = Field(min_length=1, max_length=60, description="The vendor's case number.")
    subject: str = Field(min_length=1, max_length=255)
    owner: str | None = Field(None, description="Username of the agent who follows the case up.")
    vendor_account: int | None = Field(None, description="Id of the vendor account the case is about.")
    opened_at: UtcDatetime | None = Field(None, description="When it was opened with the vendor; default now.")
    tickets: list[str] = Field(default_factory=list, description="References of tickets to link.")


class LinkIn(Schema):
    ref: str = Field(min_length=1, max_length=20, description="The ticket's reference, e.g. AS-000123.")


class UpdateIn(Schema):
    body: str = Field(min_length=1)
    to_customers: bool = Field(False, description="Also send it to the customers, as a reply on each ticket.")


def _value(choice: Any) -> Any:
    return choice.value if hasattr(choice, "value") else choice


def _agent(username: str) -> Any:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError({"owner": _("No user “%(name)s”.") % {"name": username}})
    return user


def _detail(user: Any, pk: int) -> VendorCase:
    return queries.get_case_for_user(user, pk)


def _refused(exc: cases.CaseActionError) -> HttpError | cases.CaseActionError:
    """A refusal about the case as a whole is a 400; an invalid field stays a 422."""
    if hasattr(exc, "error_dict"):
        return exc
    return HttpError(400, " ".join(exc.messages))


@router.get("", response={200: CasePage, **ERRORS}, summary="List vendor cases")
def list_vendor_cases(request: HttpRequest, filters: Query[CaseFilters], page: Query[PageParams]) -> dict[str, Any]:
    user = caller(request)
    allowed = {*VendorCase.Status.values, "open", "done"}
    if filters.status and filters.status not in allowed:
        raise ValidationError({"status": _("Unknown status “%(status)s”.") % {"status": filters.status}})
    owner = _agent(filters.owner) if filters.owner else None
    queryset = queries.filter_cases(
        queries.cases_visible_to(user),
        status=filters.status or "",
        vendor=_value(filters.vendor) if filters.vendor else "",
        owner=owner,
    )
    queryset = queries.listing(queryset).select_related("vendor_account").prefetch_related("tickets")
    return page_of(queryset, page)


@router.get("/{case_id}", response={200: CaseDetail, **ERRORS}, summary="One vendor case with its notes")
def get_vendor_case(request: HttpRequest, case_id: int) -> VendorCase:
    return _detail(caller(request), case_id)


@router.post("", response={201: CaseDetail, **ERRORS}, summary="Record a vendor case")
def create_vendor_case(request: HttpRequest, payload: CaseCreate) -> Status[VendorCase]:
    user = caller(request)
    require_write(user)
    account = None
    if payload.vendor_account is not None:
        account = VendorAccount.objects.filter(pk=payload.vendor_account).first()
        if account is None:
            raise ValidationError({"vendor_account": _("No vendor account %(id)s.") % {"id": payload.vendor_account}})
    linked = [get_ticket_for_user(user, ref) for ref in payload.tickets]
    case = cases.open_case(
        vendor=_value(payload.vendor),
        case_number=payload.case_number,
        subject=payload.subject,
        owner=_agent(payload.owner) if payload.owner else None,
        vendor_account=account,
        opened_at=payload.opened_at,
        tickets=linked,
        actor=user,
    )
    return Status(201, _detail(user, case.pk))


@router.post("/{case_id}/tickets", response={200: CaseDetail, **ERRORS}, summary="Link a ticket to a vendor case")
def link_vendor_case_ticket(request: HttpRequest, case_id: int, payload: LinkIn) -> VendorCase:
    user = caller(request)
    case = queries.get_case_for_user(user, case_id, write=True)
    ticket = get_ticket_for_user(user, payload.ref)
    try:
        cases.link_ticket(case=case, ticket=ticket, actor=user)
    except cases.CaseActionError as exc:
        raise _refused(exc) from exc
    return _detail(user, case.pk)


@router.post(
    "/{case_id}/updates",
    response={201: NoteOut, **ERRORS},
    summary="Post an update to every linked ticket",
    description="Writes the update on the case and, in one transaction, an internal note on each linked "
    "ticket naming the case, or with to_customers a public reply on each (sent through its channel).",
)
def post_vendor_case_update(request: HttpRequest, case_id: int, payload: UpdateIn) -> Status[VendorCaseNote]:
    user = caller(request)
    case = queries.get_case_for_user(user, case_id, write=True)
    try:
        note = cases.post_update(case=case, body=payload.body, actor=user, to_customers=payload.to_customers)
    except cases.CaseActionError as exc:
        raise _refused(exc) from exc
    return Status(201, note)
