"""Lead pages under /sla/: calendars (with a year view and overrides) and policies.

Staff read; leads and admins write (through ``sla.actions``); anyone else gets 403.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.core import clock
from aftersales.core.access import is_lead
from aftersales.sla import actions
from aftersales.sla.access import (
    get_calendar_for_user,
    get_override_for_user,
    get_policy_for_user,
    require_configurer,
    require_reader,
)
from aftersales.sla.checks import calendars_missing_next_year
from aftersales.sla.forms import WEEKDAY_HEADS, WEEKDAYS, CalendarForm, OverrideForm, PolicyForm, format_intervals
from aftersales.sla.models import Calendar, Policy

MIN_YEAR, MAX_YEAR = 2000, 2100


def attach_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for text in exc.messages:
            form.add_error(None, text)


def _today(calendar: Calendar | None = None) -> dt.date:
    now = clock.now()
    return now.astimezone(calendar.tz).date() if calendar is not None else now.date()


def _warnings(request: HttpRequest) -> list[Calendar]:
    return calendars_missing_next_year(_today()) if is_lead(request.user) else []


# --- calendars ------------------------------------------------------------------------------
@login_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    require_reader(request.user)
    calendars = list(Calendar.objects.all())
    rows = [
        (cal, [(label, format_intervals((cal.week or {}).get(str(day), []))) for day, label in WEEKDAYS])
        for cal in calendars
    ]
    return render(request, "sla/calendar_list.html", {
        "rows": rows, "missing": _warnings(request), "next_year": _today().year + 1, "section": "sla-calendars",
    })


@login_required
def calendar_create(request: HttpRequest) -> HttpResponse:
    require_configurer(request.user)
    return _calendar_form(request, None)


@login_required
def calendar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = get_calendar_for_user(request.user, pk, write=True)
    return _calendar_form(request, calendar)


def _calendar_form(request: HttpRequest, calendar: Calendar | None) -> HttpResponse:
    form = CalendarForm(request.POST or None, instance=calendar)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_calendar(actor=request.user, calendar=calendar, **form.values())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Saved calendar %(name)s.") % {"name": saved.name})
            return redirect("sla:calendar", pk=saved.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "sla/calendar_form.html",
                  {"form": form, "calendar": calendar, "section": "sla-calendars"}, status=status)


def year_view(calendar: Calendar, year: int) -> list[dict[str, Any]]:
    """Twelve months of weeks (Monday first); each day a dict with its kind and a description."""
    engine = calendar.engine()
    names, _workdays = calendar.public_holidays(range(year, year + 1), get_language())
    overrides = {o.date: o for o in calendar.overrides.filter(date__year=year)}
    weekly = {day for day in range(7) if engine.week[day]}
    months = []
    for month in range(1, 13):
        weeks = []
        for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells: list[dict[str, Any] | None] = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                working = engine.is_working_day(day)
                usual = day.weekday() in weekly
                if working and not usual:
                    kind, label = "makeup", _("make-up workday")
                elif working:
                    kind, label = "work", _("working day")
                elif usual:
                    kind, label = "holiday", _("holiday")
                else:
                    kind, label = "weekend", _("day off")
                override = overrides.get(day)
                detail = override.note if override and override.note else names.get(day, "")
                cells.append({
                    "date": day, "kind": kind, "label": label, "detail": detail, "override": override is not None,
                })
            weeks.append(cells)
        months.append({"number": month, "name": formats.date_format(dt.date(year, month, 1), "F"), "weeks": weeks})
    return months


@login_required
def calendar_detail(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = get_calendar_for_user(request.user, pk)
    today = _today(calendar)
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, MIN_YEAR), MAX_YEAR)
    return _calendar_page(request, calendar, year, OverrideForm(initial={"date": dt.date(year, 1, 1)}))


def _calendar_page(request: HttpRequest, calendar: Calendar, year: int, form: OverrideForm,
                   status: int = 200) -> HttpResponse:
    months = year_view(calendar, year)
    counts: dict[str, int] = {}
    for month in months:
        for week in month["weeks"]:
            for cell in week:
                if cell:
                    counts[cell["kind"]] = counts.get(cell["kind"], 0) + 1
    return render(request, "sla/calendar_detail.html", {
        "calendar": calendar, "year": year, "months": months,
        "weekday_names": [(label, WEEKDAY_HEADS[day]) for day, label in WEEKDAYS],
        "week": [(label, format_intervals((calendar.week or {}).get(str(day), []))) for day, label in WEEKDAYS],
        "working_days": counts.get("work", 0) + counts.get("makeup", 0),
        "overrides": list(calendar.overrides.filter(date__year=year)),
        "override_form": form,
        "missing": [cal for cal in _warnings(request) if cal.pk == calendar.pk],
        "next_year": _today().year + 1,
        "policies": list(calendar.policies.all()),
        "section": "sla-calendars",
    }, status=status)


@login_required
@require_POST
def override_create(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = get_calendar_for_user(request.user, pk, write=True)
    form = OverrideForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.save_override(actor=request.user, calendar=calendar, date=data["date"],
                                  is_workday=data["is_workday"], note=data["note"])
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("%(date)s is now a %(kind)s.") % {
                "date": formats.date_format(data["date"], "DATE_FORMAT"),
                "kind": _("working day") if data["is_workday"] else _("holiday"),
            })
            return redirect(f"{calendar_url(calendar)}?year={data['date'].year}#overrides")
    year = form.cleaned_data["date"].year if form.cleaned_data.get("date") else _today(calendar).year
    return _calendar_page(request, calendar, year, form, status=400)


@login_required
@require_POST
def override_delete(request: HttpRequest, pk: int, override_id: int) -> HttpResponse:
    calendar = get_calendar_for_user(request.user, pk, write=True)
    override = get_override_for_user(request.user, calendar, override_id, write=True)
    year = override.date.year
    actions.delete_override(actor=request.user, override=override)
    messages.success(request, _("Override removed."))
    return redirect(f"{calendar_url(calendar)}?year={year}#overrides")


def calendar_url(calendar: Calendar) -> str:
    from django.urls import reverse

    return reverse("sla:calendar", kwargs={"pk": calendar.pk})


# --- policies -------------------------------------------------------------------------------
@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    require_reader(request.user)
    policies = list(Policy.objects.select_related("calendar"))
    return render(request, "sla/policy_list.html", {"policies": policies, "section": "sla-policies"})


@login_required
def policy_create(request: HttpRequest) -> HttpResponse:
    require_configurer(request.user)
    return _policy_form(request, None)


@login_required
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy = get_policy_for_user(request.user, pk, write=True)
    return _policy_form(request, policy)


def _policy_form(request: HttpRequest, policy: Policy | None) -> HttpResponse:
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_policy(actor=request.user, policy=policy, **form.values())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Saved policy %(name)s.") % {"name": saved.name})
            return redirect("sla:policies")
    status = 400 if request.method == "POST" else 200
    return render(request, "sla/policy_form.html",
                  {"form": form, "policy": policy, "section": "sla-policies"}, status=status)
