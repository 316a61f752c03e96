"""Formatting shared by the dashboards and the review: business seconds as hours, shares as percents."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def hours(seconds: float | int | None) -> str:
    """Business seconds as hours with one decimal ("3.2 h"); "—" when there is no value."""
    if seconds is None:
        return "—"
    return _("%(hours)s h") % {"hours": number_format(round(float(seconds) / 3600, 1), 1)}


@register.filter
def percent(value: float | int | None) -> str:
    """A share already in percent (41.0) as "41%"; one decimal under 10 ("4.5%")."""
    if value is None:
        return "—"
    digits = 1 if abs(float(value)) < 10 and float(value) != int(value) else 0
    return _("%(percent)s%%") % {"percent": number_format(round(float(value), digits), digits)}


@register.filter
def number(value: float | int | None) -> str:
    """A count with thousands grouping ("12,345"); "—" when there is no value."""
    if value is None:
        return "—"
    return number_format(value, 0 if float(value) == int(value) else 1, force_grouping=True)


@register.filter
def delta(current: int | None, previous: int | None) -> str:
    """The change from ``previous`` to ``current`` with its sign ("+12", "−3", "±0")."""
    if current is None or previous is None:
        return ""
    change = int(current) - int(previous)
    if change == 0:
        return "±0"
    sign = "+" if change > 0 else "−"
    return f"{sign}{number_format(abs(change), 0, force_grouping=True)}"


@register.simple_tag
def fig(figure: Any, text: Any = None, testid: str = "") -> SafeString:
    """A number and the tickets behind it: ``<a href="link" data-count="count">text</a>``.

    ``text`` is what is shown (a formatted median, a percent); by default the figure's own value."""
    shown = number(figure.value) if text is None else text
    if testid:
        return format_html('<a href="{}" data-count="{}" data-testid="{}">{}</a>', figure.link, figure.count,
                           testid, shown)
    return format_html('<a href="{}" data-count="{}">{}</a>', figure.link, figure.count, shown)
