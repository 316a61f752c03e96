"""Rating a resolved ticket in the portal (CSAT, issue 8); the rules live in ``feedback.csat``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.customers.models import Contact
from aftersales.feedback.csat import CsatError
from aftersales.feedback.csat_portal import rate_in_portal
from aftersales.portal.access import get_portal_ticket
from aftersales.portal.views import portal_view


@portal_view
@require_POST
def rate(request: HttpRequest, contact: Contact, ref: str) -> HttpResponse:
    ticket = get_portal_ticket(contact, ref)
    try:
        rate_in_portal(
            contact=contact, ticket=ticket, rating=request.POST.get("rating"), comment=request.POST.get("comment", "")
        )
    except CsatError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you! Your rating is saved."))
    return redirect("portal:detail", ticket.ref)
