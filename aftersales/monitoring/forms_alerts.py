"""Filters of the alert list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.monitoring.models import AlertState, Severity
from aftersales.monitoring.monitors import MONITORS


class AlertFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("Any")), *AlertState.choices])
    severity = forms.ChoiceField(label=_("Severity"), required=False, choices=[("", _("Any")), *Severity.choices])
    monitor = forms.ChoiceField(label=_("Monitor"), required=False)
    customer = forms.SlugField(label=_("Customer code"), required=False, max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("Any")), *((m.key, m.title) for m in MONITORS.values())]
        self.fields["monitor"].choices = choices  # type: ignore[attr-defined]

    def filters(self) -> dict[str, str]:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}
