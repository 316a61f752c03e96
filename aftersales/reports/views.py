"""The list behind a number: ``/reports/tickets/?set=…`` shows exactly the tickets a figure counted."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from aftersales.reports import sets
from aftersales.reports.access import require_reports
from aftersales.reports.scope import ScopeError, from_params

PAGE_SIZE = 50


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    require_reports(request.user)
    key = request.GET.get("set", "")
    try:
        scope = from_params(request.GET)
        dims = sets.dims_from(request.GET)
        qs = sets.tickets(scope, key, **dims)
    except ScopeError as exc:
        return _bad(request, str(exc))
    except sets.UnknownSet:
        return _bad(request, _("There is no list named “%(set)s”.") % {"set": key})
    except (ValueError, TypeError):
        return _bad(request, _("A filter of this list is not valid."))
    qs = qs.select_related("customer", "owner", "category").order_by("-created_at", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/tickets.html", {
        "ticket_set": sets.SETS[key],
        "scope": scope,
        "dims": dims,
        "page": page,
        "paginator": page.paginator,
        "section": "reports",
    })


def _bad(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "reports/error.html", {"message": message, "section": "reports"}, status=400)
