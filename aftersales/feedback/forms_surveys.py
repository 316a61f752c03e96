"""Forms of the survey pages: a new survey, who receives it, and the public answer form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from aftersales.core import clock
from aftersales.core.forms import DatePicker
from aftersales.customers.forms import customer_label, customers_in_hierarchy_order
from aftersales.feedback.models.surveys import MAX_QUESTIONS
from aftersales.feedback.surveys import SCOPE_CUSTOMERS, SCOPE_PRIMARY

DEFAULT_DAYS_OPEN = 21
NPS_DEFAULT = _("How likely is it that you would recommend us to a friend or colleague?")


def default_nps(language: str) -> str:
    with override(language):
        return str(NPS_DEFAULT)


class SurveyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("For the desk, e.g. “2026 Q4 check-up”."))
    closes_on = forms.DateField(
        label=_("Closes on"),
        widget=DatePicker(),
        help_text=_("Answers can be given and changed until the end of this day."),
    )
    nps_en = forms.CharField(label=_("0–10 question (English)"), max_length=500, required=False)
    nps_zh = forms.CharField(label=_("0–10 question (Chinese)"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(1, MAX_QUESTIONS + 1):
            self.fields[f"q{index}_en"] = forms.CharField(
                label=_("Question %(n)d (English)") % {"n": index}, max_length=500, required=False
            )
            self.fields[f"q{index}_zh"] = forms.CharField(
                label=_("Question %(n)d (Chinese)") % {"n": index}, max_length=500, required=False
            )
        if not self.is_bound:
            self.initial.setdefault("nps_en", default_nps("en"))
            self.initial.setdefault("nps_zh", default_nps("zh-hans"))
            self.initial.setdefault("closes_on", timezone.localdate(clock.now()) + dt.timedelta(days=DEFAULT_DAYS_OPEN))

    def question_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"q{i}_en"], self[f"q{i}_zh"]) for i in range(1, MAX_QUESTIONS + 1)]

    def closes_at(self) -> dt.datetime:
        """The end of the chosen day in the user's timezone."""
        day: dt.date = self.cleaned_data["closes_on"]
        return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))

    def questions(self) -> list[dict[str, str]]:
        return [
            {"en": self.cleaned_data.get(f"q{i}_en", ""), "zh-hans": self.cleaned_data.get(f"q{i}_zh", "")}
            for i in range(1, MAX_QUESTIONS + 1)
        ]


class CustomersField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{customer_label(obj)} ({obj.code})"


class RecipientsForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Send to"),
        choices=[
            (SCOPE_PRIMARY, _("Every active customer's primary contacts with an email")),
            (SCOPE_CUSTOMERS, _("The contacts of the customers chosen below (and their sub-accounts)")),
        ],
        widget=forms.RadioSelect,
        initial=SCOPE_PRIMARY,
    )
    customers = CustomersField(
        label=_("Customers"),
        queryset=customers_in_hierarchy_order(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    primary_only = forms.BooleanField(label=_("Primary contacts only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customers"].queryset = customers_in_hierarchy_order()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("scope") == SCOPE_CUSTOMERS and not cleaned.get("customers"):
            self.add_error("customers", _("Choose at least one customer."))
        return cleaned


class AnswerForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Score"),
        choices=[(str(n), str(n)) for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a score from 0 to 10.")},
    )

    def __init__(self, *args: Any, questions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question_names = []
        for index, text in enumerate(questions):
            name = f"answer_{index}"
            self.fields[name] = forms.CharField(
                label=text, required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
            )
            self.question_names.append(name)

    def answers(self) -> list[str]:
        return [self.cleaned_data.get(name, "") for name in self.question_names]
