"""The unmapped-traffic page (staff) and "map this key" (leads and admins).

Thin: access check → form → ``monitoring.actions_ingestion`` → response.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.core.access import is_lead, require_lead, require_staff
from aftersales.core.forms import attach_errors
from aftersales.monitoring import actions_ingestion
from aftersales.monitoring.forms_ingestion import MapKeyForm
from aftersales.monitoring.models import EventState, RawEvent

SAMPLE_LENGTH = 400


def _unmapped_keys() -> Any:
    return (
        RawEvent.objects.filter(state=EventState.UNMAPPED)
        .values("api_key")
        .annotate(events=Count("pk"), first_seen=Min("received_at"), last_seen=Max("received_at"), sample_id=Max("pk"))
        .order_by("-last_seen", "api_key")
    )


@login_required
def unmapped(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    paginator = Paginator(_unmapped_keys(), settings.QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    samples = {
        raw.pk: raw
        for raw in RawEvent.objects.filter(pk__in=[row["sample_id"] for row in rows]).only("pk", "source", "body")
    }
    for row in rows:
        sample = samples.get(row["sample_id"])
        row["sample_source"] = sample.get_source_display() if sample else ""  # type: ignore[attr-defined]
        row["sample"] = (sample.body[:SAMPLE_LENGTH] if sample else "")
    return render(request, "monitoring/ingestion/unmapped.html", {
        "page": page,
        "paginator": paginator,
        "rows": rows,
        "can_map": is_lead(request.user),
        "section": "monitoring_unmapped",
    })


@login_required
def map_key(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    api_key = (request.POST.get("key") if request.method == "POST" else request.GET.get("key")) or ""
    api_key = api_key.strip()[:100]
    waiting = RawEvent.objects.filter(state=EventState.UNMAPPED, api_key=api_key).count() if api_key else 0
    form = MapKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account, replayed = actions_ingestion.map_unmapped_key(api_key=api_key, actor=request.user,
                                                                   **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _(
                "The key %(key)s now belongs to %(customer)s: %(recorded)d of %(events)d stored events recorded."
            ) % {"key": api_key, "customer": account.customer.name, "recorded": replayed.result.recorded,
                 "events": replayed.raw_events})
            return redirect(reverse("monitoring:unmapped"))
    status = 400 if request.method == "POST" else 200
    return render(request, "monitoring/ingestion/map.html", {
        "form": form, "api_key": api_key, "waiting": waiting, "section": "monitoring_unmapped",
    }, status=status)
