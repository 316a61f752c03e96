"""Vendor-case pages: the list (filters, counts, open cases first), a new case (optionally for a
ticket: ``?ticket=AS-000123``), a case with its timeline and linked tickets and the forms that
change it, and the vendor response-time figures.

Every desk member reads; writers change (``sms.cases`` actions). A form the action refuses is
shown again by its field with a 400.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.core.access import can_write, require_staff, require_write
from aftersales.core.forms import attach_errors
from aftersales.core.pagination import CappedPaginator
from aftersales.sms import case_queries as queries
from aftersales.sms import cases
from aftersales.sms.forms_cases import (
    CaseFilterForm,
    CaseForm,
    CaseNoteForm,
    CaseStatusForm,
    LinkTicketForm,
    ResponseForm,
    UpdateForm,
)
from aftersales.sms.models import VendorCase, VendorCaseNote
from aftersales.tickets.access import get_ticket_for_user

PAGE_SIZE = 25
FIGURE_MONTHS = (6, 12)


def _hours(start: Any, end: Any) -> float | None:
    return round((end - start).total_seconds() / 3600, 1) if start is not None and end is not None else None


def _with_durations(case: VendorCase) -> VendorCase:
    case.first_response_hours = _hours(case.opened_at, case.first_vendor_response_at)  # type: ignore[attr-defined]
    case.resolution_hours = _hours(case.opened_at, case.resolved_at)  # type: ignore[attr-defined]
    return case


# --- List, figures ------------------------------------------------------------------------------
@require_GET
@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    form = CaseFilterForm(request.GET or None)
    filters = form.filters()
    visible = queries.cases_visible_to(request.user)
    paginator = CappedPaginator(queries.listing(queries.filter_cases(visible, **filters)), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    for case in page.object_list:
        _with_durations(case)
    counts = queries.status_counts(visible)
    return render(
        request,
        "sms/cases/list.html",
        {
            "form": form,
            "page": page,
            "paginator": paginator,
            "filtered": bool(filters),
            "counts": counts,
            "status_tabs": [(value, label, counts[value]) for value, label in VendorCase.Status.choices],
            "section": "cases",
            "can_write": can_write(request.user),
        },
    )


@require_GET
@login_required
def case_figures(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    try:
        months = int(request.GET.get("months", queries.DEFAULT_FIGURE_MONTHS))
    except ValueError:
        months = queries.DEFAULT_FIGURE_MONTHS
    if months not in FIGURE_MONTHS:
        months = queries.DEFAULT_FIGURE_MONTHS
    return render(
        request,
        "sms/cases/figures.html",
        {
            "figures": queries.response_figures(months=months),
            "months": months,
            "month_choices": FIGURE_MONTHS,
            "section": "cases",
        },
    )


# --- New case ------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    require_write(request.user)
    for_ticket = None
    ref = request.GET.get("ticket", "").strip()
    if ref:
        for_ticket = get_ticket_for_user(request.user, ref)
    if request.method == "POST":
        form = CaseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = cases.open_case(
                    vendor=data["vendor"],
                    case_number=data["case_number"],
                    subject=data["subject"],
                    owner=data["owner"],
                    vendor_account=data["vendor_account"],
                    opened_at=data["opened_at"],
                    tickets=data["tickets"],
                    actor=request.user,
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("%(case)s recorded.") % {"case": cases.case_label(case)})
                return redirect("sms:case_detail", pk=case.pk)
        status = 400
    else:
        initial: dict[str, Any] = {"owner": request.user.pk}
        if for_ticket is not None:
            initial.update(tickets=for_ticket.ref, subject=for_ticket.subject)
        form = CaseForm(initial=initial)
        status = 200
    return render(
        request,
        "sms/cases/new.html",
        {"form": form, "for_ticket": for_ticket, "section": "cases"},
        status=status,
    )


# --- One case ------------------------------------------------------------------------------------
def _detail_context(request: HttpRequest, case: VendorCase, forms: dict[str, Form]) -> dict[str, Any]:
    writer = can_write(request.user)
    context: dict[str, Any] = {
        "case": _with_durations(case),
        "notes": list(case.notes.select_related("author__agent_profile")),
        "linked": queries.linked_tickets(case),
        "section": "cases",
        "can_write": writer,
    }
    if writer:
        context.update(
            link_form=forms.get("link_form") or LinkTicketForm(),
            update_form=forms.get("update_form") or UpdateForm(),
            response_form=forms.get("response_form") or ResponseForm(),
            status_form=forms.get("status_form") or CaseStatusForm(initial={"status": case.status}),
            note_form=forms.get("note_form") or CaseNoteForm(),
        )
    return context


@require_GET
@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.get_case_for_user(request.user, pk)
    return render(request, "sms/cases/detail.html", _detail_context(request, case, {}))


def _run(
    request: HttpRequest, case: VendorCase, name: str, form: Form, action: Callable[[dict[str, Any]], str]
) -> HttpResponse:
    """Validate ``form`` and run ``action`` once: redirect with its message, or show the page again
    with the error by the form (400)."""
    if form.is_valid():
        try:
            outcome = action(form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            if outcome:
                messages.success(request, outcome)
            return redirect("sms:case_detail", pk=case.pk)
    return render(request, "sms/cases/detail.html", _detail_context(request, case, {name: form}), status=400)


@require_POST
@login_required
def case_link(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.get_case_for_user(request.user, pk, write=True)

    def act(data: dict[str, Any]) -> str:
        linked = [
            ticket.ref for ticket in data["ref"] if cases.link_ticket(case=case, ticket=ticket, actor=request.user)
        ]
        if not linked:
            return _("Already linked.")
        return _("Linked %(refs)s; waiting on the vendor.") % {"refs": ", ".join(linked)}

    return _run(request, case, "link_form", LinkTicketForm(request.POST), act)


@require_POST
@login_required
def case_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.get_case_for_user(request.user, pk, write=True)
    ticket = get_ticket_for_user(request.user, request.POST.get("ref", ""))
    if cases.unlink_ticket(case=case, ticket=ticket, actor=request.user):
        messages.success(request, _("%(ref)s unlinked.") % {"ref": ticket.ref})
    else:
        messages.warning(request, _("%(ref)s was not linked to this case.") % {"ref": ticket.ref})
    return redirect("sms:case_detail", pk=case.pk)


@require_POST
@login_required
def case_update(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.get_case_for_user(request.user, pk, write=True)

    def act(data: dict[str, Any]) -> str:
        cases.post_update(case=case, body=data["body"], actor=request.user, to_customers=data["to_customers"])
        count = case.tickets.filter(merged_into__isnull=True).count()
        if data["to_customers"]:
            return ngettext(
                "Update sent to the customer of %(n)d ticket.", "Update sent to the customers of %(n)d tickets.", count
            ) % {"n": count}
        return ngettext("Update posted to %(n)d ticket.", "Update posted to %(n)d tickets.", count) % {"n": count}

    return _run(request, case, "update_form", UpdateForm(request.POST), act)


@require_POST
@login_required
def case_response(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.get_case_for_user(request.user, pk, write=True)

    def act(data: dict[str, Any]) -> str:
        cases.record_vendor_response(case=case, body=data["body"], actor=request.user, at=data["at"])
        return _("Vendor response recorded.")

    return _run(request, case, "response_form", ResponseForm(request.POST), act)


@require_POST
@login_required
def case_status(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.get_case_for_user(request.user, pk, write=True)

    def act(data: dict[str, Any]) -> str:
        changed = cases.change_case_status(
            case=case, status=data["status"], actor=request.user, reopen_tickets=data["reopen_tickets"]
        )
        return _("Status: %(status)s.") % {"status": changed.get_status_display()}

    return _run(request, case, "status_form", CaseStatusForm(request.POST), act)


@require_POST
@login_required
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.get_case_for_user(request.user, pk, write=True)

    def act(data: dict[str, Any]) -> str:
        cases.add_note(case=case, body=data["body"], actor=request.user, kind=data["kind"])
        return _("Note added.") if data["kind"] == VendorCaseNote.Kind.NOTE else _("Recorded what was sent.")

    return _run(request, case, "note_form", CaseNoteForm(request.POST), act)
