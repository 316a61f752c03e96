"""Forms of the vendor-case pages. They parse input only; ``sms.cases`` validates and writes."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aftersales.customers.forms import AgentChoiceField
from aftersales.sms.models import VendorAccount, VendorCase, VendorCaseNote
from aftersales.tickets.models import Ticket

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]
REF_SPLIT = re.compile(r"[\s,;]+")
STATUS_FILTERS = [
    ("", _("Any status")),
    ("open", _("Open (any open status)")),
    *VendorCase.Status.choices,
    ("done", _("Resolved or closed")),
]


def _datetime_field(label: Any, **kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        **kwargs,
    )


def parse_refs(text: str) -> list[str]:
    return [ref.upper() for ref in REF_SPLIT.split(text or "") if ref]


def tickets_by_ref(text: str) -> list[Ticket]:
    """The tickets named in ``text`` (references separated by spaces or commas), in that order;
    ValidationError naming the references that do not exist."""
    refs = list(dict.fromkeys(parse_refs(text)))
    found = {ticket.ref: ticket for ticket in Ticket.objects.filter(ref__in=refs)}
    missing = [ref for ref in refs if ref not in found]
    if missing:
        raise ValidationError(_("No ticket %(refs)s.") % {"refs": ", ".join(missing)}, code="unknown_ref")
    return [found[ref] for ref in refs]


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_FILTERS)
    vendor = forms.ChoiceField(
        label=_("Vendor"), required=False, choices=[("", _("Any vendor")), *VendorAccount.Kind.choices]
    )
    owner = AgentChoiceField(label=_("Owner"), required=False, empty_label=_("Anyone"))

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class CaseForm(forms.Form):
    vendor = forms.ChoiceField(label=_("Vendor"), choices=VendorAccount.Kind.choices, initial="vonage")
    case_number = forms.CharField(
        label=_("Case number"),
        max_length=60,
        help_text=_("The number the vendor gave the case, e.g. 01234567. Their mail about it threads in by it."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-testid": "case-number"}),
    )
    subject = forms.CharField(label=_("Subject"), max_length=255)
    owner = AgentChoiceField(label=_("Owner"), required=False, empty_label=_("— nobody yet —"))
    vendor_account = forms.ModelChoiceField(
        label=_("Vendor account"),
        required=False,
        queryset=VendorAccount.objects.select_related("customer").order_by("name", "pk"),
        empty_label=_("— not about one account —"),
    )
    opened_at = _datetime_field(_("Opened with the vendor"), required=False, help_text=_("Leave empty for now."))
    tickets = forms.CharField(
        label=_("Customer tickets"),
        required=False,
        help_text=_(
            "References of the tickets waiting on this case, e.g. AS-000123 AS-000124. "
            "They are set to “waiting on vendor”, which pauses their clocks."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-testid": "case-tickets"}),
    )

    def clean_tickets(self) -> list[Ticket]:
        return tickets_by_ref(self.cleaned_data.get("tickets", ""))


class LinkTicketForm(forms.Form):
    ref = forms.CharField(
        label=_("Ticket reference"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "AS-000123", "autocomplete": "off", "data-testid": "link-ref"}),
    )

    def clean_ref(self) -> list[Ticket]:
        found = tickets_by_ref(self.cleaned_data.get("ref", ""))
        if not found:
            raise ValidationError(_("Give a ticket reference."), code="empty")
        return found


class UpdateForm(forms.Form):
    body = forms.CharField(
        label=_("Update"),
        widget=forms.Textarea(attrs={"rows": 4, "data-testid": "update-body"}),
        help_text=_("Posted to every linked ticket's timeline."),
    )
    to_customers = forms.BooleanField(
        label=_("Also send to the customers (a reply on each ticket)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"data-testid": "update-to-customers"}),
    )


class ResponseForm(forms.Form):
    body = forms.CharField(
        label=_("What the vendor said"), widget=forms.Textarea(attrs={"rows": 4, "data-testid": "response-body"})
    )
    at = _datetime_field(_("Answered at"), required=False, help_text=_("Leave empty for now."))


class CaseStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=VendorCase.Status.choices)
    reopen_tickets = forms.BooleanField(
        label=_("When resolving, move linked tickets waiting on the vendor back to open"),
        required=False,
        initial=True,
    )


class CaseNoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (VendorCaseNote.Kind.NOTE, _("Internal note")),
            (VendorCaseNote.Kind.TO_VENDOR, _("Sent to the vendor")),
        ],
        initial=VendorCaseNote.Kind.NOTE,
    )
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3, "data-testid": "note-body"}))
