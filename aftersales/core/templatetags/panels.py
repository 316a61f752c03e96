"""Template tags that render what other apps registered (core.panels): panel placeholders, sidebar."""

from __future__ import annotations

from typing import Any

from django import template

from aftersales.core import panels

register = template.Library()


@register.inclusion_tag("core/_panel_placeholders.html", takes_context=True)
def panel_placeholders(context: template.Context, page: str, ref: Any) -> dict[str, Any]:
    """One lazy-loaded placeholder per panel of ``page`` the current user may see."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"panels": panels.panels_for(page, user), "ref": str(ref)}


@register.simple_tag
def sidebar_templates() -> list[str]:
    """Templates apps added to the agent sidebar, in order (include each with the page context)."""
    return panels.sidebar_templates()
