"""The balance alert settings form (thresholds per customer)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.customers.models import Contact, Customer
from aftersales.sms.models import BalanceAlertSettings


class BalanceAlertsForm(forms.ModelForm):
    class Meta:
        model = BalanceAlertSettings
        fields = ["below_amount", "runway_hours", "notify_customer", "billing_contact", "auto_resolve"]
        widgets = {"below_amount": forms.NumberInput(attrs={"min": "0", "step": "0.01"})}

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contacts = self.fields["billing_contact"]
        contacts.queryset = Contact.objects.filter(customer=customer)  # type: ignore[attr-defined]
        contacts.empty_label = _("No billing contact")  # type: ignore[attr-defined]
        self.fields["runway_hours"].widget.attrs.update({"min": "1", "max": "2160"})

    def clean_below_amount(self) -> Any:
        value = self.cleaned_data.get("below_amount")
        if value is not None and value < 0:
            raise forms.ValidationError(_("A threshold cannot be negative."))
        return value

    def clean_runway_hours(self) -> Any:
        value = self.cleaned_data.get("runway_hours")
        if value is not None and not 1 <= value <= 2160:
            raise forms.ValidationError(_("Between 1 hour and 90 days (2160 hours)."))
        return value
