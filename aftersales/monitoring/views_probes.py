"""Probe pages (巡检): the list with status, last result, uptime over 24 h and latency; a probe's page
with its recent results and heartbeat URL; the form. Staff read; writers "Run now"; leads and admins
create, change, delete and issue a new heartbeat URL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.core import clock
from aftersales.core.access import can_write, is_lead, require_lead, require_staff, require_write
from aftersales.core.forms import attach_errors
from aftersales.monitoring.forms_probes import ProbeForm
from aftersales.monitoring.models import Alert, AlertState, Probe, ProbeKind, ProbeResult
from aftersales.monitoring.probes import actions
from aftersales.monitoring.probes.runner import run_probe

PAGE_SIZE = 25
RESULTS_PAGE_SIZE = 50


def uptime(probe_ids: list[int], *, now: dt.datetime) -> dict[int, tuple[int, int]]:
    """(good, all) results per probe over the last 24 hours, in one query."""
    rows = (
        ProbeResult.objects.filter(probe_id__in=probe_ids, at__gte=now - dt.timedelta(hours=24))
        .values("probe_id")
        .order_by()
        .annotate(total=Count("pk"), good=Count("pk", filter=Q(ok=True)))
    )
    return {row["probe_id"]: (row["good"], row["total"]) for row in rows}


def decorate(probes: list[Probe], *, now: dt.datetime) -> list[Probe]:
    """Attach the 24-hour uptime (percent or None) and whether an alert is firing (two queries for a page)."""
    ids = [p.pk for p in probes]
    counts = uptime(ids, now=now)
    firing = set(
        Alert.objects.filter(state=AlertState.FIRING, fingerprint__in=[f"probe:{pk}" for pk in ids]).values_list(
            "fingerprint", flat=True
        )
    )
    for probe in probes:
        good, total = counts.get(probe.pk, (0, 0))
        probe.uptime = round(100 * good / total, 1) if total else None  # type: ignore[attr-defined]
        probe.checks_24h = total  # type: ignore[attr-defined]
        probe.alerting = probe.fingerprint in firing  # type: ignore[attr-defined]
    return probes


@require_GET
@login_required
def probe_list(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    probes = Probe.objects.select_related("customer", "account").order_by("name", "pk")
    page = Paginator(probes, PAGE_SIZE).get_page(request.GET.get("page"))
    decorate(list(page.object_list), now=clock.now())
    return render(
        request,
        "monitoring/probes/list.html",
        {
            "page": page,
            "paginator": page.paginator,
            "can_edit": is_lead(request.user),
            "section": "monitoring_probes",
        },
    )


def _get_probe(user: Any, pk: int) -> Probe:
    require_staff(user)
    probe = Probe.objects.select_related("customer", "account").filter(pk=pk).first()
    if probe is None:
        raise Http404("No such probe")
    return probe


def heartbeat_url(probe: Probe) -> str:
    path = reverse("monitoring_hooks:heartbeat", args=[probe.heartbeat_token])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


@require_GET
@login_required
def probe_detail(request: HttpRequest, pk: int) -> HttpResponse:
    probe = _get_probe(request.user, pk)
    decorate([probe], now=clock.now())
    results = Paginator(ProbeResult.objects.filter(probe=probe).order_by("-at", "-pk"), RESULTS_PAGE_SIZE)
    page = results.get_page(request.GET.get("page"))
    alert = Alert.objects.filter(fingerprint=probe.fingerprint).select_related("incident__ticket").first()
    return render(
        request,
        "monitoring/probes/detail.html",
        {
            "probe": probe,
            "page": page,
            "paginator": results,
            "alert": alert,
            "heartbeat_url": heartbeat_url(probe) if probe.kind == ProbeKind.HEARTBEAT else "",
            "can_edit": is_lead(request.user),
            "can_run": can_write(request.user),
            "section": "monitoring_probes",
        },
    )


@login_required
def probe_create(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    return _form(request, None)


@login_required
def probe_edit(request: HttpRequest, pk: int) -> HttpResponse:
    probe = _get_probe(request.user, pk)
    require_lead(request.user)
    return _form(request, probe)


def _form(request: HttpRequest, probe: Probe | None) -> HttpResponse:
    form = ProbeForm(request.POST or None, instance=probe)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_probe(actor=request.user, probe=probe, **form.values())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Saved probe “%(name)s”.") % {"name": saved.name})
            return redirect("monitoring:probe_detail", pk=saved.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "monitoring/probes/form.html",
        {
            "form": form,
            "probe": probe,
            "section": "monitoring_probes",
        },
        status=status,
    )


@require_POST
@login_required
def probe_run(request: HttpRequest, pk: int) -> HttpResponse:
    probe = _get_probe(request.user, pk)
    require_write(request.user)
    result = run_probe(probe)
    if result is None:
        if probe.kind == ProbeKind.SMS_ROUNDTRIP:
            messages.info(
                request,
                _("Test message sent or still waiting for its receipt; the result follows within %(minutes)s minutes.")
                % {"minutes": probe.receipt_minutes},
            )
        else:
            messages.info(request, _("No result yet: the heartbeat is not late."))
    elif result.ok:
        messages.success(request, _("Check passed: %(reason)s.") % {"reason": result.get_reason_display()})
    else:
        messages.error(
            request,
            _("Check failed: %(reason)s (%(detail)s).")
            % {"reason": result.get_reason_display(), "detail": result.detail},
        )
    return redirect("monitoring:probe_detail", pk=probe.pk)


@require_POST
@login_required
def probe_token(request: HttpRequest, pk: int) -> HttpResponse:
    probe = _get_probe(request.user, pk)
    require_lead(request.user)
    actions.issue_heartbeat_token(actor=request.user, probe=probe)
    messages.success(request, _("New heartbeat URL issued: update the job; the old URL no longer works."))
    return redirect("monitoring:probe_detail", pk=probe.pk)


@require_POST
@login_required
def probe_delete(request: HttpRequest, pk: int) -> HttpResponse:
    probe = _get_probe(request.user, pk)
    require_lead(request.user)
    name = probe.name
    actions.delete_probe(actor=request.user, probe=probe)
    messages.success(request, _("Deleted probe “%(name)s”.") % {"name": name})
    return redirect("monitoring:probes")
