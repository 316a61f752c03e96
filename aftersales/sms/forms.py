"""Forms of the SMS pages. They parse input only; ``templatecheck`` does the checking."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aftersales.sms.templatecheck import MAX_CHARACTERS

MAX_TEMPLATE_LENGTH = 2 * MAX_CHARACTERS  # room to paste a too-long text and be told it is too long
COUNTRY_RE = re.compile(r"^[A-Za-z]{2}$")

# The markets the desk's customers send to most; any other ISO code can be typed in "Other country".
COMMON_COUNTRIES = [
    ("", _("Any country")),
    ("CN", _("China")),
    ("IN", _("India")),
    ("US", _("United States")),
    ("GB", _("United Kingdom")),
    ("AE", _("United Arab Emirates")),
    ("SA", _("Saudi Arabia")),
    ("ID", _("Indonesia")),
    ("VN", _("Vietnam")),
    ("TH", _("Thailand")),
    ("PH", _("Philippines")),
    ("SG", _("Singapore")),
    ("MY", _("Malaysia")),
    ("AU", _("Australia")),
    ("DE", _("Germany")),
    ("BR", _("Brazil")),
]
PURPOSE_CHOICES = [
    ("notification", _("Notification")),
    ("otp", _("One-time password (OTP)")),
    ("marketing", _("Marketing")),
]


def clean_country_code(value: str) -> str:
    code = (value or "").strip()
    if code and not COUNTRY_RE.match(code):
        raise ValidationError(_("Enter a two-letter ISO country code, such as CN or IN."), code="country")
    return code.upper()


class TemplateCheckForm(forms.Form):
    text = forms.CharField(
        label=_("Message template"),
        max_length=MAX_TEMPLATE_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "data-testid": "template-text", "spellcheck": "false"}),
        help_text=_("Paste the text as it will be sent, placeholders included."),
    )
    country = forms.ChoiceField(label=_("Country"), required=False, choices=COMMON_COUNTRIES)
    other_country = forms.CharField(
        label=_("Other country (ISO code)"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"size": 3, "autocomplete": "off", "placeholder": "KE"}),
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=PURPOSE_CHOICES, initial="notification")
    sender = forms.CharField(
        label=_("Sender ID (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "ACME"}),
    )

    def clean_other_country(self) -> str:
        return clean_country_code(self.cleaned_data.get("other_country", ""))

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if not text.strip():
            raise ValidationError(_("Paste the message text to check."), code="empty")
        # Browsers send a textarea's line breaks as CR LF; the API and vendors get LF, one septet.
        return text.replace("\r\n", "\n")

    def market(self) -> str | None:
        return self.cleaned_data.get("other_country") or self.cleaned_data.get("country") or None
