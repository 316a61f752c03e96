"""The workload page: per agent open tickets, due soon, breached and response medians."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aftersales.tickets.models import OPEN_STATUSES
from aftersales.tickets.workload import DUE_SOON, can_see_workload, workload


@login_required
def workload_page(request: HttpRequest) -> HttpResponse:
    if not can_see_workload(request.user):
        raise PermissionDenied
    found = workload()
    return render(request, "tickets/workload.html", {
        "loads": found.agents,
        "unassigned": found.unassigned,
        # Each count links to the agent's open tickets in the queue, soonest due first.
        "open_query": urlencode([("view", "all"), ("sort", "due"), *[("status", str(s)) for s in OPEN_STATUSES]]),
        "due_soon_hours": int(DUE_SOON.total_seconds() // 3600),
        "section": "workload",
    })
