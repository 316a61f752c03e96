"""``{% colon %}`` after a label: ": " in English, "：" in Chinese (a full-width colon takes no space).

    {% translate "Owner" %}{% colon %}{{ owner }}   →   Owner: Li Heping  /  负责人：李和平
"""

from __future__ import annotations

from django import template
from django.utils.translation import pgettext_lazy

register = template.Library()

SEPARATOR = pgettext_lazy("label separator", ": ")


@register.simple_tag
def colon() -> str:
    return str(SEPARATOR)
