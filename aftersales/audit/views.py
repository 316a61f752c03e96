"""The audit log page for leads and admins: newest first, filtered, paginated (read-only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from aftersales.audit.forms import AuditFilterForm
from aftersales.audit.models import AuditEntry
from aftersales.core.access import require_lead
from aftersales.core.pagination import CappedPaginator

PAGE_SIZE = 50


@require_GET
@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    form = AuditFilterForm(request.GET or None)
    entries = form.filter(AuditEntry.objects.select_related("actor").order_by("-at", "-id"))
    paginator = CappedPaginator(entries, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {
        "form": form, "page": page, "paginator": paginator, "filtered": form.filtered, "section": "audit",
    })
