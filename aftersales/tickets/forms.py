"""Forms of the agent UI. They parse input only; ``tickets.actions`` decides and writes."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import DatePicker
from aftersales.customers.forms import AgentChoiceField, CustomerChoiceField, agent_label, customer_label
from aftersales.customers.models import Contact
from aftersales.people.models import Team
from aftersales.tickets.actions import Resolution
from aftersales.tickets.models import Category, Channel, Priority, RootCause, Status
from aftersales.tickets.queries import DEFAULT_SORT

_TAG_SPLIT = re.compile(r"[,，;；]")


def split_tags(text: str) -> list[str]:
    return [part.strip() for part in _TAG_SPLIT.split(text or "") if part.strip()]


class CategoryField(forms.ChoiceField):
    """Categories grouped under their parent. ``allow_groups`` also offers the groups themselves."""

    def __init__(self, *, allow_groups: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_groups = allow_groups
        self._by_pk: dict[str, Category] = {}

    def load(self, empty_label: Any) -> None:
        """Read the categories (one query) and build grouped choices."""
        categories = list(Category.objects.filter(is_active=True).order_by("order", "code"))
        self._by_pk = {str(category.pk): category for category in categories}
        groups = [category for category in categories if category.parent_id is None]
        choices: list[Any] = [("", empty_label)]
        for group in groups:
            children = [(str(c.pk), c.name) for c in categories if c.parent_id == group.pk]
            if self.allow_groups:
                children.insert(0, (str(group.pk), _("All of “%(group)s”") % {"group": group.name}))
            choices.append((group.name, children))
        self.choices = choices

    def clean(self, value: Any) -> Category | None:  # type: ignore[override]
        value = super().clean(value)
        return self._by_pk.get(str(value)) if value else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:  # type: ignore[override]
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_clean(item, initial) for item in data if item]
        return [single_clean(data, initial)] if data else []


# --- Queue ---------------------------------------------------------------------------------
SORT_CHOICES = [
    ("-updated", _("Last activity, newest first")),
    ("updated", _("Last activity, oldest first")),
    ("-created", _("Created, newest first")),
    ("created", _("Created, oldest first")),
    ("priority", _("Priority, urgent first")),
    ("-priority", _("Priority, low first")),
    ("due", _("Due soonest")),
]


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.MultipleChoiceField(
        label=_("Status"), required=False, choices=Status.choices, widget=forms.CheckboxSelectMultiple
    )
    category = CategoryField(label=_("Category"), required=False, allow_groups=True)
    customer = forms.CharField(
        label=_("Customer code (with sub-accounts)"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "starriver", "size": 20}),
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    priority = forms.MultipleChoiceField(
        label=_("Priority"), required=False, choices=Priority.choices, widget=forms.CheckboxSelectMultiple
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("Any channel")), *Channel.choices])
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=DatePicker()
    )
    created_to = forms.DateField(label=_("Created to"), required=False, widget=DatePicker())
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES, initial=DEFAULT_SORT)

    def __init__(self, *args: Any, agents: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, CategoryField)
        category.load(_("Any category"))
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody")),
            *[(str(agent.pk), agent_label(agent)) for agent in agents],
        ]

    def filters(self) -> dict[str, Any]:
        """Cleaned filters; a bad value is dropped (and shown as an error) instead of failing the page."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value not in (None, "", [])}

    def active_count(self) -> int:
        return sum(1 for name in self.filters() if name not in ("q", "sort"))

    def more_filters_active(self) -> bool:
        """Whether a filter tucked under "More filters" is set (then that section starts open)."""
        return any(name in self.filters() for name in ("status", "priority", "created_from", "created_to"))


# --- Ticket page ---------------------------------------------------------------------------
class TicketPageForm(forms.Form):
    """A form on the ticket page. Several share that page, so each gets its own id prefix
    (two fields called ``status`` must not both be ``id_status``: labels would point at the wrong one)."""

    id_prefix = "ticket"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class RootCauseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class ResolutionFieldsMixin(forms.Form):
    """Resolution notes (issue 8): asked when the chosen status is "resolved"; summary and root
    cause are then required, the underlying need is optional."""

    resolution_summary = forms.CharField(
        label=_("Resolution summary"), required=False, max_length=500,
        help_text=_("In a sentence or two: what fixed it."),
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "resolution-summary"}),
    )
    root_cause = RootCauseChoiceField(
        label=_("Root cause"), required=False, empty_label=_("— choose the root cause —"),
        queryset=RootCause.objects.filter(is_active=True),
        widget=forms.Select(attrs={"data-testid": "resolution-root-cause"}),
    )
    underlying_need = forms.CharField(
        label=_("The customer's underlying need (optional)"), required=False,
        help_text=_("Beyond the question asked: what did the customer actually need?"),
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "resolution-need"}),
    )

    def resolving(self, cleaned: dict[str, Any]) -> bool:
        return cleaned.get("status") == Status.RESOLVED

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.resolving(cleaned):
            if not (cleaned.get("resolution_summary") or "").strip():
                self.add_error("resolution_summary", _("Write a short resolution summary to resolve the ticket."))
            if cleaned.get("root_cause") is None and "root_cause" not in self.errors:
                self.add_error("root_cause", _("Choose the root cause to resolve the ticket."))
        return cleaned

    def resolution(self) -> Resolution | None:
        """The notes for ``tickets.actions`` (None unless resolving)."""
        data = self.cleaned_data
        if not self.resolving(data):
            return None
        return Resolution.of(summary=data.get("resolution_summary", ""), root_cause=data.get("root_cause"),
                             underlying_need=data.get("underlying_need", ""))


class ReplyForm(ResolutionFieldsMixin, TicketPageForm):
    id_prefix = "reply"

    kind = forms.ChoiceField(
        label=_("Type"), choices=[("reply", _("Reply to customer")), ("note", _("Internal note"))],
        initial="reply", widget=forms.RadioSelect,
    )
    body = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 5, "data-testid": "reply-box"})
    )
    attachments = MultipleFileField(
        label=_("Attach files"), required=False, widget=MultipleFileInput(attrs={"data-testid": "reply-attachments"})
    )
    status = forms.ChoiceField(
        label=_("Set status after sending"), required=False,
        choices=[("", _("Keep as is")), *[(s, label) for s, label in Status.choices if s != Status.NEW]],
        widget=forms.Select(attrs={"data-testid": "reply-status"}),
    )

    field_order = ["kind", "body", "attachments", "status"]

    def resolving(self, cleaned: dict[str, Any]) -> bool:
        return cleaned.get("kind") != "note" and super().resolving(cleaned)


class StatusForm(ResolutionFieldsMixin, TicketPageForm):
    id_prefix = "status"

    status = forms.ChoiceField(
        label=_("Status"), choices=Status.choices, widget=forms.Select(attrs={"data-testid": "status-select"})
    )

    field_order = ["status"]


class AssignForm(TicketPageForm):
    id_prefix = "assign"

    owner = AgentChoiceField(label=_("Owner"), required=False, empty_label=_("— unassigned —"))
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.all(), empty_label=_("— no team —")
    )


class PropertiesForm(TicketPageForm):
    id_prefix = "props"

    testid_prefix = "property"
    subject = forms.CharField(label=_("Subject"), max_length=255)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    category = CategoryField(label=_("Category"), required=False)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=500, help_text=_("Separate tags with commas"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, CategoryField)
        category.load(_("— none —"))
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"{self.testid_prefix}-{name}")

    def clean_tags(self) -> list[str]:
        return split_tags(self.cleaned_data.get("tags", ""))


class SetCustomerForm(TicketPageForm):
    id_prefix = "setcustomer"

    customer = CustomerChoiceField(label=_("Customer"), empty_label=_("— choose the customer —"))


class TicketRefForm(TicketPageForm):
    id_prefix = "ref"

    ref = forms.CharField(label=_("Ticket reference"), max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["ref"]
        field.label = _("Merge this ticket into") if self.prefix == "merge" else _("Link to ticket")
        field.widget.attrs.update({"placeholder": "AS-000123", "data-testid": f"{self.prefix}-ref"})

    def clean_ref(self) -> str:
        return self.cleaned_data["ref"].strip().upper()


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} — {customer_label(obj.customer)}"


def contact_choices(customer: Any) -> list[tuple[Any, str]]:
    """The contact list's options for a new ticket of ``customer`` (its pk, as the form holds it):
    its contacts after "— none —"; only that without a customer."""
    try:
        contacts = Contact.objects.filter(customer_id=int(customer))
    except (TypeError, ValueError):
        contacts = Contact.objects.none()
    field = ContactChoiceField(queryset=contacts.select_related("customer__parent").order_by("name"),
                               empty_label=_("— none —"))  # fmt: skip
    return list(field.choices)  # type: ignore[arg-type]


class NewTicketForm(forms.Form):
    testid_prefix = "new-ticket"
    channel = forms.ChoiceField(
        label=_("Channel"), initial=Channel.PHONE,
        choices=[(c, label) for c, label in Channel.choices if c in (Channel.PHONE, Channel.CHAT, Channel.EMAIL)],
    )
    customer = CustomerChoiceField(
        label=_("Customer"), required=False, empty_label=_("— unknown for now (goes to “Needs a customer”) —")
    )
    contact = ContactChoiceField(
        label=_("Contact"), required=False, empty_label=_("— none —"),
        queryset=Contact.objects.select_related("customer__parent"), help_text=_("The chosen customer's contacts."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=255)
    description = forms.CharField(
        label=_("What the customer said"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    category = CategoryField(label=_("Category"), required=False)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.P3)
    owner = AgentChoiceField(label=_("Owner"), required=False, empty_label=_("— unassigned —"))
    tags = forms.CharField(label=_("Tags"), required=False, max_length=500, help_text=_("Separate tags with commas"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, CategoryField)
        category.load(_("— none —"))
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"{self.testid_prefix}-{name}")
        # Only the chosen customer's contacts (a ticket's contact must be its customer's); choosing
        # another customer fetches its list (htmx), so the page never lists every contact of the desk.
        # (The field still takes any contact: one of another customer is refused by the action, by name.)
        self.fields["contact"].widget.choices = contact_choices(self["customer"].value())  # type: ignore[attr-defined]
        self.fields["customer"].widget.attrs.update({
            "hx-get": reverse_lazy("tickets:new_contacts"), "hx-target": "#id_contact", "hx-trigger": "change",
        })  # fmt: skip

    def clean_tags(self) -> list[str]:
        return split_tags(self.cleaned_data.get("tags", ""))
