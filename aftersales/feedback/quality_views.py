"""/feedback/quality/: leads review a random sample of resolved tickets and read per-agent scores."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.core import clock
from aftersales.core.access import require_lead
from aftersales.feedback import quality
from aftersales.feedback.quality_forms import PeriodForm, SampleForm, ScorecardForm
from aftersales.tickets.access import get_ticket_for_user


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _page(request: HttpRequest, bound: dict[str, ScorecardForm] | None = None, status: int = 200) -> HttpResponse:
    now = clock.now()
    sample_form = SampleForm(request.GET or None)
    agent, size = None, quality.SAMPLE_SIZE
    if sample_form.is_bound and sample_form.is_valid():
        agent = sample_form.cleaned_data.get("agent")
        size = sample_form.cleaned_data.get("size") or quality.SAMPLE_SIZE
    tickets = quality.sample(now=now, size=size, agent=agent)
    bound = bound or {}
    for ref, form in bound.items():  # a scorecard with errors stays on the page, even if not drawn again
        if ref not in {ticket.ref for ticket in tickets}:
            tickets.insert(0, form.ticket)  # type: ignore[attr-defined]
    cards = [(ticket, bound.get(ticket.ref) or ScorecardForm(ticket_ref=ticket.ref)) for ticket in tickets]
    period_form = PeriodForm(request.GET or None)
    start, end = period_form.period(timezone.localdate(now))
    scores = quality.agent_summary(start=_day_start(start), end=_day_start(end + dt.timedelta(days=1)))
    context: dict[str, Any] = {
        "section": "quality",
        "sample_form": sample_form,
        "period_form": period_form,
        "cards": cards,
        "sample_days": quality.SAMPLE_DAYS,
        "scores": scores,
        "period_start": start,
        "period_end": end,
        "back": request.get_full_path(),
    }
    return render(request, "feedback/quality.html", context, status=status)


@login_required
def quality_page(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    return _page(request)


@require_POST
@login_required
def review(request: HttpRequest, ref: str) -> HttpResponse:
    require_lead(request.user)
    ticket = get_ticket_for_user(request.user, ref)
    form = ScorecardForm(request.POST, ticket_ref=ticket.ref)
    if form.is_valid():
        data = form.cleaned_data
        try:
            quality.record_review(
                ticket=ticket,
                reviewer=request.user,
                correct=data["correct"],
                complete=data["complete"],
                tone=data["tone"],
                root_cause_found=data["root_cause_found"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            for text in exc.messages:
                form.add_error(None, text)
        else:
            messages.success(request, _("Review of %(ref)s saved.") % {"ref": ticket.ref})
            back = request.POST.get("back", "")
            if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                back = reverse("feedback:quality")
            return redirect(back)
    form.ticket = ticket  # type: ignore[attr-defined]
    return _page(request, {ticket.ref: form}, status=400)
