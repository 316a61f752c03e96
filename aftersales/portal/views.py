"""The customer portal. Every view: who is the contact → what may they see (portal.access) → form → action."""

from __future__ import annotations

import contextlib
import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aftersales.core import uploads
from aftersales.customers.models import Contact
from aftersales.feedback.csat_portal import portal_context as csat_context
from aftersales.knowledge import queries as knowledge
from aftersales.portal import actions, tokens
from aftersales.portal.access import (
    can_close,
    contact_for,
    get_portal_attachment,
    get_portal_ticket,
    portal_tickets_for,
    public_messages,
    require_contact,
)
from aftersales.portal.forms import EmailForm, NewTicketForm, PasswordSignInForm, ReplyForm
from aftersales.tickets.actions import TicketActionError
from aftersales.tickets.models import CUSTOMER_WORDS, DONE_STATUSES, OPEN_STATUSES

PAGE_SIZE = 20
PortalView = Callable[..., HttpResponseBase]


def portal_view(view: PortalView) -> PortalView:
    """Signed out → the portal sign-in; signed in without a contact (a desk user) → 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?{urlencode({'next': request.get_full_path()})}")
        contact = require_contact(request.user)
        # Times in the customer's own timezone (the middleware resets it after the response).
        with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(contact.customer.timezone))
        return view(request, contact, *args, **kwargs)

    return wrapper


def _sign_in(request: HttpRequest, contact: Contact, user: User) -> HttpResponse:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = ""
    if not target.startswith("/portal/"):
        target = reverse("portal:tickets")
    response = HttpResponseRedirect(target)
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and contact.language:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, contact.language, samesite="Lax")
    return response


def _link_builder(request: HttpRequest, name: str) -> Callable[[str], str]:
    return lambda token: request.build_absolute_uri(reverse(name, args=[token]))


# --- Signing in ------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """The portal's front door: a one-time email link, or email and password."""
    if contact_for(request.user) is not None:
        return redirect("portal:tickets")
    link_form = EmailForm(prefix="link")
    password_form = PasswordSignInForm(prefix="pw")
    status = 200
    if request.method == "POST":
        password_form = PasswordSignInForm(request.POST, prefix="pw")
        if password_form.is_valid():
            signed_in = _password_sign_in(request, **password_form.cleaned_data)
            if signed_in is not None:
                return signed_in
            password_form.add_error(None, _("That email address and password do not match."))
        status = 400
    context = {"link_form": link_form, "password_form": password_form, "next": request.GET.get("next", "")}
    return render(request, "portal/login.html", context, status=status)


def _password_sign_in(request: HttpRequest, *, email: str, password: str) -> HttpResponse | None:
    for contact in actions.contacts_with_email(email):
        user = contact.portal_user
        if user is None or not user.has_usable_password():
            continue
        # Through authenticate() so wrong guesses count towards the lockout like on the desk.
        authenticated = authenticate(request, username=user.get_username(), password=password)
        if authenticated is not None:
            return _sign_in(request, contact, user)
    return None


@require_POST
def request_link(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST, prefix="link")
    if not form.is_valid():
        context = {"link_form": form, "password_form": PasswordSignInForm(prefix="pw"), "next": ""}
        return render(request, "portal/login.html", context, status=400)
    actions.send_sign_in_link(email=form.cleaned_data["email"], build_url=_link_builder(request, "portal:link"))
    # The same answer whether or not the address is known: the page reveals no customer.
    return render(request, "portal/link_sent.html", {"email": form.cleaned_data["email"]})


@require_http_methods(["GET", "POST"])
def link_sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST spends the link (mail scanners open links, they don't post)."""
    contact = tokens.read_token(token, tokens.SIGN_IN)
    if contact is None:
        return render(request, "portal/link_invalid.html", status=400)
    if request.method == "POST":
        user = actions.ensure_portal_user(contact)
        return _sign_in(request, contact, user)
    return render(request, "portal/link_confirm.html", {"contact": contact})


@require_http_methods(["GET", "POST"])
def password_request(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None, prefix="pw-request")
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "portal/password_request.html", {"form": form}, status=400)
        actions.send_password_link(
            email=form.cleaned_data["email"], build_url=_link_builder(request, "portal:password_set")
        )
        return render(request, "portal/link_sent.html", {"email": form.cleaned_data["email"], "password": True})
    return render(request, "portal/password_request.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_set(request: HttpRequest, token: str) -> HttpResponse:
    contact = tokens.read_token(token, tokens.SET_PASSWORD)
    if contact is None:
        return render(request, "portal/link_invalid.html", status=400)
    # Validated against a stand-in user, so opening the link writes nothing.
    stand_in = contact.portal_user or User(username=contact.email, email=contact.email, first_name=contact.name)
    form = SetPasswordForm(stand_in, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = actions.set_portal_password(contact=contact, password=form.cleaned_data["new_password1"])
            messages.success(request, _("Your password is set. Next time, sign in with your email and password."))
            return _sign_in(request, contact, user)
        return render(request, "portal/password_set.html", {"form": form, "contact": contact}, status=400)
    return render(request, "portal/password_set.html", {"form": form, "contact": contact})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:login")


# --- Tickets ---------------------------------------------------------------------------------
@portal_view
def ticket_list(request: HttpRequest, contact: Contact) -> HttpResponse:
    show = request.GET.get("show", "all")
    tickets = portal_tickets_for(contact).select_related("customer").order_by("-updated_at", "-pk")
    if show == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif show == "done":
        tickets = tickets.filter(status__in=DONE_STATUSES)
    else:
        show = "all"
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "contact": contact,
        "page": page,
        "show": show,
        "has_subaccounts": contact.customer.parent_id is None and contact.customer.subaccounts.exists(),
    }
    return render(request, "portal/tickets.html", context)


@portal_view
@require_http_methods(["GET", "POST"])
def new_ticket(request: HttpRequest, contact: Contact) -> HttpResponse:
    form = NewTicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = actions.open_portal_ticket(
                    contact=contact, subject=data["subject"], body=data["body"], attachments=data["attachments"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Thank you. We have your request %(ref)s.") % {"ref": ticket.ref})
                return redirect("portal:detail", ticket.ref)
        return render(request, "portal/new.html", {"contact": contact, "form": form}, status=400)
    return render(request, "portal/new.html", {"contact": contact, "form": form})


def _detail(
    request: HttpRequest, contact: Contact, ref: str, form: ReplyForm | None = None, status: int = 200
) -> HttpResponse:
    ticket = get_portal_ticket(contact, ref)
    context = {
        "contact": contact,
        "ticket": ticket,
        "description": ticket.description if ticket.channel in CUSTOMER_WORDS else "",
        "entries": public_messages(ticket),
        "form": form or ReplyForm(),
        "can_close": can_close(contact, ticket),
        "is_closed": ticket.status == "closed",
        # Merged away: point on only if the contact may see where the conversation went.
        "continues_in": portal_tickets_for(contact).filter(pk=ticket.merged_into_id).first()
        if ticket.merged_into_id
        else None,
        **csat_context(contact, ticket),  # "Rate this ticket" (issue 8)
    }
    return render(request, "portal/detail.html", context, status=status)


@portal_view
def ticket_detail(request: HttpRequest, contact: Contact, ref: str) -> HttpResponse:
    return _detail(request, contact, ref)


@portal_view
@require_POST
def reply(request: HttpRequest, contact: Contact, ref: str) -> HttpResponse:
    ticket = get_portal_ticket(contact, ref)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            data = form.cleaned_data
            actions.reply_in_portal(contact=contact, ticket=ticket, body=data["body"], attachments=data["attachments"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect("portal:detail", ticket.ref)
    return _detail(request, contact, ref, form=form, status=400)


@portal_view
@require_POST
def close(request: HttpRequest, contact: Contact, ref: str) -> HttpResponse:
    ticket = get_portal_ticket(contact, ref)
    try:
        actions.close_in_portal(contact=contact, ticket=ticket)
    except TicketActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The ticket is closed. Thank you."))
    return redirect("portal:detail", ticket.ref)


@portal_view
def attachment(request: HttpRequest, contact: Contact, ref: str, attachment_id: int) -> FileResponse:
    item = get_portal_attachment(contact, ref, attachment_id)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage") from None
    return uploads.serve(handle, filename=item.filename, content_type=item.content_type)


# --- Help articles (issue 5) -----------------------------------------------------------------
# Published public articles only (knowledge.queries decides); open to anyone, signed in or not.
# Shown in the portal's language, which starts as the contact's language when they sign in.
HELP_LANGUAGES = ("zh-hans", "en")


def _help_language(request: HttpRequest) -> str:
    wanted = request.GET.get("language", "")
    return wanted if wanted in HELP_LANGUAGES else (get_language() or "en")


def help_list(request: HttpRequest) -> HttpResponse:
    language = _help_language(request)
    q = (request.GET.get("q") or "").strip()[:200]
    context: dict[str, Any] = {"contact": contact_for(request.user), "q": q, "help_page": True}
    if q:
        total, results = knowledge.search_public(q, language, per_page=PAGE_SIZE)
        context.update(results=results, total=total)
    else:
        page = Paginator(knowledge.public_articles(language), PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(page=page)
    return render(request, "portal/help_list.html", context)


def help_article(request: HttpRequest, slug: str) -> HttpResponse:
    article = knowledge.get_public_article(slug, _help_language(request))
    return render(request, "portal/help_article.html", {
        "contact": contact_for(request.user), "article": article, "help_page": True,
    })
