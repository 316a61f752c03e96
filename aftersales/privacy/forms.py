"""The erasure's confirmation: the admin types the customer's code, so a slip of the mouse erases nothing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class EraseConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Type the customer's code to confirm"), max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, expected_code: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected_code = expected_code

    def clean_code(self) -> str:
        typed = self.cleaned_data["code"].strip()
        if typed != self.expected_code:
            raise forms.ValidationError(
                _("That is not this customer's code: type %(code)s exactly. Nothing was erased."),
                code="wrong_code", params={"code": self.expected_code},
            )
        return typed
