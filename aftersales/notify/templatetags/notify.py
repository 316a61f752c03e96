from __future__ import annotations

from django import template

from aftersales.notify.queries import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    """The signed-in person's unread notifications (one COUNT query)."""
    request = context.get("request")
    return unread_count(getattr(request, "user", None))
