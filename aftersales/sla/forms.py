"""Forms for calendars, overrides and policies. They parse input; ``sla.actions`` validates and saves."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.core.access import WRITE_ROLES
from aftersales.core.forms import DatePicker
from aftersales.sla.business_time import MIDNIGHT, parse_time
from aftersales.sla.conditions import condition_choices
from aftersales.sla.models import Calendar, Policy, validate_week

WEEKDAYS = (
    (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
    (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday")),
)
# A month grid's column heads (Mo Tu … in English, 一 二 … in Chinese): a weekday name cut short
# reads "星期" seven times in Chinese.
WEEKDAY_HEADS = (
    pgettext_lazy("weekday, short", "Mo"), pgettext_lazy("weekday, short", "Tu"),
    pgettext_lazy("weekday, short", "We"), pgettext_lazy("weekday, short", "Th"),
    pgettext_lazy("weekday, short", "Fr"), pgettext_lazy("weekday, short", "Sa"),
    pgettext_lazy("weekday, short", "Su"),
)
_INTERVAL = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})\s*$")


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"]


def country_choices() -> list[tuple[str, Any]]:
    import holidays

    supported = holidays.list_supported_countries()
    return [("", _("— none: weekly hours and overrides only —"))] + [(code, code) for code in sorted(supported)]


def format_intervals(intervals: list[list[str]]) -> str:
    return ", ".join(f"{start}-{end}" for start, end in intervals)


def parse_intervals(text: str) -> list[list[str]]:
    """"09:00-12:00, 13:30-18:30" → [["09:00", "12:00"], ["13:30", "18:30"]]; empty → no hours.
    An end of 24:00 is the end of the day ("00:00-24:00": round the clock)."""
    out = []
    for part in re.split(r"[,;，\n]+", text or ""):
        if not part.strip():
            continue
        match = _INTERVAL.match(part)
        if not match:
            raise ValidationError(_("Write intervals like 09:00-12:00, 13:00-18:00 (problem: %(part)s)."),
                                  params={"part": part.strip()})
        first, last = (value.zfill(5) for value in match.groups())
        try:
            start, end = parse_time(first), parse_time(last, end=True)
        except ValueError as exc:
            raise ValidationError(_("%(part)s is not a time of day."), params={"part": part.strip()}) from exc
        out.append([start.strftime("%H:%M"), "24:00" if end == MIDNIGHT else end.strftime("%H:%M")])
    return sorted(out)


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    timezone = forms.ChoiceField(label=_("Timezone"), initial="Asia/Shanghai")
    country = forms.ChoiceField(
        label=_("Public holidays of"), required=False, initial="CN",
        help_text=_("Holidays and make-up workdays (调休) come from this country's published calendar."),
    )
    is_default = forms.BooleanField(label=_("Default calendar"), required=False)

    def __init__(self, *args: Any, instance: Calendar | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            initial: dict[str, Any] = {
                "name": instance.name, "timezone": instance.timezone, "country": instance.country,
                "is_default": instance.is_default,
            }
            for day, _label in WEEKDAYS:
                initial[f"day_{day}"] = format_intervals((instance.week or {}).get(str(day), []))
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()  # type: ignore[attr-defined]
        self.fields["country"].choices = country_choices()  # type: ignore[attr-defined]
        for day, label in WEEKDAYS:
            self.fields[f"day_{day}"] = forms.CharField(
                label=label, required=False, max_length=200,
                widget=forms.TextInput(attrs={"placeholder": "09:00-12:00, 13:00-18:00"}),
                help_text=_("Empty: not a working day.") if day == 6 else "",
            )
        if instance is None and not self.is_bound:
            for day in range(5):
                self.fields[f"day_{day}"].initial = "09:00-12:00, 13:00-18:00"

    def day_fields(self) -> list[Any]:
        return [self[f"day_{day}"] for day, _label in WEEKDAYS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        week: dict[str, list[list[str]]] = {}
        for day, _label in WEEKDAYS:
            key = f"day_{day}"
            if key not in data:
                continue
            try:
                intervals = parse_intervals(data[key])
                validate_week({str(day): intervals})
            except ValidationError as exc:
                self.add_error(key, exc)
                continue
            if intervals:
                week[str(day)] = intervals
        data["week"] = week
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {key: data[key] for key in ("name", "timezone", "country", "is_default", "week")}


class OverrideForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DatePicker())
    is_workday = forms.TypedChoiceField(
        label=_("This day is"), coerce=lambda value: value == "1", widget=forms.RadioSelect,
        choices=[("0", _("a holiday (not worked)")), ("1", _("a working day (e.g. a make-up Saturday)"))],
        initial="0",
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. Spring Festival 2027")}))


class DurationInput(forms.MultiWidget):
    template_name = "sla/_duration_widget.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = [
            forms.NumberInput(attrs={"min": 0, "class": "input-number", "aria-label": _("hours")}),
            forms.NumberInput(attrs={"min": 0, "max": 59, "class": "input-number", "aria-label": _("minutes")}),
        ]
        super().__init__(widgets, attrs)

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0" if id_ else ""

    def decompress(self, value: Any) -> list[Any]:
        if not value:
            return [None, None]
        minutes = int(value.total_seconds() // 60)
        return [minutes // 60, minutes % 60]


class DurationField(forms.MultiValueField):
    """A business-time target entered as hours and minutes; both empty = no target."""

    widget = DurationInput

    def __init__(self, **kwargs: Any) -> None:
        fields = (forms.IntegerField(min_value=0, required=False),
                  forms.IntegerField(min_value=0, max_value=59, required=False))
        kwargs.setdefault("required", False)
        super().__init__(fields, require_all_fields=False, **kwargs)
        hours, minutes = self.widget.widgets  # type: ignore[attr-defined]
        hours.attrs["aria-label"] = format_lazy("{} ({})", self.label, _("hours"))
        minutes.attrs["aria-label"] = format_lazy("{} ({})", self.label, _("minutes"))

    def compress(self, data_list: list[Any]) -> dt.timedelta | None:
        if not data_list or all(value in (None, "") for value in data_list):
            return None
        hours, minutes = (value or 0 for value in data_list)
        return dt.timedelta(hours=hours, minutes=minutes)


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=100,
                               help_text=_("Policies are tried from the lowest number; the first match applies."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    is_default = forms.BooleanField(label=_("Default policy (applies when nothing else matches)"), required=False)
    calendar = forms.ModelChoiceField(label=_("Calendar"), queryset=Calendar.objects.all(), empty_label=None)
    first_response = DurationField(label=_("First response within"),
                                   help_text=_("Business time, hours and minutes; empty: no target."))
    next_response = DurationField(label=_("Next response within"),
                                  help_text=_("Restarts at each new customer message."))
    resolution = DurationField(label=_("Resolution within"))
    pause_on_waiting_customer = forms.BooleanField(label=_("Pause the resolution clock while waiting on customer"),
                                                   required=False, initial=True)
    pause_on_waiting_vendor = forms.BooleanField(label=_("Pause the resolution clock while waiting on vendor"),
                                                 required=False, initial=True)
    warn_at_percent = forms.IntegerField(label=_("Warn at (percent of target)"), min_value=1, max_value=100, initial=75)
    breach_raise_priority = forms.BooleanField(
        label=_("On breach, raise the priority one step"), required=False,
        help_text=_("P3 becomes P2, P2 becomes P1."),
    )
    breach_reassign_to = forms.ModelChoiceField(
        label=_("On breach, reassign to"), required=False, queryset=get_user_model().objects.none(),
        empty_label=_("— keep the owner —"), help_text=_("Skipped when that person is away or cannot own tickets."),
    )

    CONDITION_LABELS = {
        "tiers": _("Customer tiers"), "priorities": _("Priorities"),
        "category_codes": _("Categories"), "channels": _("Channels"),
    }

    def __init__(self, *args: Any, instance: Policy | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            initial = {field: getattr(instance, field) for field in (
                "name", "order", "is_active", "is_default", "first_response", "next_response", "resolution",
                "pause_on_waiting_customer", "pause_on_waiting_vendor", "warn_at_percent", "breach_raise_priority")}
            initial["calendar"] = instance.calendar_id
            initial["breach_reassign_to"] = instance.breach_reassign_to_id
            for name in self.CONDITION_LABELS:
                initial[name] = list(getattr(instance, name))
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        if instance is None and not self.is_bound:
            self.fields["calendar"].initial = Calendar.get_default().pk
        writers = get_user_model().objects.filter(is_active=True, groups__name__in=WRITE_ROLES)
        self.fields["breach_reassign_to"].queryset = writers.distinct().order_by("username")  # type: ignore[attr-defined]
        for name, label in self.CONDITION_LABELS.items():
            choices = condition_choices(name)
            if choices is not None:
                self.fields[name] = forms.MultipleChoiceField(
                    label=label, required=False, widget=forms.CheckboxSelectMultiple,
                    choices=[(str(value), text) for value, text in choices],
                    help_text=_("None checked: any."),
                )
            else:
                self.fields[name] = forms.CharField(
                    label=label, required=False, max_length=500,
                    help_text=_("Codes separated by commas; empty: any."),
                )
                if self.initial.get(name):
                    self.initial[name] = ", ".join(str(value) for value in self.initial[name])
            if isinstance(self.initial.get(name), list):
                self.initial[name] = [str(value) for value in self.initial[name]]

    def condition_fields(self) -> list[Any]:
        return [self[name] for name in self.CONDITION_LABELS]

    def _codes(self, name: str) -> list[Any]:
        value = self.cleaned_data.get(name) or []
        codes = [part.strip() for part in re.split(r"[,，\s]+", value) if part.strip()] if isinstance(value, str) \
            else list(value)
        if name == "priorities":
            try:
                return sorted({int(code) for code in codes})
            except ValueError as exc:
                raise ValidationError(_("Priorities are numbers, e.g. 1, 2.")) from exc
        return list(dict.fromkeys(codes))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in self.CONDITION_LABELS:
            if name in data:
                try:
                    data[name] = self._codes(name)
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
