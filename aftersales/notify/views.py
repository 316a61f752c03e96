"""The signed-in person's notifications: list, mark one read (and follow it), mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.core.access import require_staff
from aftersales.notify import actions, queries

PAGE_SIZE = 50


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    paginator = Paginator(queries.notifications_of(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "notify/list.html",
        {
            "page": page,
            "paginator": paginator,
            "section": "notifications",
            "unread": queries.unread_count(request.user),
        },
    )


@require_POST
@login_required
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    require_staff(request.user)
    notification = actions.mark_read(user=request.user, notification_id=notification_id)
    if notification is None:
        raise Http404
    target = notification.url if request.POST.get("follow") else ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notify:list")


@require_POST
@login_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    count = actions.mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications marked read."))
    return redirect("notify:list")
