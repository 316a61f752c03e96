"""/customers: accounts (master → sub-account) and their contacts.

Reads go through ``customers.access``; writes through ``customers.actions``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from aftersales.api.auth import caller
from aftersales.api.schemas import ERRORS, PageParams, UtcDatetime, page_of
from aftersales.core.access import can_write, require_write
from aftersales.customers.access import customers_visible_to, get_customer_for_user
from aftersales.customers.actions import save_contact, save_customer
from aftersales.customers.models import Contact, Customer, CustomerStatus, Product, Tier

router = Router()

CODE_PATTERN = r"^[-a-zA-Z0-9_]+$"


# --- Schemas ---------------------------------------------------------------------------------
class CustomerOut(Schema):
    code: str
    name: str
    parent: str | None = Field(None, description="Code of the master account; null for a master account.")
    is_subaccount: bool
    tier: Tier
    status: CustomerStatus
    timezone: str
    language: str
    account_manager: str | None = Field(None, description="Username of the account manager.")
    products: list[str] = Field(description="Product codes.")
    notes: str
    created_at: UtcDatetime
    updated_at: UtcDatetime

    @staticmethod
    def resolve_parent(obj: Customer) -> str | None:
        return obj.parent.code if obj.parent is not None else None

    @staticmethod
    def resolve_account_manager(obj: Customer) -> str | None:
        return obj.account_manager.get_username() if obj.account_manager is not None else None

    @staticmethod
    def resolve_products(obj: Customer) -> list[str]:
        return [product.code for product in obj.products.all()]


class CustomerPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CustomerOut]


class CustomerCreate(Schema):
    code: str = Field(max_length=40, pattern=CODE_PATTERN, description="Short code, unique; letters, digits, - and _.")
    name: str = Field(min_length=1, max_length=200)
    parent: str | None = Field(None, description="Code of the master account, for a sub-account.")
    tier: Tier | None = None
    status: CustomerStatus | None = None
    timezone: str | None = Field(None, description="IANA timezone, e.g. Asia/Shanghai.")
    language: str | None = Field(None, description="en or zh-hans.")
    account_manager: str | None = Field(None, description="Username of an agent.")
    products: list[str] | None = Field(None, description="Product codes.")
    notes: str | None = None


class CustomerPatch(Schema):
    """Only the fields sent are changed; send null to clear parent or account_manager."""

    name: str | None = Field(None, min_length=1, max_length=200)
    parent: str | None = None
    tier: Tier | None = None
    status: CustomerStatus | None = None
    timezone: str | None = None
    language: str | None = None
    account_manager: str | None = None
    products: list[str] | None = None
    notes: str | None = None


class CustomerFilters(Schema):
    q: str | None = Field(None, description="Part of the name or code.")
    status: CustomerStatus | None = None
    parent: str | None = Field(None, description="Code of a master account: its sub-accounts.")


class ContactOut(Schema):
    id: int
    name: str
    email: str
    phone: str = Field(description="E.164, or empty.")
    im_handles: dict[str, str]
    language: str
    is_primary: bool
    created_at: UtcDatetime


class ContactCreate(Schema):
    name: str = Field(min_length=1, max_length=150)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40, description="Any common form; stored as E.164 (e.g. +8613800138000).")
    im_handles: dict[str, str] = Field(default_factory=dict, description='e.g. {"wecom": "li.hua"}')
    language: str | None = Field(None, description="en or zh-hans.")
    is_primary: bool = False


# --- Helpers -----------------------------------------------------------------------------
def _listing(user: Any) -> QuerySet[Customer]:
    return customers_visible_to(user).select_related("parent", "account_manager").prefetch_related("products")


def _reload(user: Any, code: str) -> Customer:
    return _listing(user).get(code=code)


def _resolve_references(user: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Turn codes and usernames in ``values`` into objects; an unknown one is a 422."""
    if values.get("parent") is not None:
        parent = customers_visible_to(user).filter(code=values["parent"]).first()
        if parent is None:
            raise ValidationError({"parent": _("No customer with code “%(code)s”.") % {"code": values["parent"]}})
        values["parent"] = parent
    if values.get("account_manager") is not None:
        username = values["account_manager"]
        manager = get_user_model().objects.filter(username=username, is_active=True).first()
        if manager is None or not can_write(manager):
            raise ValidationError({"account_manager": _("“%(name)s” is not an agent.") % {"name": username}})
        values["account_manager"] = manager
    if values.get("products") is not None:
        codes = set(values["products"])
        products = list(Product.objects.filter(code__in=codes))
        unknown = sorted(codes - {product.code for product in products})
        if unknown:
            raise ValidationError({"products": _("Unknown products: %(codes)s.") % {"codes": ", ".join(unknown)}})
        values["products"] = products
    for key in ("tier", "status"):
        if values.get(key) is not None:
            values[key] = str(values[key].value if hasattr(values[key], "value") else values[key])
    return values


# --- Customers ---------------------------------------------------------------------------
@router.get("", response={200: CustomerPage, **ERRORS}, summary="List customers")
def list_customers(
    request: HttpRequest, filters: Query[CustomerFilters], page: Query[PageParams]
) -> dict[str, Any]:
    queryset = _listing(caller(request))
    if filters.q:
        queryset = queryset.filter(Q(name__icontains=filters.q) | Q(code__icontains=filters.q))
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.parent:
        queryset = queryset.filter(parent__code=filters.parent)
    return page_of(queryset.order_by("name", "pk"), page)


@router.post("", response={201: CustomerOut, **ERRORS}, summary="Create a customer")
def create_customer(request: HttpRequest, payload: CustomerCreate) -> Status[Customer]:
    user = caller(request)
    require_write(user)
    values = {key: value for key, value in payload.model_dump().items() if value is not None}
    values = _resolve_references(user, values)
    products = values.pop("products", None)
    customer = save_customer(actor=user, products=products, **values)
    return Status(201, _reload(user, customer.code))


@router.get("/{code}", response={200: CustomerOut, **ERRORS}, summary="One customer")
def get_customer(request: HttpRequest, code: str) -> Customer:
    customer = get_customer_for_user(caller(request), code)
    return _reload(caller(request), customer.code)


@router.patch("/{code}", response={200: CustomerOut, **ERRORS}, summary="Change a customer")
def update_customer(request: HttpRequest, code: str, payload: CustomerPatch) -> Customer:
    user = caller(request)
    customer = get_customer_for_user(user, code, write=True)
    values = payload.model_dump(exclude_unset=True)
    for required in ("name", "tier", "status", "timezone", "language", "notes"):
        if required in values and values[required] is None:
            raise ValidationError({required: _("This field cannot be null.")})
    values = _resolve_references(user, values)
    products = values.pop("products", None)
    save_customer(actor=user, customer=customer, products=products, **values)
    return _reload(user, customer.code)


# --- Contacts ----------------------------------------------------------------------------
@router.get("/{code}/contacts", response={200: list[ContactOut], **ERRORS}, summary="A customer's contacts")
def list_contacts(request: HttpRequest, code: str) -> QuerySet[Contact]:
    customer = get_customer_for_user(caller(request), code)
    return customer.contacts.all()


@router.post("/{code}/contacts", response={201: ContactOut, **ERRORS}, summary="Add a contact")
def create_contact(request: HttpRequest, code: str, payload: ContactCreate) -> Status[Contact]:
    user = caller(request)
    customer = get_customer_for_user(user, code, write=True)
    values = {key: value for key, value in payload.model_dump().items() if value is not None}
    contact = save_contact(actor=user, customer=customer, **values)
    return Status(201, contact)
