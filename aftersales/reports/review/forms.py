"""The lead's form for a scheduled review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from aftersales.customers.forms import agent_label
from aftersales.customers.models import Customer
from aftersales.people.models import Team
from aftersales.reports.models import Frequency
from aftersales.reports.review.render import FORMATS, LANGUAGES

LANGUAGE_CHOICES = [("zh-hans", "中文（简体）"), ("en", "English")]
FORMAT_CHOICES = [("pdf", "PDF"), ("md", "Markdown"), ("xlsx", "XLSX"), ("html", "HTML")]


def staff_users() -> QuerySet[Any]:
    """Active people with a desk role (agents, leads, admins, viewers)."""
    return (
        get_user_model().objects.filter(Q(groups__isnull=False) | Q(is_superuser=True), is_active=True)
        .distinct().select_related("agent_profile").order_by("agent_profile__display_name", "username")
    )


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return agent_label(obj)


class ReviewScheduleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices, initial=Frequency.MONTHLY)
    recipient_users = StaffChoiceField(label=_("Staff recipients"), queryset=staff_users(), required=False)
    recipient_emails = forms.CharField(label=_("Other addresses"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 3}), help_text=_("One address a line."))
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, initial="zh-hans")
    formats = forms.MultipleChoiceField(label=_("Formats"), choices=FORMAT_CHOICES, initial=["pdf"],
                                        widget=forms.CheckboxSelectMultiple)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.order_by("name"), required=False)
    customer = forms.CharField(label=_("Customer (short code)"), required=False, max_length=50)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient_users"].queryset = staff_users()  # type: ignore[attr-defined]

    def clean_recipient_emails(self) -> str:
        lines = [x.strip() for x in (self.cleaned_data.get("recipient_emails") or "").replace(",", "\n").splitlines()]
        lines = [x for x in lines if x]
        for line in lines:
            try:
                validate_email(line)
            except ValidationError:
                raise ValidationError(_("“%(address)s” is not an email address.") % {"address": line}) from None
        return "\n".join(lines)

    def clean_formats(self) -> str:
        chosen = [f for f in self.cleaned_data.get("formats") or [] if f in FORMATS]
        return ",".join(chosen)

    def clean_customer(self) -> Customer | None:
        code = (self.cleaned_data.get("customer") or "").strip()
        if not code:
            return None
        customer = Customer.objects.filter(code=code).first()
        if customer is None:
            raise ValidationError(_("There is no customer with the short code “%(code)s”.") % {"code": code})
        return customer

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("recipient_users") and not data.get("recipient_emails"):
            raise ValidationError(_("Choose at least one recipient: a person or an email address."))
        if data.get("language") not in LANGUAGES:
            raise ValidationError(_("Choose the report's language."))
        return data
