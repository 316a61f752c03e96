"""Mail problems for leads: failed and ignored inbound mail, the raw message, processing again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.core.access import require_lead
from aftersales.mail import inbound as inbound_mail
from aftersales.mail.models import InboundEmail, InboundState

FILTERS = {
    "problems": (InboundState.FAILED, InboundState.IGNORED),
    "failed": (InboundState.FAILED,),
    "ignored": (InboundState.IGNORED,),
}


@login_required
def problems(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    shown = request.GET.get("state", "problems")
    if shown not in FILTERS:
        shown = "problems"
    rows = (
        InboundEmail.objects.filter(state__in=FILTERS[shown])
        .select_related("mailbox", "ticket")
        .defer("raw")
        .order_by("-received_at", "-pk")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    counts = {
        "failed": InboundEmail.objects.filter(state=InboundState.FAILED).count(),
        "ignored": InboundEmail.objects.filter(state=InboundState.IGNORED).count(),
    }
    return render(
        request,
        "mail/problems.html",
        {"page": page, "shown": shown, "counts": counts, "section": "mail"},
    )


@login_required
def raw(request: HttpRequest, inbound_id: int) -> HttpResponse:
    require_lead(request.user)
    item = get_object_or_404(InboundEmail, pk=inbound_id)
    response = HttpResponse(bytes(item.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="inbound-{item.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def retry(request: HttpRequest, inbound_id: int) -> HttpResponse:
    require_lead(request.user)
    item = get_object_or_404(InboundEmail, pk=inbound_id)
    try:
        inbound_mail.retry(inbound=item, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("mail:problems")
    if item.state == InboundState.PROCESSED and item.ticket is not None:
        messages.success(request, _("Processed: the message is on %(ref)s.") % {"ref": item.ticket.ref})
    elif item.state == InboundState.PROCESSED:  # claimed by another app (core.intake), e.g. a vendor case
        messages.success(request, _("Processed: %(outcome)s") % {"outcome": item.reason})
    else:
        messages.warning(
            request, _("Still %(state)s: %(reason)s") % {"state": item.get_state_display(), "reason": item.reason}
        )
    return redirect("mail:problems")
