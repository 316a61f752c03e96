"""Schemas shared by every router: times, errors, pages."""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Schema
from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema


def _iso_utc(value: dt.datetime) -> str:
    text = value.astimezone(dt.UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_only(value: Any) -> Any:
    # pydantic alone would also take a number as seconds since 1970 (?created_after=0.5).
    if isinstance(value, str) and _ISO_DATETIME.match(value.strip()):
        return value
    if isinstance(value, dt.datetime):
        return value
    raise ValueError("must be an ISO 8601 date and time, e.g. 2026-03-02T08:30:00Z")


# Every time the API returns is ISO 8601 in UTC, e.g. 2025-03-01T08:30:00.123456Z.
UtcDatetime = Annotated[
    dt.datetime,
    BeforeValidator(_iso_only),  # as input (a case's opened_at): ISO 8601 only, not a number
    PlainSerializer(_iso_utc, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "description": "ISO 8601, UTC"}),
]

# A time a client sends (a filter): ISO 8601 only; without an offset it is read as UTC by the router.
IsoDatetimeIn = Annotated[
    dt.datetime,
    BeforeValidator(_iso_only),
    WithJsonSchema({"type": "string", "format": "date-time", "description": "ISO 8601; without an offset, UTC"}),
]


def choices_schema(choices: type[Enum], title: str) -> WithJsonSchema:
    """A model's choices as an inline enum named ``title`` in the schema, for ``Annotated``.

    Two choices classes with the same short name (``VendorCase.Status`` and the tickets'
    ``Status``, ``VendorAccount.Kind`` and ``VendorCaseNote.Kind``) would otherwise share one
    component in openapi.json, and one would describe the other's values.
    """
    values = [member.value for member in choices]
    return WithJsonSchema({"type": "string", "enum": values, "title": title})


def user_ref(user: Any) -> dict[str, str] | None:
    """A user as the API shows one (``UserRef``): username and display name; None for nobody."""
    if user is None:
        return None
    profile = getattr(user, "agent_profile", None)
    return {"username": user.get_username(), "name": profile.display_name if profile else user.get_username()}


class UserRef(Schema):
    username: str
    name: str


class ErrorOut(Schema):
    """Every error answer: one human-readable sentence."""

    detail: str


class FieldErrorOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    """Bad input: a summary sentence and, when the request did not match the schema, one entry per field."""

    detail: str
    errors: list[FieldErrorOut] = Field(default_factory=list)


# Declared on every operation so clients can rely on the shape of each failure.
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
}

MAX_LIMIT = 200


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Items per page (at most 200).")
    offset: int = Field(0, ge=0, description="Items to skip.")


def page_of(queryset: QuerySet[Any], params: PageParams) -> dict[str, Any]:
    """One page: two queries (count and items) plus whatever the queryset prefetches."""
    count = queryset.count()
    items = list(queryset[params.offset : params.offset + params.limit]) if count > params.offset else []
    return {"count": count, "limit": params.limit, "offset": params.offset, "items": items}
