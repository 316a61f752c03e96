"""The audit log's filters: who, what kind of object, which action, between which days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.audit.models import AuditEntry
from aftersales.core.forms import DatePicker


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who"), required=False, max_length=150,
                            help_text=_("A username, or “system”."))
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    action = forms.CharField(label=_("Action"), required=False, max_length=80,
                             help_text=_("The start of an action, e.g. customer. or customer.update."))
    date_from = forms.DateField(label=pgettext_lazy("date range", "From"), required=False,
                                widget=DatePicker())  # fmt: skip
    date_to = forms.DateField(label=pgettext_lazy("date range", "To"), required=False,
                              widget=DatePicker(),
                              help_text=_("Included."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types = AuditEntry.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
        self.fields["object_type"].choices = [("", _("Any"))] + [(t, t) for t in types if t]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end is before the start."))
        return data

    def filter(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        if not self.is_bound or not self.is_valid():
            return entries
        data = self.cleaned_data
        if data["actor"]:
            actor = data["actor"].strip()
            entries = entries.filter(Q(actor_label__iexact=actor) | Q(actor__username__iexact=actor))
        if data["object_type"]:
            entries = entries.filter(object_type=data["object_type"])
        if data["action"]:
            entries = entries.filter(action__startswith=data["action"].strip())
        zone = timezone.get_current_timezone()
        if data["date_from"]:
            entries = entries.filter(at__gte=dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=zone))
        if data["date_to"]:
            end = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
            entries = entries.filter(at__lt=end)
        return entries

    @property
    def filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)
