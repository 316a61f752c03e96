"""Forms of the import pages: upload, column mapping, merge target, agent alias."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from aftersales.core import uploads
from aftersales.core.access import WRITE_ROLES
from aftersales.customers.models import Customer
from aftersales.imports.models import MappingProfile
from aftersales.imports.records import Field

UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # larger files: the import-logs command (it streams any size)
UPLOAD_MAX_FILES = 10

FIELD_LABELS: dict[str, Any] = {
    Field.DATE: _("Date"),
    Field.CUSTOMER: _("Customer"),
    Field.ISSUE: _("Issue / description"),
    Field.OWNER: _("Owner"),
    Field.STATUS: _("Status"),
    Field.RESOLVED: _("Resolved at"),
    Field.NOTES: _("Notes"),
    Field.CATEGORY: _("Category"),
    Field.IGNORE: _("Ignore this column"),
}
FIELD_CHOICES = [(field.value, FIELD_LABELS[field]) for field in Field]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            if not data:
                return [single(None, initial)]  # raises "required"
            return [single(item, initial) for item in data]
        return [single(data, initial)]


def _check_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise forms.ValidationError(_("%(value)s is not a known timezone, e.g. Asia/Shanghai."),
                                    params={"value": value}) from exc  # fmt: skip


# What an old log's content can be: text (any encoding; UTF-16 has NUL bytes, so it is "octet-stream" to
# the sniffer) or an XLSX workbook (a ZIP, or named as itself by the sniffer).
LOG_TYPES = frozenset({
    "text/plain", "application/octet-stream", "application/zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
})


class UploadForm(forms.Form):
    logs = MultipleFileField(
        label=_("Log files"),
        help_text=_("CSV or TSV (any encoding), XLSX, Markdown notes, chat exports; up to 20 MB each. "
                    "Larger files: the import-logs command."),
    )
    timezone = forms.CharField(label=_("Timezone of the times in the files"), max_length=64)
    year = forms.IntegerField(label=_("Year for dates without one"), required=False, min_value=1990, max_value=2100)
    profile = forms.ModelChoiceField(label=_("Saved column mapping"), queryset=MappingProfile.objects.all(),
                                     required=False, empty_label=_("Detect from the headers"))  # fmt: skip
    create_customers = forms.BooleanField(
        label=_("Create provisional customers for names that match none"), required=False, initial=True,
        help_text=_("Otherwise those rows are quarantined (reason: no customer)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].initial = settings.TIME_ZONE

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"].strip()
        _check_timezone(value)
        return value

    def clean_logs(self) -> list[Any]:
        files = self.cleaned_data["logs"]
        if len(files) > UPLOAD_MAX_FILES:
            raise forms.ValidationError(_("Upload at most %(n)d files at once.") % {"n": UPLOAD_MAX_FILES})
        for upload in files:
            if upload.size > UPLOAD_MAX_BYTES:
                raise forms.ValidationError(
                    _("%(name)s is larger than 20 MB: import it with the import-logs command.") % {"name": upload.name}
                )
            if upload.size == 0:
                raise forms.ValidationError(_("%(name)s is empty.") % {"name": upload.name})
            try:  # the type by content: no programs, no .xlsx that is not one
                content_type = uploads.check(upload.name, uploads.read_head(upload))
            except uploads.UploadRefused as exc:
                raise forms.ValidationError(str(exc)) from exc
            if content_type not in LOG_TYPES:  # an image, a PDF, an archive… whatever its name says
                raise forms.ValidationError(
                    _("%(name)s is not a log file (its content is %(type)s): upload CSV, TSV, XLSX, Markdown or "
                      "a chat export as text.") % {"name": upload.name, "type": content_type}
                )
        return files


class MappingForm(forms.Form):
    """One select per column header (``col-<n>``), plus an optional profile name to save it as."""

    profile_name = forms.CharField(
        label=_("Save this mapping as"), max_length=100, required=False,
        help_text=_("A name to reuse it for the next file of this kind (optional)."),
    )

    def __init__(self, *args: Any, headers: list[str], initial_mapping: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        for index, header in enumerate(headers):
            self.fields[f"col-{index}"] = forms.ChoiceField(
                label=header, choices=FIELD_CHOICES, initial=initial_mapping.get(header, Field.IGNORE.value)
            )

    def columns(self) -> list[tuple[str, Any]]:
        return [(header, self[f"col-{index}"]) for index, header in enumerate(self.headers)]

    def mapping(self) -> dict[str, str]:
        return {header: self.cleaned_data[f"col-{index}"] for index, header in enumerate(self.headers)}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [data.get(f"col-{index}") for index in range(len(self.headers))]
        if self.headers and Field.DATE.value not in chosen:
            raise forms.ValidationError(_("Choose the column that holds the date."))
        return data


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(label=_("Merge into"), queryset=Customer.objects.none(),
                                    to_field_name="code")  # fmt: skip

    def __init__(self, *args: Any, source: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Customer.objects.filter(provisional=False).exclude(pk=source.pk).order_by("name")


def agents() -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(Q(groups__name__in=WRITE_ROLES) | Q(is_superuser=True), is_active=True)
        .select_related("agent_profile")
        .distinct()
        .order_by("username")
    )


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        profile = getattr(obj, "agent_profile", None)
        return f"{profile.display_name} ({obj.get_username()})" if profile else str(obj.get_username())


class AliasForm(forms.Form):
    alias = forms.CharField(label=_("Name in the old logs"), max_length=100,
                            help_text=_("e.g. 小李, 老韩, 杨"))  # fmt: skip
    user = AgentChoiceField(label=_("Agent"), queryset=get_user_model().objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = agents()
