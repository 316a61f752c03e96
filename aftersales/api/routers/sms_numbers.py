"""/sms/numbers: the numbers customers hold, with the state of their inbound webhook (issue 6).

Read-only: numbers are added and changed on the desk's pages or synced from the vendor.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from aftersales.api.auth import caller
from aftersales.api.schemas import ERRORS, PageParams, UtcDatetime, page_of
from aftersales.sms.models import PhoneNumber
from aftersales.sms.numbers import HELD, numbers_visible_to, with_problems

router = Router()


class NumberOut(Schema):
    id: int
    msisdn: str = Field(description="E.164 without the plus (as vendors write it); a short code as it is.")
    customer: str = Field(description="Code of the customer holding the number.")
    country: str = Field(description="ISO 3166 alpha-2.")
    type: Literal["long", "mobile", "landline", "toll_free", "short_code"]
    features: list[str] = Field(description='e.g. ["SMS", "VOICE"]')
    monthly_cost: Decimal | None
    currency: str
    inbound_webhook_url: str
    status: Literal["active", "pending", "released"]
    source: Literal["vendor", "manual"] = Field(description="Synced from the vendor or entered by hand.")
    vendor_account: str | None = Field(None, description="Name of the vendor account it is synced from.")
    bought_at: dt.date | None
    released_at: dt.date | None
    webhook_state: Literal["", "ok", "missing", "failing"] = Field(
        description='"" not checked yet; "missing": SMS number without inbound webhook; "failing": it does not answer.'
    )
    webhook_message: str = Field(description="Why the webhook fails, when it does, in the caller's language.")
    webhook_checked_at: UtcDatetime | None
    synced_at: UtcDatetime | None

    @staticmethod
    def resolve_customer(obj: PhoneNumber) -> str:
        return obj.customer.code

    @staticmethod
    def resolve_webhook_message(obj: PhoneNumber) -> str:
        return obj.webhook_reason

    @staticmethod
    def resolve_vendor_account(obj: PhoneNumber) -> str | None:
        return obj.account.name if obj.account is not None else None


class NumberPage(Schema):
    count: int
    limit: int
    offset: int
    problems: int = Field(
        description="Held numbers (matching the customer and country filters) with a webhook problem."
    )
    items: list[NumberOut]


class NumberFilters(Schema):
    customer: str | None = Field(None, description="Customer code; a master account includes its sub-accounts.")
    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166 alpha-2, e.g. GB.")
    problems: bool = Field(False, description="Only held numbers whose inbound webhook is missing or failing.")
    status: Literal["active", "pending", "released", "held", "all"] = Field(
        "held", description='"held" (default) is active or pending.'
    )


@router.get("", response={200: NumberPage, **ERRORS}, summary="List phone numbers")
def list_numbers(request: HttpRequest, filters: Query[NumberFilters], page: Query[PageParams]) -> dict[str, Any]:
    queryset = numbers_visible_to(caller(request)).select_related("customer", "account")
    if filters.customer:
        queryset = queryset.filter(Q(customer__code=filters.customer) | Q(customer__parent__code=filters.customer))
    if filters.country:
        queryset = queryset.filter(country=filters.country.upper())
    problems = with_problems(queryset).count()
    if filters.problems:
        queryset = with_problems(queryset)
    if filters.status == "held":
        queryset = queryset.filter(HELD)
    elif filters.status != "all":
        queryset = queryset.filter(status=filters.status)
    return {**page_of(queryset.order_by("customer__code", "country", "msisdn", "pk"), page), "problems": problems}
