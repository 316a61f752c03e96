"""CSAT pages: the public answer page behind the emailed links, and the list for the desk.

The answer page stores nothing on GET: mail scanners and link previews open every link in an
email, so a "one-click" GET that recorded the rating would record five ratings nobody gave. The
click shows the chosen rating preselected with a comment box; one more click (a CSRF-protected
POST) stores it. A bad or altered link is a 400 page, an expired one a 410 page; an answer past
its change window is shown read-only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aftersales.core import clock
from aftersales.core.access import is_lead, require_staff
from aftersales.feedback import csat
from aftersales.feedback.csat_mail import rating_label
from aftersales.feedback.csat_queries import figures_for
from aftersales.feedback.models.csat import CsatChannel, CsatRequest

PERIODS = (30, 90, 365)
RATING_FILTERS = ("answered", "unanswered", "low", "1", "2", "3", "4", "5")


def rating_choices() -> list[tuple[int, str]]:
    return [(rating, rating_label(rating)) for rating in csat.RATINGS]


@require_http_methods(["GET", "POST"])
def csat_answer(request: HttpRequest, token: str) -> HttpResponse:
    found = csat.read_token(token)
    language = found.request.language if found.request is not None else settings.LANGUAGE_CODE
    with translation.override(language):
        if found.problem == "invalid" or found.request is None:
            return render(request, "feedback/csat/link_problem.html", {"problem": "invalid"}, status=400)
        survey = found.request
        if found.problem == "expired":
            return render(
                request, "feedback/csat/link_problem.html", {"problem": "expired", "csat": survey}, status=410
            )
        context: dict[str, Any] = {
            "csat": survey,
            "ticket": survey.ticket,
            "choices": rating_choices(),
            "chosen": found.rating,  # the link clicked; the current answer is shown beside it
            "comment": survey.comment,
            "can_change": csat.can_change(survey),
            "change_until": csat.change_until(survey),
            "error": "",
        }
        if request.method == "POST":
            if not context["can_change"]:
                context["error"] = _("This rating can no longer be changed.")
                return render(request, "feedback/csat/answer.html", context, status=409)
            try:
                csat.record_rating(
                    request=survey,
                    rating=request.POST.get("rating"),
                    comment=request.POST.get("comment", ""),
                    via=CsatChannel.EMAIL,
                )
            except csat.CsatError as exc:
                context.update(
                    error=" ".join(exc.messages),
                    chosen=request.POST.get("rating"),
                    comment=request.POST.get("comment", ""),
                )
                return render(request, "feedback/csat/answer.html", context, status=400)
            messages.success(request, _("Thank you! Your rating is saved."))
            return redirect("feedback:csat_answer", token)
        return render(request, "feedback/csat/answer.html", context)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def csat_list(request: HttpRequest) -> HttpResponse:
    """Leads see every answer and filter by owner; other staff see the tickets they owned."""
    require_staff(request.user)
    lead = is_lead(request.user)
    period = _int(request.GET.get("period")) or 30
    if period not in PERIODS:
        period = 30
    rating = request.GET.get("rating", "")
    if rating not in RATING_FILTERS:
        rating = ""
    owner_id = _int(request.GET.get("owner")) if lead else request.user.pk
    requests = CsatRequest.objects.all()
    if owner_id is not None:
        requests = requests.filter(owner_id=owner_id)
    figures = figures_for(requests)
    rows = requests.filter(sent_at__gte=clock.now() - dt.timedelta(days=period))
    if rating == "answered":
        rows = rows.filter(rating__isnull=False)
    elif rating == "unanswered":
        rows = rows.filter(rating__isnull=True)
    elif rating == "low":
        rows = rows.filter(rating__lte=csat.low_rating())
    elif rating:
        rows = rows.filter(rating=int(rating))
    rows = rows.select_related("ticket", "contact", "customer", "owner__agent_profile", "followup_ticket").order_by(
        "-sent_at", "-pk"
    )
    paginator = Paginator(rows, settings.QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    owners = (
        User.objects.filter(pk__in=CsatRequest.objects.filter(owner__isnull=False).values("owner_id"))
        .select_related("agent_profile")
        .order_by("username")
        if lead
        else User.objects.none()
    )
    return render(
        request,
        "feedback/csat/list.html",
        {
            "page": page,
            "paginator": paginator,
            "rows": list(page.object_list),
            "figures": [figures[30], figures[90]],
            "periods": PERIODS,
            "period": period,
            "rating": rating,
            "rating_filters": [(value, _filter_label(value)) for value in RATING_FILTERS],
            "owners": owners,
            "owner_id": owner_id,
            "is_lead_view": lead,
            "low": csat.low_rating(),
            "section": "csat",
        },
    )


def _filter_label(value: str) -> str:
    if value == "answered":
        return _("Answered")
    if value == "unanswered":
        return _("Not answered")
    if value == "low":
        return _("Low ratings")
    return f"{value} – {rating_label(int(value))}"
