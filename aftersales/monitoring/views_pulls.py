"""The Reports API pulls page (leads): what the hourly pull did, window by window."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aftersales.core.access import require_lead
from aftersales.monitoring.models import ReportPull


@login_required
def pulls(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    query = ReportPull.objects.select_related("account").order_by("-window_start", "-pk")
    paginator = Paginator(query, settings.QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/pulls/list.html",
        {
            "page": page,
            "paginator": paginator,
            "pulls": list(page.object_list),
            "section": "monitoring_pulls",
        },
    )
