"""The agent's own settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from aftersales.customers.forms import timezone_choices


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=100,
                                   help_text=_("Shown to colleagues on tickets and in the timeline"))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES,
                                 widget=forms.Select(attrs={"data-testid": "profile-language"}))
    timezone = forms.ChoiceField(label=_("Timezone"), help_text=_("Times on every page are shown in this timezone"))
    is_away = forms.BooleanField(label=_("I am away (do not give me new tickets)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()  # type: ignore[attr-defined]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)
