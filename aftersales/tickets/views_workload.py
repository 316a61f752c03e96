"""The workload page: per agent open tickets, due soon, breached and response medians."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aftersales.tickets.workload import DUE_SOON, agent_workload, can_see_workload


@login_required
def workload(request: HttpRequest) -> HttpResponse:
    if not can_see_workload(request.user):
        raise PermissionDenied
    return render(request, "tickets/workload.html", {
        "loads": agent_workload(),
        "due_soon_hours": int(DUE_SOON.total_seconds() // 3600),
        "section": "workload",
    })
