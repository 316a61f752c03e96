"""Forms for routing rules. They only parse input; ``routing.actions`` validates and saves."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from aftersales.customers.forms import AgentChoiceField, CustomerChoiceField
from aftersales.people.models import Team
from aftersales.routing.models import RoutingRule, Strategy

# Commas in English and Chinese (，、) and semicolons all separate items.
_SEPARATORS = re.compile(r"[,，、;；\n]")


def split_list(text: str) -> list[str]:
    return [part.strip() for part in _SEPARATORS.split(text or "") if part.strip()]


class ListField(forms.CharField):
    """A comma-separated list typed in one box."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return split_list(super().to_python(value) or "")

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value


class RuleForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("Shown on the ticket as the reason it was routed")
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    customer = CustomerChoiceField(
        label=_("Customer"), required=False, empty_label=_("— any customer —"),
        help_text=_("A master account also matches its sub-accounts."),
    )
    category_codes = ListField(
        label=_("Category codes"), required=False, help_text=_("Comma-separated, e.g. delivery, billing")
    )
    channels = ListField(label=_("Channels"), required=False, help_text=_("Comma-separated, e.g. email, phone"))
    keywords = ListField(
        label=_("Keywords"), required=False,
        help_text=_("Any of these in the subject or description, comma-separated, e.g. 盗刷, fraud"),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), required=False, choices=settings.LANGUAGES, widget=forms.CheckboxSelectMultiple
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.order_by("name"), empty_label=_("— no team —")
    )
    strategy = forms.ChoiceField(label=_("Strategy"), choices=Strategy.choices, initial=Strategy.FIXED)
    owner = AgentChoiceField(
        label=_("Owner"), required=False, empty_label=_("— nobody —"),
        help_text=_("For a fixed owner only; round-robin and fewest-open pick one in the team."),
    )

    def __init__(self, *args: Any, instance: RoutingRule | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name, "is_active": instance.is_active, "customer": instance.customer_id,
                "category_codes": instance.category_codes, "channels": instance.channels,
                "keywords": instance.keywords, "languages": instance.languages, "team": instance.team_id,
                "strategy": instance.strategy, "owner": instance.owner_id,
            }
        super().__init__(*args, **kwargs)


class SettingsForm(forms.Form):
    triage_team = forms.ModelChoiceField(
        label=_("Default triage team"), required=False, queryset=Team.objects.order_by("name"),
        empty_label=_("— none —"),
        help_text=_(
            "Where a ticket goes, unassigned, when no rule matches and its account manager is not available. "
            "None: the unassigned queue only."
        ),
    )


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
