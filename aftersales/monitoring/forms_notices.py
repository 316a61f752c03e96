"""The customer notice settings form (``monitoring.notices``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.customers.models import Contact, Customer
from aftersales.knowledge.models import Macro
from aftersales.monitoring.models import AlertNotice


class AlertNoticeForm(forms.ModelForm):
    class Meta:
        model = AlertNotice
        fields = ["enabled", "contact", "macro", "include_fraud"]

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contact = self.fields["contact"]
        contact.queryset = Contact.objects.filter(customer=customer).order_by("name")  # type: ignore[attr-defined]
        contact.empty_label = _("Nobody")  # type: ignore[attr-defined]
        macro = self.fields["macro"]
        macro.queryset = Macro.objects.filter(shared=True).order_by("key")  # type: ignore[attr-defined]
        macro.empty_label = _("The built-in notice")  # type: ignore[attr-defined]
