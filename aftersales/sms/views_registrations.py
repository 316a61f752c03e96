"""Sender-ID registration pages: the dashboard (overdue first, counted at the top, with the lead
times), one registration (timeline, documents, moves, owner and vendor reference), the create
form, and the lead-time table. Views are thin: access → form → ``sms.registrations`` → response.
Every staff member reads; writers change registrations; leads and admins set expected lead times.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.core import clock, uploads
from aftersales.core.access import can_write, is_lead, require_staff, require_write
from aftersales.core.forms import attach_errors
from aftersales.customers.access import customers_visible_to
from aftersales.sms import registrations as actions
from aftersales.sms.forms_registrations import (
    COUNTRY_SUGGESTIONS,
    DocumentForm,
    LeadTimeForm,
    OwnerForm,
    RegistrationFilterForm,
    RegistrationForm,
    TransitionForm,
    VendorReferenceForm,
)
from aftersales.sms.models import LeadTime, RegistrationStatus, SenderIdRegistration
from aftersales.sms.models.registrations import FINAL_STATUSES

SECTION = "registrations"


# --- Dashboard -------------------------------------------------------------------------------
@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    now = clock.now()
    form = RegistrationFilterForm(request.GET or None)
    queryset = actions.registrations_visible_to(request.user)
    customer = None
    code = request.GET.get("customer", "").strip()
    if code:
        customer = customers_visible_to(request.user).filter(code=code).first()
        if customer is None:
            raise Http404("No such customer")
        queryset = queryset.filter(Q(customer=customer) | Q(customer__parent=customer))
    if form.is_valid():
        data = form.cleaned_data
        if data.get("status") == "open":
            queryset = queryset.exclude(status__in=FINAL_STATUSES)
        elif data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("country"):
            queryset = queryset.filter(country=data["country"])
        if data.get("owner"):
            queryset = queryset.filter(owner=data["owner"])
        if data.get("overdue"):
            queryset = queryset.filter(actions.overdue_q(now))
    overdue_total = actions.registrations_visible_to(request.user).filter(actions.overdue_q(now)).count()
    queryset = (
        queryset.annotate(
            overdue_first=Case(
                When(actions.overdue_q(now), then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .select_related("customer__parent", "owner__agent_profile")
        .order_by("overdue_first", "due_at", "-updated_at", "-pk")
    )
    paginator = Paginator(queryset, settings.QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [(registration, actions.is_overdue(registration, now)) for registration in page.object_list]
    filtered = any(request.GET.get(name) for name in ("status", "country", "owner", "overdue", "customer"))
    return render(
        request,
        "sms/registrations/dashboard.html",
        {
            "form": form,
            "page": page,
            "paginator": paginator,
            "rows": rows,
            "overdue_total": overdue_total,
            "filtered": filtered,
            "filter_customer": customer,
            "lead_times": list(LeadTime.objects.order_by("country", "type")),
            "can_write": can_write(request.user),
            "section": SECTION,
        },
    )


# --- Create ----------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def registration_new(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    require_write(request.user)
    initial: dict[str, Any] = {"owner": request.user}
    code = request.GET.get("customer", "").strip()
    if code:
        customer = customers_visible_to(request.user).filter(code=code).first()
        if customer is not None:
            initial["customer"] = customer
    form = RegistrationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration = actions.create_registration(
                customer=data["customer"],
                country=data["country"],
                sender_id=data["sender_id"],
                type=data["type"],
                owner=data.get("owner"),
                vendor_account=data.get("vendor_account"),
                notes=data.get("notes", ""),
                actor=request.user,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("Registration of “%(sender)s” in %(country)s created as a draft.")
                % {"sender": registration.sender_id, "country": registration.country},
            )
            return redirect("sms:registration_detail", pk=registration.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "sms/registrations/form.html",
        {"form": form, "countries": COUNTRY_SUGGESTIONS, "section": SECTION},
        status=status,
    )


# --- One registration ------------------------------------------------------------------------
def _status_label(status: str) -> str:
    return str(RegistrationStatus(status).label) if status in RegistrationStatus.values else status


def _detail(
    request: HttpRequest, registration: SenderIdRegistration, *, status: int = 200, **forms: Any
) -> HttpResponse:
    now = clock.now()
    writer = can_write(request.user)
    moves = [
        (move, RegistrationStatus(move).label, actions.ACTION_LABELS[move], move in actions.NOTE_REQUIRED)
        for move in actions.allowed_moves(registration)
    ]
    context = {
        "registration": registration,
        "overdue": actions.is_overdue(registration, now),
        "basis": actions.due_basis(registration),
        "lead_time": actions.lead_time_for(registration.country, registration.type),
        "events": [
            (event, _status_label(event.from_status), _status_label(event.to_status))
            for event in registration.events.select_related("actor__agent_profile")
        ],
        "documents": list(registration.documents.select_related("uploaded_by__agent_profile")),
        "moves": moves if writer else [],
        "can_write": writer,
        "transition_form": forms.get("transition_form") or TransitionForm(),
        "owner_form": forms.get("owner_form") or OwnerForm(initial={"owner": registration.owner}),
        "reference_form": forms.get("reference_form")
        or VendorReferenceForm(initial={"vendor_reference": registration.vendor_reference}),
        "document_form": forms.get("document_form") or DocumentForm(),
        "section": SECTION,
    }
    return render(request, "sms/registrations/detail.html", context, status=status)


@login_required
@require_GET
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, actions.get_registration_for_user(request.user, pk))


def _apply(
    request: HttpRequest,
    registration: SenderIdRegistration,
    form: Any,
    form_key: str,
    run: Callable[[dict[str, Any]], str],
    *,
    default_field: str | None = None,
) -> HttpResponse:
    """The detail page's forms: a valid form runs its action (which returns the success message) and
    goes back to the page; a refused one shows the page again with the errors next to the fields."""
    if form.is_valid():
        try:
            message = run(form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc, default_field=default_field)
        else:
            messages.success(request, message)
            return redirect("sms:registration_detail", pk=registration.pk)
    return _detail(request, registration, status=400, **{form_key: form})


@login_required
@require_POST
def registration_transition(request: HttpRequest, pk: int) -> HttpResponse:
    registration = actions.get_registration_for_user(request.user, pk, write=True)

    def run(data: dict[str, Any]) -> str:
        to_status = data["to_status"]
        actions.transition_registration(
            registration=registration, to_status=to_status, note=data["note"], actor=request.user
        )
        return _("The registration is now “%(status)s”.") % {"status": RegistrationStatus(to_status).label}

    return _apply(request, registration, TransitionForm(request.POST), "transition_form", run)


@login_required
@require_POST
def registration_owner(request: HttpRequest, pk: int) -> HttpResponse:
    registration = actions.get_registration_for_user(request.user, pk, write=True)

    def run(data: dict[str, Any]) -> str:
        actions.assign_registration(registration=registration, owner=data["owner"], actor=request.user)
        return _("Owner saved.")

    return _apply(request, registration, OwnerForm(request.POST), "owner_form", run)


@login_required
@require_POST
def registration_vendor_reference(request: HttpRequest, pk: int) -> HttpResponse:
    registration = actions.get_registration_for_user(request.user, pk, write=True)

    def run(data: dict[str, Any]) -> str:
        actions.set_vendor_reference(registration=registration, reference=data["vendor_reference"], actor=request.user)
        return _("Vendor's reference saved.")

    return _apply(request, registration, VendorReferenceForm(request.POST), "reference_form", run)


@login_required
@require_POST
def registration_document_add(request: HttpRequest, pk: int) -> HttpResponse:
    registration = actions.get_registration_for_user(request.user, pk, write=True)

    def run(data: dict[str, Any]) -> str:
        document = actions.attach_document(registration=registration, upload=data["file"], actor=request.user)
        return _("“%(name)s” attached.") % {"name": document.name}

    return _apply(
        request, registration, DocumentForm(request.POST, request.FILES), "document_form", run, default_field="file"
    )


@login_required
@require_GET
def registration_document(request: HttpRequest, pk: int, document_id: int) -> FileResponse:
    registration = actions.get_registration_for_user(request.user, pk)
    document = get_object_or_404(registration.documents, pk=document_id)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage") from None
    return uploads.serve(handle, filename=document.name, content_type=document.content_type)


# --- Lead times ------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def lead_times(request: HttpRequest) -> HttpResponse:
    """Everyone on the desk sees expected and observed lead times; leads and admins set the expected days."""
    require_staff(request.user)
    lead = is_lead(request.user)
    form = LeadTimeForm(request.POST or None) if lead else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = actions.save_lead_time(
                    country=data["country"],
                    kind=data["type"],
                    expected_days=data["expected_days"],
                    note=data.get("note", ""),
                    actor=request.user,
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Lead time for %(country)s · %(type)s set to %(days)d days.")
                    % {"country": saved.country, "type": saved.get_type_display(), "days": saved.expected_days},
                )
                return redirect("sms:lead_times")
        status = 400
    rows = list(LeadTime.objects.order_by("country", "type"))
    return render(
        request,
        "sms/registrations/lead_times.html",
        {
            "rows": rows,
            "form": form,
            "can_edit": lead,
            "default_days": actions.default_lead_days(),
            "section": "lead_times",
        },
        status=status,
    )
