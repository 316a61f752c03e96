"""The workload page: per agent open tickets, due soon, breached and response medians."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aftersales.core.panels import column_rows, columns_for
from aftersales.tickets.models import OPEN_STATUSES
from aftersales.tickets.workload import DUE_SOON, can_see_workload, workload


@login_required
def workload_page(request: HttpRequest) -> HttpResponse:
    if not can_see_workload(request.user):
        raise PermissionDenied
    found = workload()
    # Other apps' per-agent figures (e.g. feedback's CSAT): core.panels columns of page "workload",
    # one ``values`` call per column for all agents, keyed by the user's pk.
    cells = column_rows(request, "workload", [load.user for load in found.agents])
    return render(request, "tickets/workload.html", {
        "loads": found.agents,
        "rows": [(load, row_cells) for load, (_user, row_cells) in zip(found.agents, cells, strict=True)],
        "extra_columns": columns_for("workload", request.user),
        "unassigned": found.unassigned,
        # Each count links to the agent's open tickets in the queue, soonest due first.
        "open_query": urlencode([("view", "all"), ("sort", "due"), *[("status", str(s)) for s in OPEN_STATUSES]]),
        "due_soon_hours": int(DUE_SOON.total_seconds() // 3600),
        "section": "workload",
    })
