"""Form pieces shared by the apps' admin and settings forms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


def secret_field(label: str | _StrPromise, help_text: str | _StrPromise, **kwargs: Any) -> forms.CharField:
    """A write-only secret (password, API secret): never rendered back to the browser."""
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=help_text,
        **kwargs,
    )


def show_secret_state(form: forms.BaseForm, name: str, is_set: bool) -> None:
    """Say next to a write-only field whether a value is stored ("set" / "not set"), never the value."""
    field = form.fields[name]
    state = _("Currently set; type a new value to replace it.") if is_set else _("Currently not set.")
    field.help_text = format_html("<strong data-secret-state=\"{}\">{}</strong> {}", "set" if is_set else "unset",
                                  state, field.help_text or "")


class WriteOnlySecretsForm(forms.ModelForm):
    """A model form whose ``write_only`` fields keep the stored value when left empty on edit.

    Pair each with :func:`secret_field`; the value is read from the instance the form edits
    (``clean`` runs before the form's values are copied onto it).
    """

    write_only: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.write_only:
            if name in self.fields:
                show_secret_state(self, name, bool(self.instance.pk and getattr(self.instance, name)))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is not None:
            for name in self.write_only:
                if not cleaned.get(name):
                    cleaned[name] = getattr(self.instance, name) or ""
        return cleaned


def attach_errors(form: Any, exc: ValidationError, default_field: str | None = None) -> None:
    """Put an action's ValidationError next to the field it is about (or above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for text in exc.messages:
            form.add_error(default_field, text)


class DatePicker(forms.DateInput):
    """The browser's date picker (``<input type="date">``), whose value is ISO (2027-03-01) in every
    language. A plain ``DateInput`` writes the date in the page's language (2027/03/01 in Chinese),
    which the browser rejects: the box showed empty, and a form saved unchanged cleared the date."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")

