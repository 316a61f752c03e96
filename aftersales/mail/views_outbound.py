"""Sending a failed reply again, from the ticket page (agents who may write to the ticket)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.mail import outbound as outbound_mail
from aftersales.mail.models_outbound import OutboundEmail, OutboundState
from aftersales.tickets.access import get_ticket_for_user


@require_POST
@login_required
def retry(request: HttpRequest, outbound_id: int) -> HttpResponse:
    row = get_object_or_404(OutboundEmail.objects.select_related("ticket_message__ticket"), pk=outbound_id)
    ticket = get_ticket_for_user(request.user, row.ticket_message.ticket.ref, write=True)
    if row.state != OutboundState.FAILED:
        messages.info(request, _("This reply has not failed; nothing to do."))
    elif outbound_mail.retry(row, actor=request.user):
        messages.success(request, _("The reply will be sent again."))
    else:
        messages.error(request, _("The ticket's contact has no email address. Add one, then try again."))
    return redirect("tickets:detail", ref=ticket.ref)
