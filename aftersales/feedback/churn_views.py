"""The "Customers at risk" page (/feedback/churn/): every active master account with a churn
signal, highest score first, with its reasons. Staff read it (viewers too); nobody writes here."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aftersales.core import clock
from aftersales.core.access import require_staff
from aftersales.feedback import churn


@login_required
@require_GET
def churn_list(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    level = request.GET.get("level", "")
    error = ""
    if level and level not in churn.LEVELS:
        error = _("Unknown risk level “%(level)s”: choose high, medium or low.") % {"level": level[:20]}
        level = ""
    # The list is computed for every active master account at once (a constant number of grouped
    # queries), then filtered and paged in memory: one row per customer, never per ticket.
    risks = churn.assess(now=clock.now())
    at_risk = [risk for risk in risks if risk.reasons]
    counts = {name: sum(1 for risk in at_risk if risk.level == name) for name in churn.LEVELS}
    shown = [risk for risk in at_risk if not level or risk.level == level]
    paginator = Paginator(shown, settings.QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/churn/list.html",
        {
            "page": page,
            "paginator": paginator,
            "rows": list(page.object_list),
            "level": level,
            "levels": [(name, churn.level_label(name), counts[name]) for name in churn.LEVELS],
            "assessed": len(risks),
            "at_risk": len(at_risk),
            "without_signal": len(risks) - len(at_risk),
            "error": error,
            "section": "churn",
        },
        status=400 if error else 200,
    )
