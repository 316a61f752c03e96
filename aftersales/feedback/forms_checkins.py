"""Forms of the check-in pages: the list's filters, logging a check-in, a customer's plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core import clock
from aftersales.customers.forms import agent_label, agents_queryset
from aftersales.feedback.models import CheckinKind
from aftersales.feedback.models.checkins import MAX_CADENCE_DAYS

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(agent_label(obj))


class CheckinFilterForm(forms.Form):
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", _("Everyone")), ("me", _("Me")), ("none", _("No owner"))]
        choices += [(str(user.pk), agent_label(user)) for user in agents_queryset()]
        self.fields["owner"].choices = choices  # type: ignore[attr-defined]

    def filters(self, user: Any) -> dict[str, Any]:
        """Keyword arguments for ``checkins.plans``; an unknown owner filters nothing."""
        if not self.is_valid():
            return {}
        found: dict[str, Any] = {}
        owner = self.cleaned_data.get("owner") or ""
        if owner == "me":
            found["owner"] = user
        elif owner == "none":
            found["owner"] = "none"
        elif owner:
            found["owner"] = agents_queryset().filter(pk=owner).first()
        if self.cleaned_data.get("overdue"):
            found["overdue_only"] = True
        return found


class CheckinForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=CheckinKind.choices, widget=forms.RadioSelect, initial=CheckinKind.CALL
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("When the call, email, chat or meeting took place (your timezone)."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was discussed, what the customer needs, what we promised."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            now = timezone.localtime(clock.now()).replace(second=0, microsecond=0)
            self.initial.setdefault("occurred_at", now)

    def clean_occurred_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["occurred_at"]
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class PlanForm(forms.Form):
    owner = AgentChoiceField(
        label=_("Owner"),
        queryset=agents_queryset(),
        required=False,
        empty_label=_("— nobody —"),
        help_text=_("Reminded when a check-in is due. New plans start with the account manager."),
    )
    cadence_days = forms.IntegerField(
        label=_("Every (days)"),
        min_value=1,
        max_value=MAX_CADENCE_DAYS,
        initial=30,
        help_text=_("The next check-in is due this many days after the last one."),
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Off: no reminders, and the customer leaves the check-in list."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = agents_queryset()  # type: ignore[attr-defined]
