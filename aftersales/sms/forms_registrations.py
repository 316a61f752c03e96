"""Forms of the sender-ID registration pages. They parse input; ``sms.registrations`` checks the
sender ID, the workflow and the rest, and its errors are put next to the fields they are about."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.customers.forms import AgentChoiceField, CustomerChoiceField
from aftersales.sms.forms import COMMON_COUNTRIES, clean_country_code
from aftersales.sms.models import RegistrationStatus, RegistrationType, VendorAccount

OVERDUE_CHOICES = [("", _("Any")), ("1", _("Overdue only"))]


class RegistrationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), ("open", _("Open (not final)")), *RegistrationStatus.choices],
    )
    country = forms.CharField(
        label=_("Country"), required=False, max_length=2, widget=forms.TextInput(attrs={"placeholder": "AE"})
    )
    owner = AgentChoiceField(label=_("Owner"), required=False, empty_label=_("Anyone"))
    overdue = forms.ChoiceField(label=_("Overdue"), required=False, choices=OVERDUE_CHOICES)

    def clean_country(self) -> str:
        return clean_country_code(self.cleaned_data.get("country", ""))


class RegistrationForm(forms.Form):
    customer = CustomerChoiceField(label=_("Customer"))
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        help_text=_("Two-letter ISO code, e.g. AE, GB, IN, CN."),
        widget=forms.TextInput(attrs={"list": "registration-countries", "autocomplete": "off"}),
    )
    type = forms.ChoiceField(label=_("Type"), choices=RegistrationType.choices)
    sender_id = forms.CharField(
        label=_("Sender ID"),
        max_length=40,
        help_text=_(
            "Alphanumeric: 3-11 letters and digits with at least one letter. Long number: up to 15 digits. "
            "Template: the DLT header or template name, or the China signature without 【】."
        ),
    )
    owner = AgentChoiceField(label=_("Owner"), required=False, empty_label=_("Nobody yet"))
    vendor_account = forms.ModelChoiceField(
        label=_("Vendor account"), required=False, queryset=VendorAccount.objects.none()
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendor_account"].queryset = VendorAccount.objects.select_related("customer").order_by(  # type: ignore[attr-defined]
            "customer__name", "name"
        )

    def clean_country(self) -> str:
        return clean_country_code(self.cleaned_data.get("country", ""))


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=RegistrationStatus.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when asking for information or rejecting: what is needed, or why."),
    )


class OwnerForm(forms.Form):
    owner = AgentChoiceField(label=_("Owner"), required=False, empty_label=_("Nobody"))


class VendorReferenceForm(forms.Form):
    vendor_reference = forms.CharField(label=_("Vendor's reference"), required=False, max_length=100)


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("Document"), help_text=_("PDF, DOCX, XLSX or an image."))


class LeadTimeForm(forms.Form):
    country = forms.CharField(label=_("Country"), max_length=2)
    type = forms.ChoiceField(label=_("Type"), choices=RegistrationType.choices)
    expected_days = forms.IntegerField(label=_("Expected days"), min_value=1, max_value=730)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def clean_country(self) -> str:
        code = clean_country_code(self.cleaned_data.get("country", ""))
        if not code:
            raise forms.ValidationError(_("Enter a two-letter ISO country code, such as AE or GB."))
        return code


COUNTRY_SUGGESTIONS = [(code, label) for code, label in COMMON_COUNTRIES if code]
