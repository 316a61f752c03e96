"""Forms of the numbers pages. They parse input only; ``sms.numbers`` validates and saves."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import DatePicker
from aftersales.customers.forms import CustomerChoiceField
from aftersales.sms.models import PhoneNumber

FEATURE_CHOICES = [("SMS", _("SMS")), ("VOICE", _("Voice")), ("MMS", _("MMS"))]  # sms.numbers.FEATURES


class NumberFilterForm(forms.Form):
    customer = forms.CharField(
        label=_("Customer"), required=False, max_length=40, help_text=_("Short code, e.g. starriver")
    )
    country = forms.CharField(label=_("Country"), required=False, max_length=2)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Held (active or pending)")), *PhoneNumber.Status.choices, ("all", _("All"))],
    )
    problems = forms.BooleanField(label=_("Webhook problems only"), required=False)

    def clean_country(self) -> str:
        return str(self.cleaned_data.get("country") or "").strip().upper()

    def clean_customer(self) -> str:
        return str(self.cleaned_data.get("customer") or "").strip()


class NumberForm(forms.Form):
    """A number entered by hand. For a synced number only the cost fields are shown (``vendor=True``)."""

    customer = CustomerChoiceField(label=_("Customer"))
    msisdn = forms.CharField(
        label=_("Number"),
        max_length=30,
        help_text=_("International form with the country code, e.g. +44 20 7946 0123; a short code as it is."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=PhoneNumber.Type.choices, initial=PhoneNumber.Type.LONG)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        required=False,
        help_text=_("Two-letter ISO code; found from the number when left empty (required for a short code)."),
    )
    features = forms.MultipleChoiceField(
        label=_("Features"),
        choices=FEATURE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=["SMS"],
    )
    inbound_webhook_url = forms.CharField(
        label=_("Inbound webhook URL"),
        max_length=500,
        required=False,
        help_text=_(
            "Where the vendor posts inbound SMS to this number (Vonage: moHttpUrl). Empty: inbound SMS are lost."
        ),
    )
    monthly_cost = forms.DecimalField(
        label=_("Monthly cost"), required=False, min_value=0, max_digits=12, decimal_places=4
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="EUR")
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(PhoneNumber.Status.ACTIVE, _("Active")), (PhoneNumber.Status.PENDING, _("Pending"))],
        initial=PhoneNumber.Status.ACTIVE,
    )
    bought_at = forms.DateField(
        label=_("Bought"), required=False, widget=DatePicker(), help_text=_("Empty: today.")
    )

    def __init__(self, *args: Any, vendor: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        if vendor:
            for name in list(self.fields):
                if name not in ("monthly_cost", "currency"):
                    del self.fields[name]
