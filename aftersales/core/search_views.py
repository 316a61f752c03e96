"""The agent search page, ``/search/``: one box over every kind apps register (issue 5).

``/search/?q=…&kind=…&status=…&customer=…&from=…&to=…&page=…``. Exact lookups (a reference, a
phone number, an email address …) come first; then the ranked matches, labelled by kind, with
highlighted snippets. A query that names a ticket by its reference goes straight to the ticket.

core imports no app, so what only an app knows it hands over from ``AppConfig.ready()``:

- :func:`register_jump`: ``(query, user) -> url | None`` — where a query goes straight to
  (tickets: a reference such as ``AS-000123``);
- :func:`register_status_choices`: the statuses of a kind, for the status filter;
- :func:`register_customer_filter`: ``(text, user) -> [customer ids] | None`` — what the
  customer box means (customers: a short code, its sub-accounts included).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.core.access import require_staff
from aftersales.core.forms import DatePicker
from aftersales.core.search import query, tokens
from aftersales.core.search.registry import Hit, sources

PER_PAGE = 20
MAX_QUERY = 200

Jump = Callable[[str, Any], str | None]
CustomerFilter = Callable[[str, Any], list[int] | None]
Choices = Callable[[], Sequence[tuple[str, str | Promise]]]

_jumps: list[Jump] = []
_status_choices: dict[str, Choices] = {}
_customer_filters: list[CustomerFilter] = []


def register_jump(jump: Jump) -> None:
    if jump not in _jumps:
        _jumps.append(jump)


def register_status_choices(kind: str, choices: Choices) -> None:
    _status_choices[kind] = choices


def register_customer_filter(resolve: CustomerFilter) -> None:
    if resolve not in _customer_filters:
        _customer_filters.append(resolve)


def _allowed_sources(user: Any) -> list[Any]:
    return [source for source in sources().values() if source.allowed(user)]


class SearchInput(forms.TextInput):
    input_type = "search"


class SearchForm(forms.Form):
    # On this page the box is the page's own (the topbar hides its box), so ``/`` focuses it.
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY,
        widget=SearchInput(attrs={"id": "global-search", "autocomplete": "off", "data-testid": "search-box"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    customer = forms.CharField(
        label=_("Customer code (with sub-accounts)"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "starriver", "size": 16}),
    )
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "From"), required=False, widget=DatePicker()
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date range", "To"), required=False, widget=DatePicker()
    )

    def __init__(self, data: Any, *, user: Any) -> None:
        # The URL says from/to (short, as the issue names them); the fields cannot be called "from".
        data = data.copy()
        for short, name in (("from", "date_from"), ("to", "date_to")):
            if short in data and name not in data:
                data[name] = data[short]
        super().__init__(data, auto_id="search-%s")
        self.user = user
        allowed = _allowed_sources(user)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            ("", _("Everything")),
            *[(source.kind, source.label) for source in allowed],
        ]
        groups: list[tuple[Any, Any]] = [("", _("Any status"))]
        for source in allowed:
            choices = _status_choices.get(source.kind)
            if choices is not None:
                groups.append((source.label, list(choices())))
        self.fields["status"].choices = groups  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        code = (data.get("customer") or "").strip()
        data["customer_ids"] = None
        if code:
            ids: list[int] | None = None
            for resolve in _customer_filters:
                ids = resolve(code, self.user)
                if ids is not None:
                    break
            if not ids:
                self.add_error("customer", _("No customer with the code “%(code)s”.") % {"code": code})
            data["customer_ids"] = ids
        return data

    def filters(self) -> dict[str, Any]:
        """Cleaned values; an invalid one is dropped (its error shows next to it), never a 500."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value not in (None, "", [])}


class _Results:
    """One page of hits that knows the total: lets Django's Paginator draw the pager."""

    def __init__(self, count: int, items: list[Hit]) -> None:
        self._count = count
        self._items = items

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> list[Hit]:
        return self._items


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def _search(q: str, filters: dict[str, Any], user: Any, page: int) -> Any:
    return query.search(
        q,
        kinds=[filters["kind"]] if filters.get("kind") else [source.kind for source in _allowed_sources(user)],
        status=[filters["status"]] if filters.get("status") else None,
        customer_ids=filters.get("customer_ids"),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        page=page,
        per_page=PER_PAGE,
        user=user,
    )


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    user = request.user
    form = SearchForm(request.GET, user=user)
    filters = form.filters()
    q = " ".join((filters.get("q") or "").split())
    context: dict[str, Any] = {"form": form, "search_query": q, "search_page": True, "section": "search"}
    if not q:
        context["problem"] = "empty"
        return render(request, "core/search.html", context)
    if form.errors:  # a filter that cannot apply: say so next to it rather than show unfiltered results
        context["problem"] = "invalid"
        return render(request, "core/search.html", context)
    for jump in _jumps:
        target = jump(q, user)
        if target:
            return redirect(target)
    number = _page_number(request.GET.get("page"))
    result = _search(q, filters, user, number)
    last = max(1, math.ceil(result.count / PER_PAGE))
    if number > last:
        number = last
        result = _search(q, filters, user, number)
    kinds = {filters["kind"]} if filters.get("kind") else {source.kind for source in _allowed_sources(user)}
    exact = [hit for hit in result.exact if hit.kind in kinds] if number == 1 else []
    if not exact and not tokens.query_terms(q):
        # Nothing the index can match (a lone symbol) and no exact lookup answered.
        context["problem"] = "short"
        return render(request, "core/search.html", context)
    labels = {source.kind: source.label for source in sources().values()}
    exact_keys = {(hit.kind, hit.object_id) for hit in exact}
    paginator: Paginator[Hit] = Paginator(cast(Any, _Results(result.count, list(result.items))), PER_PAGE)
    hits = [hit for hit in result.items if (hit.kind, hit.object_id) not in exact_keys]
    context.update(
        {
            "exact": [(hit, labels.get(hit.kind, hit.kind)) for hit in exact],
            "hits": [(hit, labels.get(hit.kind, hit.kind)) for hit in hits],
            "page": paginator.page(number) if result.count else None,
            "paginator": paginator,
            "count": result.count,
            "count_capped": result.count_capped,
            "filtered": any(name in filters for name in ("kind", "status", "customer", "date_from", "date_to")),
        }
    )
    return render(request, "core/search.html", context)
