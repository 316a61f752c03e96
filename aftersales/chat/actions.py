"""Writes to chat configuration: validated, audited, one transaction each. Secrets never
appear in the audit trail (only whether one was set or changed)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.chat import outbox
from aftersales.chat.access import require_configurer
from aftersales.chat.models import ChatChannel, ImEvent, ImKind, ImTarget
from aftersales.core import clock
from aftersales.notify.models import Delivery


def _channel_snapshot(channel: ChatChannel) -> dict[str, Any]:
    return {
        "slug": channel.slug, "name": channel.name, "kind": channel.kind, "customer": channel.customer_id,
        "team": channel.team_id, "is_active": channel.is_active,
    }


def _target_snapshot(target: ImTarget) -> dict[str, Any]:
    return {
        "name": target.name, "kind": target.kind, "team": target.team_id, "events": target.events,
        "language": target.language, "is_active": target.is_active, "signed": bool(target.secret),
    }


def save_channel(
    *,
    actor: Any,
    channel: ChatChannel | None = None,
    name: str,
    slug: str,
    kind: str,
    secret: str = "",
    customer: Any = None,
    team: Any = None,
    is_active: bool = True,
) -> ChatChannel:
    """Create (``channel`` None) or update a chat channel. An empty ``secret`` keeps the current one."""
    if actor is not None:
        require_configurer(actor)
    if kind not in ImKind.values:
        raise ValidationError({"kind": _("Choose an IM from the list.")})
    with transaction.atomic():
        before = _channel_snapshot(channel) if channel is not None else {}
        taken = ChatChannel.objects.filter(slug=slug)
        if channel is not None:
            taken = taken.exclude(pk=channel.pk)
        if taken.exists():
            raise ValidationError({"slug": _("Another channel already uses “%(slug)s”.") % {"slug": slug}})
        if channel is None:
            if len(secret or "") < 16:
                raise ValidationError({"secret": _("A new channel needs a signing secret of at least 16 characters.")})
            channel = ChatChannel(created_at=clock.now())
        elif secret and len(secret) < 16:
            raise ValidationError({"secret": _("The signing secret must be at least 16 characters.")})
        secret_changed = bool(secret)
        channel.name, channel.slug, channel.kind = name.strip(), slug, kind
        channel.customer, channel.team, channel.is_active = customer, team, is_active
        if secret:
            channel.secret = secret
        channel.save()
        after = {**_channel_snapshot(channel), "secret_changed": secret_changed}
        audit(actor=actor, action="chat.channel.save", obj=channel, before=before, after=after)
    return channel


def save_target(
    *,
    actor: Any,
    target: ImTarget | None = None,
    name: str,
    kind: str,
    url: str,
    secret: str = "",
    clear_secret: bool = False,
    team: Any = None,
    events: list[str] | None = None,
    language: str = "zh-hans",
    is_active: bool = True,
) -> ImTarget:
    """Create (``target`` None) or update an IM target. An empty ``secret`` keeps the current one."""
    if actor is not None:
        require_configurer(actor)
    if kind not in ImKind.values:
        raise ValidationError({"kind": _("Choose a kind from the list.")})
    if not url.startswith(("https://", "http://")):
        raise ValidationError({"url": _("Enter the webhook's http(s) address.")})
    chosen = [event for event in ImEvent.values if event in (events or [])]
    with transaction.atomic():
        before = _target_snapshot(target) if target is not None else {}
        if target is None:
            target = ImTarget(created_at=clock.now())
        target.name, target.kind, target.url = name.strip(), kind, url.strip()
        target.team, target.events, target.language, target.is_active = team, chosen, language, is_active
        if clear_secret:
            target.secret = ""
        elif secret:
            target.secret = secret
        target.save()
        audit(actor=actor, action="chat.target.save", obj=target, before=before, after=_target_snapshot(target))
    return target


def delete_target(*, actor: Any, target: ImTarget) -> None:
    require_configurer(actor)
    with transaction.atomic():
        audit(actor=actor, action="chat.target.delete", obj=target, before=_target_snapshot(target))
        target.delete()


def send_test(*, actor: Any, target: ImTarget) -> Delivery | None:
    """Queue a test message for ``target`` through the outbox (retried like any notice)."""
    require_configurer(actor)
    with transaction.atomic():
        delivery = outbox.queue(
            target,
            event="test",
            recipient=actor,
            key=f"test:{clock.now().timestamp()}",
            title=lambda: _("Test message from the after-sales desk"),
            body=lambda: _("If you can read this in “%(name)s”, notices will arrive here.") % {"name": target.name},
        )
        audit(actor=actor, action="chat.target.test", obj=target, after={"delivery": delivery.pk if delivery else None})
    return delivery


def last_deliveries(target: ImTarget, limit: int = 5) -> list[Delivery]:
    return list(
        Delivery.objects.filter(im__target=target).select_related("notification").order_by("-id")[:limit]
    )
