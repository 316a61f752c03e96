"""Agent UI for tickets. Each view: access check → form → one action → response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.core import uploads
from aftersales.core.access import can_write, require_staff, require_write
from aftersales.core.pagination import CappedPaginator
from aftersales.customers.forms import agents_queryset
from aftersales.tickets import actions, queries
from aftersales.tickets.access import get_ticket_for_user, tickets_visible_to
from aftersales.tickets.forms import (
    AssignForm,
    NewTicketForm,
    PropertiesForm,
    QueueFilterForm,
    ReplyForm,
    SetCustomerForm,
    StatusForm,
    TicketRefForm,
    contact_choices,
)
from aftersales.tickets.models import Attachment, Status, Ticket


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "boosted", False)


# --- Queue ---------------------------------------------------------------------------------
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    default_view = "mine" if can_write(request.user) else "all"
    view = request.GET.get("view") or default_view
    if view not in queries.QUEUE_VIEW_KEYS:
        view = default_view
    form = QueueFilterForm(request.GET, agents=list(agents_queryset()))
    filters = form.filters()
    search = filters.get("q", "")
    if search and not _is_htmx(request):
        visible = tickets_visible_to(request.user)
        exact = visible.filter(ref=search.strip().upper()).values_list("ref", flat=True).first()
        if exact:
            return redirect("tickets:detail", ref=exact)
    paginator = CappedPaginator(queries.queue_queryset(request.user, view, filters), settings.QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "queue_page": True,
        "queue_view": view,
        "queue_view_label": next(item.label for item in queries.QUEUE_VIEWS if item.key == view),
        "form": form,
        "page": page,
        "paginator": paginator,
        "search_query": search,
        "filtered": form.active_count() > 0 or bool(search),
    }
    if _is_htmx(request):
        return render(request, "tickets/_queue_list.html", context)
    context["queue_counts"] = queries.queue_counts(request.user)
    return render(request, "tickets/queue.html", context)


# --- Ticket page ---------------------------------------------------------------------------
def _ticket_context(request: HttpRequest, ticket: Ticket, forms: dict[str, Any]) -> dict[str, Any]:
    user = request.user
    timeline = queries.timeline(ticket)
    context: dict[str, Any] = {
        "ticket": ticket,
        "timeline": timeline,
        "show_description": queries.description_adds_something(ticket, timeline),
        "tags": list(ticket.tags.all()),
        "linked": queries.linked_tickets(ticket),
        "merged_from": queries.merged_from(ticket),
        "other_open": queries.other_open_tickets(ticket, user),
        "contacts": list(ticket.customer.contacts.all()) if ticket.customer_id else [],  # type: ignore[union-attr]
        "subaccounts": list(ticket.customer.subaccounts.all()) if ticket.customer_id else [],  # type: ignore[union-attr]
    }
    if can_write(user):
        tag_text = ", ".join(tag.name for tag in context["tags"])
        status_form = StatusForm(initial={"status": ticket.status})
        if ticket.status != Status.NEW:
            status_form.fields["status"].choices = [  # type: ignore[attr-defined]
                choice for choice in Status.choices if choice[0] != Status.NEW
            ]
        context.update({
            "reply_form": ReplyForm() if ticket.merged_into_id is None else None,  # (write where it went)
            "status_form": status_form,
            "assign_form": AssignForm(initial={"owner": ticket.owner_id, "team": ticket.team_id}),
            "properties_form": PropertiesForm(initial={
                "subject": ticket.subject, "priority": ticket.priority,
                "category": ticket.category_id, "tags": tag_text,
            }),
            "customer_form": SetCustomerForm() if ticket.customer_id is None else None,
            "merge_form": TicketRefForm(prefix="merge"),
            "link_form": TicketRefForm(prefix="link"),
        })
        context.update(forms)
    return context


@login_required
def ticket_detail(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref)
    return render(request, "tickets/detail.html", _ticket_context(request, ticket, {}))


def _run(
    request: HttpRequest, ticket: Ticket, form_name: str, form: Any, action: Callable[[dict[str, Any]], Any]
) -> HttpResponse:
    """Validate ``form``, call ``action`` once; on success redirect, else show the page with the error by the form."""
    if form.is_valid():
        try:
            outcome = action(form.cleaned_data)
        except ValidationError as exc:
            for text in exc.messages:
                form.add_error(None, text)
        else:
            if isinstance(outcome, HttpResponse):
                return outcome
            if outcome:
                messages.success(request, outcome)
            return redirect("tickets:detail", ref=ticket.ref)
    response = render(request, "tickets/detail.html", _ticket_context(request, ticket, {form_name: form}), status=400)
    return response


@require_POST
@login_required
def reply(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref, write=True)

    def act(data: dict[str, Any]) -> str:
        if data["kind"] == "note":
            actions.add_note(ticket=ticket, body=data["body"], actor=request.user, attachments=data["attachments"])
            return _("Internal note added.")
        actions.record_reply(ticket=ticket, body=data["body"], actor=request.user, attachments=data["attachments"],
                             status=data.get("status") or None, resolution=form.resolution())
        return _("Reply added to the ticket.")

    form = ReplyForm(request.POST, request.FILES)
    return _run(request, ticket, "reply_form", form, act)


@require_POST
@login_required
def change_status(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref, write=True)

    def act(data: dict[str, Any]) -> str:
        actions.change_status(ticket=ticket, status=data["status"], actor=request.user, resolution=form.resolution())
        return _("Status is now %(status)s.") % {"status": Status(data["status"]).label}

    form = StatusForm(request.POST)
    return _run(request, ticket, "status_form", form, act)


@require_POST
@login_required
def assign(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref, write=True)

    def act(data: dict[str, Any]) -> str:
        actions.assign_ticket(ticket=ticket, owner=data["owner"], team=data["team"], actor=request.user)
        return _("Assignment saved.")

    return _run(request, ticket, "assign_form", AssignForm(request.POST), act)


@require_POST
@login_required
def assign_to_me(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref, write=True)
    try:
        actions.assign_ticket(ticket=ticket, owner=request.user, actor=request.user)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("The ticket is yours now."))
    return redirect("tickets:detail", ref=ticket.ref)


@require_POST
@login_required
def update_properties(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref, write=True)

    def act(data: dict[str, Any]) -> str:
        changed = actions.update_ticket(ticket=ticket, actor=request.user, subject=data["subject"],
                                        priority=data["priority"], category=data["category"], tags=data["tags"])
        return _("Ticket updated.") if changed else _("Nothing changed.")

    return _run(request, ticket, "properties_form", PropertiesForm(request.POST), act)


@require_POST
@login_required
def set_customer(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref, write=True)

    def act(data: dict[str, Any]) -> str:
        actions.set_customer(ticket=ticket, customer=data["customer"], actor=request.user)
        return _("Customer set to %(name)s.") % {"name": data["customer"].name}

    return _run(request, ticket, "customer_form", SetCustomerForm(request.POST), act)


def _other_ticket(request: HttpRequest, ref: str) -> Ticket:
    try:
        return get_ticket_for_user(request.user, ref)
    except Http404:
        raise ValidationError(_("There is no ticket %(ref)s.") % {"ref": ref}) from None


@require_POST
@login_required
def merge(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref, write=True)

    def act(data: dict[str, Any]) -> HttpResponse:
        target = actions.merge_tickets(source=ticket, target=_other_ticket(request, data["ref"]), actor=request.user)
        messages.success(request, _("%(source)s was merged into this ticket.") % {"source": ticket.ref})
        return redirect("tickets:detail", ref=target.ref)

    return _run(request, ticket, "merge_form", TicketRefForm(request.POST, prefix="merge"), act)


@require_POST
@login_required
def link(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref, write=True)

    def act(data: dict[str, Any]) -> str:
        other = _other_ticket(request, data["ref"])
        actions.link_tickets(ticket=ticket, other=other, actor=request.user)
        return _("Linked to %(ref)s.") % {"ref": other.ref}

    return _run(request, ticket, "link_form", TicketRefForm(request.POST, prefix="link"), act)


@login_required
def attachment(request: HttpRequest, ref: str, attachment_id: int) -> FileResponse:
    ticket = get_ticket_for_user(request.user, ref)
    item = get_object_or_404(Attachment, pk=attachment_id, message__ticket=ticket)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage") from None
    return uploads.serve(handle, filename=item.filename, content_type=item.content_type)


# --- New ticket ----------------------------------------------------------------------------
@login_required
def new_ticket_contacts(request: HttpRequest) -> HttpResponse:
    """The contact list's options for the customer chosen on the new-ticket form (htmx)."""
    require_write(request.user)
    return render(request, "tickets/_contact_options.html", {"choices": contact_choices(request.GET.get("customer"))})


@login_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    if request.method == "POST":
        form = NewTicketForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = actions.open_ticket(
                    subject=data["subject"], channel=data["channel"], actor=request.user,
                    description=data["description"], customer=data["customer"], contact=data["contact"],
                    category=data["category"], priority=data["priority"], owner=data["owner"], tags=data["tags"],
                    from_customer=True,
                )
            except ValidationError as exc:
                for text in exc.messages:
                    form.add_error(None, text)
            else:
                messages.success(request, _("Ticket %(ref)s opened.") % {"ref": ticket.ref})
                return redirect("tickets:detail", ref=ticket.ref)
        return render(request, "tickets/new.html", {"form": form, "section": "new"}, status=400)
    form = NewTicketForm(initial={"owner": request.user.pk, "channel": "phone"})
    return render(request, "tickets/new.html", {"form": form, "section": "new"})

