"""Forms of the telemetry pages. They parse input only; ``monitoring.actions_ingestion`` validates and saves."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.customers.forms import CustomerChoiceField


class MapKeyForm(forms.Form):
    """Give an unknown vendor key an account of a customer, then replay its stored events."""

    customer = CustomerChoiceField(label=_("Customer"))
    name = forms.CharField(
        label=_("Account name"), max_length=200, required=False, help_text=_("Empty: the key itself.")
    )
    kind = forms.ChoiceField(label=_("Vendor"), choices=[])
    parent: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Master account"),
        queryset=None,
        required=False,
        help_text=_("For a vendor sub-account: the master account it belongs to."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from aftersales.sms.models import VendorAccount

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = VendorAccount.Kind.choices  # type: ignore[attr-defined]
        self.fields["parent"].queryset = (  # type: ignore[attr-defined]
            VendorAccount.objects.filter(parent__isnull=True, active=True).select_related("customer").order_by("name")
        )
