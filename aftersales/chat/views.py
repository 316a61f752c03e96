"""The chat webhook (``/hooks/chat/<slug>``) and the lead pages for channels and IM targets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from aftersales.chat import actions, inbound
from aftersales.chat.access import can_configure, require_configurer, require_reader
from aftersales.chat.forms import ChannelForm, TargetForm
from aftersales.chat.models import ChatChannel, ChatInbound, ImTarget, InboundState
from aftersales.core.forms import attach_errors, show_secret_state

MAX_BODY = 1_048_576  # 1 MB: chat messages carry attachment links, not files


@csrf_exempt
def webhook(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method != "POST":
        return JsonResponse({"error": "method_not_allowed", "detail": "POST a signed JSON body."}, status=405)
    channel = ChatChannel.objects.filter(slug=slug, is_active=True).first()
    if channel is None:
        return JsonResponse({"error": "unknown_channel", "detail": "No active channel with this address."}, status=404)
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY:
        return JsonResponse({"error": "too_large", "detail": "The body is larger than 1 MB."}, status=413)
    outcome = inbound.receive(channel, request.body, request.headers.get("X-Signature", ""))
    return JsonResponse(outcome.body, status=outcome.status, json_dumps_params={"ensure_ascii": False})


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    require_reader(request.user)
    configurer = can_configure(request.user)
    channels = list(
        ChatChannel.objects.select_related("customer", "team").annotate(
            failed=Count("inbound", filter=Q(inbound__state=InboundState.FAILED))
        )
    )
    targets = list(ImTarget.objects.select_related("team"))
    recent = (
        list(
            ChatInbound.objects.exclude(state=InboundState.PROCESSED)
            .select_related("channel")
            .defer("raw")
            .order_by("-received_at", "-id")[:20]
        )
        if configurer
        else []
    )
    return render(request, "chat/overview.html", {
        "channels": channels,
        "targets": [(target, actions.last_deliveries(target, 1)) for target in targets],
        "recent": recent,
        "can_configure": configurer,
        "section": "chat",
        "hook_base": settings.SITE_URL.rstrip("/") + "/hooks/chat/",
    })


@login_required
def channel_create(request: HttpRequest) -> HttpResponse:
    require_configurer(request.user)
    return _channel_form(request, None)


@login_required
def channel_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    require_configurer(request.user)
    return _channel_form(request, get_object_or_404(ChatChannel, pk=channel_id))


def _channel_form(request: HttpRequest, channel: ChatChannel | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if channel is not None:
        initial = {
            "name": channel.name, "slug": channel.slug, "kind": channel.kind, "customer": channel.customer_id,
            "team": channel.team_id, "is_active": channel.is_active,
        }
    form = ChannelForm(request.POST or None, initial=initial)
    show_secret_state(form, "secret", bool(channel is not None and channel.secret))
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_channel(actor=request.user, channel=channel, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Saved chat channel “%(name)s”.") % {"name": saved.name})
            return redirect("chat:overview")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "chat/channel_form.html", {"form": form, "channel": channel, "section": "chat"}, status=status
    )


@login_required
def target_create(request: HttpRequest) -> HttpResponse:
    require_configurer(request.user)
    return _target_form(request, None)


@login_required
def target_edit(request: HttpRequest, target_id: int) -> HttpResponse:
    require_configurer(request.user)
    return _target_form(request, get_object_or_404(ImTarget, pk=target_id))


def _target_form(request: HttpRequest, target: ImTarget | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if target is not None:
        initial = {
            "name": target.name, "kind": target.kind, "team": target.team_id,
            "events": target.events, "language": target.language, "is_active": target.is_active,
        }
    form = TargetForm(request.POST or None, initial=initial)
    # The address carries the robot's key: write-only like the secret, kept when left empty on edit.
    if target is not None:
        form.fields["url"].required = False
        form.fields["url"].help_text = _("Leave empty to keep the current address.")
        show_secret_state(form, "url", bool(target.url))
    show_secret_state(form, "secret", bool(target is not None and target.secret))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if target is not None and not data.get("url"):
            data["url"] = target.url
        try:
            saved = actions.save_target(actor=request.user, target=target, **data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Saved IM target “%(name)s”.") % {"name": saved.name})
            return redirect("chat:overview")
    status = 400 if request.method == "POST" else 200
    deliveries = actions.last_deliveries(target) if target is not None else []
    return render(
        request,
        "chat/target_form.html",
        {"form": form, "target": target, "deliveries": deliveries, "section": "chat"},
        status=status,
    )


@login_required
@require_POST
def target_test(request: HttpRequest, target_id: int) -> HttpResponse:
    require_configurer(request.user)
    target = get_object_or_404(ImTarget, pk=target_id)
    actions.send_test(actor=request.user, target=target)
    messages.success(
        request,
        _("A test message for “%(name)s” is on its way; its delivery state is listed below.") % {"name": target.name},
    )
    return redirect("chat:target_edit", target_id=target.pk)


@login_required
@require_POST
def target_delete(request: HttpRequest, target_id: int) -> HttpResponse:
    require_configurer(request.user)
    target = get_object_or_404(ImTarget, pk=target_id)
    name = target.name
    actions.delete_target(actor=request.user, target=target)
    messages.success(request, _("Deleted IM target “%(name)s”.") % {"name": name})
    return redirect("chat:overview")
