"""Punctuation around a label or an aside, in the page's language.

    {% translate "Owner" %}{% colon %}{{ owner }}   →   Owner: Li Heping  /  负责人：李和平
    {{ since|naturaltime|paren }}                   →   (2 days ago)  /  （2 天前）
"""

from __future__ import annotations

from django import template
from django.utils.translation import pgettext_lazy

register = template.Library()

SEPARATOR = pgettext_lazy("label separator", ": ")
BRACKETS = pgettext_lazy("brackets around an aside", "(%(text)s)")


@register.simple_tag
def colon() -> str:
    return str(SEPARATOR)


@register.filter
def paren(value: object) -> str:
    """``value`` in brackets: (…) in English, full-width （…） in Chinese (escaped as any value)."""
    return str(BRACKETS) % {"text": value}
