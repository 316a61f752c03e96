"""Forms of the quality review page. They parse input only; ``feedback.quality`` writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.core.forms import DatePicker
from aftersales.customers.forms import AgentChoiceField
from aftersales.feedback.models.quality import TONE_MAX, TONE_MIN

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
SUMMARY_DAYS = 30


def _yes_no(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Answer yes or no.")},
    )


class ScorecardForm(forms.Form):
    """One ticket's scorecard; every answer is required (no silent "no")."""

    correct = _yes_no(_("Correct: the answer was right"))
    complete = _yes_no(_("Complete: nothing the customer asked was left out"))
    root_cause_found = _yes_no(_("Root cause found"))
    tone = forms.TypedChoiceField(
        label=_("Tone (1 poor – 5 excellent)"),
        coerce=int,
        choices=[("", "—"), *[(str(n), str(n)) for n in range(TONE_MIN, TONE_MAX + 1)]],
        error_messages={
            "required": _("Score the tone from 1 to 5."),
            "invalid_choice": _("Score the tone from 1 to 5."),
        },
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, ticket_ref: str = "", **kwargs: Any) -> None:
        # Several scorecards share the page: ids carry the ticket so each label points at its own field.
        kwargs.setdefault("auto_id", f"id_q_{ticket_ref}_%s")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"scorecard-{name}")


class SampleForm(forms.Form):
    agent = AgentChoiceField(label=_("Agent"), required=False, empty_label=_("Any agent"))
    size = forms.IntegerField(label=_("How many"), required=False, min_value=1, max_value=50, initial=10)


class PeriodForm(forms.Form):
    start = forms.DateField(label=pgettext_lazy("date range", "From"), required=False,
                            widget=DatePicker())  # fmt: skip
    end = forms.DateField(label=_("To (inclusive)"), required=False, widget=DatePicker())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end comes before the start."))
        return cleaned

    def period(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """The chosen days (default: the last 30 days up to today)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=SUMMARY_DAYS - 1)
        return start, end
