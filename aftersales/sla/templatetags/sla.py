from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def business_duration(value: dt.timedelta | None) -> str:
    """A target as "4h", "30m", "27h 30m" (business time)."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(hours)dh %(minutes)dm") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)dh") % {"hours": hours}
    return _("%(minutes)dm") % {"minutes": minutes}
