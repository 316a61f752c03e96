"""Forms of the knowledge pages. They parse input only; ``knowledge.actions`` decides and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import DatePicker
from aftersales.customers.forms import AgentChoiceField, agents_queryset
from aftersales.knowledge.models import ArticleStatus, Audience
from aftersales.tickets.forms import CategoryField, split_tags
from aftersales.tickets.models import Status

LANGUAGE_CHOICES = [("zh-hans", "中文"), ("en", "English")]


class ArticleFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "article-search"}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ArticleStatus.choices]
    )
    category = CategoryField(label=_("Category"), required=False, allow_groups=True)
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("Any language")), *LANGUAGE_CHOICES]
    )
    audience = forms.ChoiceField(label=_("Audience"), required=False, choices=[("", _("Anyone")), *Audience.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, CategoryField)
        category.load(_("Any category"))

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class ArticleForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(
        label=_("Problem"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the customer sees or asks, in their words."),
    )
    cause = forms.CharField(label=_("Cause"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    solution = forms.CharField(
        label=_("Solution"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Plain text. A blank line starts a new paragraph; links become clickable."),
    )
    category = CategoryField(label=_("Category"), required=False)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=500, help_text=_("Separate tags with commas"))
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices, initial=Audience.INTERNAL)
    status = forms.ChoiceField(label=_("Status"), choices=ArticleStatus.choices, initial=ArticleStatus.DRAFT)
    owner = AgentChoiceField(label=_("Owner"), queryset=agents_queryset(), required=False, empty_label=_("— nobody —"))
    review_by = forms.DateField(
        label=_("Review by"),
        required=False,
        widget=DatePicker(),
        help_text=_("After this date the article is listed on the knowledge-gaps page."),
    )

    def __init__(self, *args: Any, can_manage: bool = True, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, CategoryField)
        category.load(_("— none —"))
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"article-{name}")
        if not can_manage:  # agents write drafts; leads publish
            status = self.fields["status"]
            assert isinstance(status, forms.ChoiceField)
            status.choices = [(ArticleStatus.DRAFT, ArticleStatus.DRAFT.label)]
            status.help_text = _("A lead or admin publishes it.")
        if editing:  # the language of a saved article is fixed; other languages are their own versions
            self.fields["language"].disabled = True

    def clean_tags(self) -> list[str]:
        return split_tags(self.cleaned_data.get("tags", ""))


class DocumentForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Leave empty to use the file name.")
    )
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(
            attrs={"data-testid": "document-file", "accept": ".pdf,.docx,.xlsx,.png,.jpg,.jpeg,.gif,.webp"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Formatted per form, in the language of the request (not once at import).
        self.fields["file"].help_text = _("PDF, DOCX, XLSX or an image, at most %(mb)d MB.") % {
            "mb": settings.ATTACHMENT_MAX_BYTES // 1_048_576
        }


class DocumentVersionForm(forms.Form):
    file = forms.FileField(
        label=_("New version"),
        widget=forms.ClearableFileInput(
            attrs={"data-testid": "document-version-file", "accept": ".pdf,.docx,.xlsx,.png,.jpg,.jpeg,.gif,.webp"}
        ),
    )


class MacroForm(forms.Form):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200, required=False)
    body_zh = forms.CharField(label=_("Text (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    body_en = forms.CharField(label=_("Text (English)"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    set_status = forms.ChoiceField(
        label=_("Set status"),
        required=False,
        choices=[("", _("Keep as is")), *[(s, label) for s, label in Status.choices if s != Status.NEW]],
        help_text=_("Chosen in the reply form when the template is inserted."),
    )
    category = CategoryField(
        label=_("Set category"), required=False, help_text=_("Applied to the ticket when the template is inserted.")
    )
    shared = forms.BooleanField(label=_("Shared with the team"), required=False)

    def __init__(self, *args: Any, can_share: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, CategoryField)
        category.load(_("— keep —"))
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"macro-{name}")
        if not can_share:
            self.fields["shared"].disabled = True
            self.fields["shared"].help_text = _("Leads and admins share templates with the team.")

    def texts(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {"zh-hans": (data["name_zh"], data["body_zh"]), "en": (data["name_en"], data["body_en"])}


class GapsForm(forms.Form):
    threshold = forms.IntegerField(
        label=_("At least this many tickets"),
        min_value=1,
        max_value=10_000,
        required=False,
        widget=forms.NumberInput(attrs={"data-testid": "gaps-threshold"}),
    )
    days = forms.IntegerField(label=_("In the last … days"), min_value=1, max_value=3650, required=False)


class PublicSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the help articles"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "help-search"}),
    )
