"""A customer's data on request, from the customer page: export (a zip download) and erasure.

Admins only (403 for everyone else). Both reuse the CLI's functions (``exporting.export_customer``,
``erasing.plan`` / ``erasing.erase``), so the web and ``aftersales customer-export`` /
``customer-erase`` write the same zip and the same audit entries; here the actor is the admin.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from aftersales.core import clock
from aftersales.core.access import require_admin
from aftersales.customers.access import get_customer_for_user
from aftersales.privacy.erasing import erase, plan
from aftersales.privacy.exporting import export_customer
from aftersales.privacy.forms import EraseConfirmForm

# What each count of ``erasing.Erasure`` means, for the confirmation page.
ERASURE_LABELS = {
    "customers": gettext_lazy("Accounts (this one and its sub-accounts): renamed, notes and mail domains blanked"),
    "contacts": gettext_lazy("Contacts: name, e-mail, phone and IM handles blanked"),
    "portal_users": gettext_lazy("Portal sign-ins: disabled"),
    "tickets": gettext_lazy("Tickets: description erased"),
    "messages": gettext_lazy("Messages and notes: text erased"),
    "attachments": gettext_lazy("Attachments: deleted with their files"),
    "raw_emails": gettext_lazy("Raw inbound e-mails: emptied"),
    "raw_chats": gettext_lazy("Raw chat requests: emptied"),
    "outbound_emails": gettext_lazy("Copies of sent e-mails: emptied"),
    "checkins": gettext_lazy("Check-ins: notes blanked"),
    "ratings": gettext_lazy("Satisfaction ratings: comments blanked"),
}


@require_GET
@login_required
def customer_export(request: HttpRequest, code: str) -> FileResponse:
    """The zip of ``aftersales customer-export``, downloaded; audited as ``privacy.customer_export``."""
    require_admin(request.user)
    customer = get_customer_for_user(request.user, code)
    filename = f"{customer.code}-data-{clock.now():%Y%m%d-%H%M%S}.zip"
    folder = Path(tempfile.mkdtemp(prefix="aftersales-export-"))
    try:
        target = folder / filename
        export_customer(customer.code, target, actor=request.user)
        handle = target.open("rb")  # the open file outlives its directory entry: nothing is left on disk
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type="application/zip")
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def customer_erase(request: HttpRequest, code: str) -> HttpResponse:
    """GET: what would be erased, counted, and the form; POST with the right code: erase, then back
    to the customer page with a message. A wrong code erases nothing (400, the form says why)."""
    require_admin(request.user)
    customer = get_customer_for_user(request.user, code)
    form = EraseConfirmForm(request.POST or None, expected_code=customer.code)
    if request.method == "POST" and form.is_valid():
        erased = erase(customer.code, actor=request.user)
        messages.success(request, _(
            "The personal data of %(code)s was erased (contacts: %(contacts)d, tickets: %(tickets)d, "
            "messages: %(messages)d). The audit entry is kept."
        ) % {"code": customer.code, "contacts": erased.contacts, "tickets": erased.tickets,
             "messages": erased.messages})
        return redirect("customers:detail", code=customer.code)
    _customer, counts = plan(customer.code)
    rows = [(name, ERASURE_LABELS[name], count) for name, count in asdict(counts).items()]
    return render(request, "privacy/erase.html", {
        "customer": customer, "form": form, "rows": rows, "section": "customers",
        "subaccounts": customer.subaccounts.order_by("code"),  # what customer_family erases with it
    }, status=400 if request.method == "POST" else 200)
