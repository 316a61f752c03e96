"""/sms/registrations: sender-ID registrations over HTTP (issue 6).

Reads go through ``sms.registrations.registrations_visible_to``; writes through its actions, so
the sender-ID checks, the workflow and the due dates are the page's. A refused move is a 400; a
sender ID, country or reference that is not valid is a 422.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from aftersales.api.auth import caller
from aftersales.api.schemas import ERRORS, PageParams, UtcDatetime, page_of
from aftersales.core import clock
from aftersales.customers.access import customers_visible_to
from aftersales.sms import registrations as actions
from aftersales.sms.models import RegistrationStatus, RegistrationType, SenderIdRegistration, VendorAccount
from aftersales.sms.models.registrations import FINAL_STATUSES

router = Router()


# --- Schemas ---------------------------------------------------------------------------------
class RegistrationEventOut(Schema):
    at: UtcDatetime
    actor: str | None = Field(None, description="Username of who made the change; null for the system.")
    from_status: RegistrationStatus | None = Field(None, description="Null for the creation.")
    to_status: RegistrationStatus
    note: str

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return obj.actor.get_username() if obj.actor is not None else None

    @staticmethod
    def resolve_from_status(obj: Any) -> str | None:
        return obj.from_status or None


class RegistrationDocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: UtcDatetime


class RegistrationOut(Schema):
    id: int
    customer: str = Field(description="Customer code.")
    country: str = Field(description="ISO 3166 alpha-2.")
    sender_id: str
    type: RegistrationType
    status: RegistrationStatus
    owner: str | None = Field(None, description="Username of the owner, who gets the overdue reminders.")
    vendor_account: int | None = None
    vendor_reference: str
    notes: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    submitted_at: UtcDatetime | None = None
    decided_at: UtcDatetime | None = None
    due_at: UtcDatetime | None = Field(None, description="Submitted + the lead time in force for country and type.")
    overdue: bool = Field(description="Not final and past due_at.")

    @staticmethod
    def resolve_customer(obj: Any) -> str:
        return str(obj.customer.code)

    @staticmethod
    def resolve_owner(obj: Any) -> str | None:
        return obj.owner.get_username() if obj.owner is not None else None

    @staticmethod
    def resolve_vendor_account(obj: Any) -> int | None:
        return obj.vendor_account_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return actions.is_overdue(obj)


class RegistrationDetail(RegistrationOut):
    events: list[RegistrationEventOut] = Field(description="Creation and every move, oldest first.")
    documents: list[RegistrationDocumentOut]

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return list(obj.events.select_related("actor"))

    @staticmethod
    def resolve_documents(obj: Any) -> list[Any]:
        return list(obj.documents.all())


class RegistrationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RegistrationOut]


class RegistrationFilters(Schema):
    status: list[RegistrationStatus] | None = Field(
        None, description="Repeat for several: ?status=submitted&status=needs_info"
    )
    open: bool | None = Field(
        None, description="true: only registrations that are not approved, rejected or cancelled."
    )
    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166 alpha-2, e.g. AE.")
    customer: str | None = Field(None, description="Customer code; a master account includes its sub-accounts.")
    owner: str | None = Field(None, description="Owner's username.")
    type: RegistrationType | None = None
    overdue: bool | None = Field(None, description="true: only overdue registrations.")


class RegistrationCreate(Schema):
    customer: str = Field(description="Customer code.")
    country: str = Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166 alpha-2, e.g. AE.", examples=["AE"])
    sender_id: str = Field(
        min_length=1,
        max_length=40,
        description="Alphanumeric: 3-11 letters and digits with a letter; long number: up to 15 digits; "
        "short code: 3-8 digits; template: DLT header/template name or China signature (2-12 characters).",
        examples=["ACMEPAY"],
    )
    type: RegistrationType
    owner: str | None = Field(None, description="Username of an agent.")
    vendor_account: int | None = Field(None, description="Id of the customer's (or its master's) vendor account.")
    notes: str = Field("", max_length=5000)


class TransitionIn(Schema):
    to_status: RegistrationStatus = Field(
        description="The next status: draft → submitted → vendor_review → carrier_review → needs_info → approved | "
        "rejected | cancelled; needs_info → vendor_review | carrier_review; cancelled from any open status."
    )
    note: str = Field("", max_length=2000, description="Required for needs_info (what is needed) and rejected (why).")


# --- Helpers ---------------------------------------------------------------------------------
def _listing(user: Any) -> Any:
    return actions.registrations_visible_to(user).select_related("customer", "owner").order_by("-updated_at", "-pk")


def _value(choice: Any) -> Any:
    return choice.value if hasattr(choice, "value") else choice


def _agent(username: str) -> Any:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError({"owner": _("No user “%(name)s”.") % {"name": username}})
    return user


# --- Endpoints -------------------------------------------------------------------------------
@router.get("", response={200: RegistrationPage, **ERRORS}, summary="List sender-ID registrations")
def list_sender_registrations(
    request: HttpRequest, filters: Query[RegistrationFilters], page: Query[PageParams]
) -> dict[str, Any]:
    queryset = _listing(caller(request))
    if filters.status:
        queryset = queryset.filter(status__in=[_value(status) for status in filters.status])
    if filters.open:
        queryset = queryset.exclude(status__in=FINAL_STATUSES)
    if filters.country:
        queryset = queryset.filter(country=filters.country.upper())
    if filters.customer:
        queryset = queryset.filter(Q(customer__code=filters.customer) | Q(customer__parent__code=filters.customer))
    if filters.owner:
        queryset = queryset.filter(owner__username=filters.owner)
    if filters.type:
        queryset = queryset.filter(type=_value(filters.type))
    if filters.overdue:
        queryset = queryset.filter(actions.overdue_q(clock.now()))
    return page_of(queryset, page)


@router.post("", response={201: RegistrationDetail, **ERRORS}, summary="Start a sender-ID registration (a draft)")
def create_sender_registration(request: HttpRequest, payload: RegistrationCreate) -> Status[SenderIdRegistration]:
    user = caller(request)
    customer = customers_visible_to(user).filter(code=payload.customer).first()
    if customer is None:
        raise ValidationError({"customer": _("No customer with code “%(code)s”.") % {"code": payload.customer}})
    vendor_account = None
    if payload.vendor_account is not None:
        vendor_account = VendorAccount.objects.filter(pk=payload.vendor_account).first()
        if vendor_account is None:
            raise ValidationError({"vendor_account": _("No vendor account %(id)d.") % {"id": payload.vendor_account}})
    registration = actions.create_registration(
        customer=customer,
        country=payload.country,
        sender_id=payload.sender_id,
        type=_value(payload.type),
        owner=_agent(payload.owner) if payload.owner else None,
        vendor_account=vendor_account,
        notes=payload.notes,
        actor=user,
    )
    return Status(201, _listing(user).get(pk=registration.pk))


@router.get(
    "/{registration_id}", response={200: RegistrationDetail, **ERRORS}, summary="One registration with its events"
)
def get_sender_registration(request: HttpRequest, registration_id: int) -> SenderIdRegistration:
    return actions.get_registration_for_user(caller(request), registration_id)


@router.post(
    "/{registration_id}/transition",
    response={200: RegistrationDetail, **ERRORS},
    summary="Move a registration to its next status",
)
def transition_sender_registration(
    request: HttpRequest, registration_id: int, payload: TransitionIn
) -> SenderIdRegistration:
    user = caller(request)
    registration = actions.get_registration_for_user(user, registration_id, write=True)
    try:
        actions.transition_registration(
            registration=registration, to_status=_value(payload.to_status), note=payload.note, actor=user
        )
    except actions.RegistrationError as exc:
        if hasattr(exc, "error_dict") and "note" in exc.error_dict:
            raise  # a missing note: the value is invalid (422)
        raise HttpError(400, " ".join(exc.messages)) from None
    return actions.get_registration_for_user(user, registration_id)
