"""/search: the agents' one search box over HTTP (issue 5).

Tickets, customers, contacts and (once the knowledge base registers them) articles, ranked;
exact lookups (a reference, a phone number, an email address …) come first. Calls
``core.search.query`` only: each app registered what it indexes and who may search it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from aftersales.api.auth import caller
from aftersales.api.schemas import ERRORS
from aftersales.core.search import query
from aftersales.core.search.registry import Hit, sources
from aftersales.customers.search import customer_ids_for_code

router = Router()

MAX_SEARCH_LIMIT = 100


class SearchParams(Schema):
    q: str = Field(
        min_length=1,
        max_length=200,
        description="What to look for: words (Chinese or English), "
        "a ticket reference (AS-000123), a phone number in any format, an email address.",
    )
    kind: list[str] | None = Field(
        None, description="ticket, customer, contact or article; repeat for several (?kind=ticket&kind=contact)."
    )
    status: list[str] | None = Field(None, description="Only docs with this status (a ticket's or a customer's).")
    customer: str | None = Field(None, description="Customer code; a master account includes its sub-accounts.")
    created_after: dt.date | None = Field(None, description="Opened or created on or after this day.")
    created_before: dt.date | None = Field(None, description="Opened or created on or before this day.")
    limit: int = Field(20, ge=1, le=MAX_SEARCH_LIMIT, description="Items per page (at most 100).")
    offset: int = Field(0, ge=0, description="Items to skip.")
    page: int | None = Field(None, ge=1, description="1-based page of `limit` items; overrides offset.")


class SearchHitOut(Schema):
    kind: str = Field(description="ticket, customer, contact or article.")
    id: int
    ref: str = Field(description="The record's reference: a ticket's AS-000123, a customer's code, an article's slug.")
    title: str
    snippet: str = Field(description="HTML: the matching passage, escaped, matched words in <mark>.")
    url: str = Field(description="The record's page in the agent desk.")
    score: float = Field(description="Higher is better; exact lookups come first.")


class SearchPage(Schema):
    count: int = Field(
        description="Matches over all pages (exact lookups included); when `count_capped` is true, at least this many."
    )
    count_capped: bool = Field(
        False,
        description="True when more words matched than the index counts exactly (over 1,000): the ranked list "
        "then holds the newest matches and `count` is a lower bound.",
    )
    limit: int
    offset: int
    items: list[SearchHitOut]


def _kinds(requested: list[str] | None, user: Any) -> list[str]:
    allowed = [kind for kind, source in sources().items() if source.allowed(user)]
    if not requested:
        return allowed
    unknown = [kind for kind in requested if kind not in allowed]
    if unknown:
        raise ValidationError(
            _("Unknown kind “%(kind)s”; use one of: %(kinds)s.") % {"kind": unknown[0], "kinds": ", ".join(allowed)}
        )
    return list(dict.fromkeys(requested))


def _customer_ids(code: str | None, user: Any) -> list[int] | None:
    if not code:
        return None
    ids = customer_ids_for_code(code, user)
    if not ids:
        raise ValidationError(_("No customer with the code “%(code)s”.") % {"code": code})
    return ids


def _out(request: HttpRequest, hit: Hit) -> dict[str, Any]:
    return {
        "kind": hit.kind,
        "id": hit.object_id,
        "ref": hit.ref,
        "title": hit.title,
        "snippet": str(hit.snippet),
        "url": request.build_absolute_uri(hit.url),
        "score": float(hit.score),
    }


@router.get("", response={200: SearchPage, **ERRORS}, summary="Search everything")
def search(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    """Ranked matches, exact lookups first; `count` is the total over all pages.

    The same search as the agents' search page: Chinese and English words alike (every word must
    match), a ticket reference, a phone number in any format or an email address.
    """
    user = caller(request)
    q = " ".join(params.q.split())
    if not q:
        raise ValidationError(_("Say what to search for: q is empty."))
    offset = (params.page - 1) * params.limit if params.page else params.offset
    limit = params.limit
    filters: dict[str, Any] = {
        "kinds": _kinds(params.kind, user),
        "status": params.status or None,
        "customer_ids": _customer_ids(params.customer, user),
        "date_from": params.created_after,
        "date_to": params.created_before,
        "user": user,
    }
    first = query.search(q, page=1, per_page=limit, **filters)
    exact = list(first.exact)
    skip = [(hit.kind, hit.object_id) for hit in exact]
    count_exact = len(exact)
    items: list[Hit] = exact[offset : offset + limit]
    start = max(0, offset - count_exact)  # where the ranked list starts on this page
    wanted = limit - len(items)
    ranked_count = None
    if wanted > 0:
        ranked, ranked_count = _ranked(q, start, wanted, skip, filters)
        items += ranked
    if ranked_count is None:
        ranked_count = query.search(q, page=1, per_page=1, exclude=skip, **filters).count
    return {
        "count": count_exact + ranked_count,
        "count_capped": first.count_capped,
        "limit": limit,
        "offset": offset,
        "items": [_out(request, hit) for hit in items],
    }


def _ranked(
    q: str, start: int, wanted: int, skip: list[tuple[str, int]], filters: dict[str, Any]
) -> tuple[list[Hit], int]:
    """``wanted`` ranked hits from position ``start`` (any offset: at most two pages of ``wanted``)."""
    page = start // wanted + 1
    result = query.search(q, page=page, per_page=wanted, exclude=skip, **filters)
    hits = list(result.items)[start - (page - 1) * wanted :]
    if len(hits) < wanted and start % wanted and result.count > page * wanted:
        more = query.search(q, page=page + 1, per_page=wanted, exclude=skip, **filters)
        hits += list(more.items)
    return hits[:wanted], result.count
