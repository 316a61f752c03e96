"""Portal forms: they parse input only; ``portal.actions`` decides and writes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.tickets.forms import MultipleFileField


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    email.widget.attrs.update({"autocomplete": "email", "data-testid": "portal-email"})


class PasswordSignInForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    email.widget.attrs.update({"autocomplete": "email", "data-testid": "portal-signin-email"})
    password.widget.attrs.update({"autocomplete": "current-password", "data-testid": "portal-signin-password"})


class NewTicketForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(label=_("How can we help?"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20_000)
    attachments = MultipleFileField(label=_("Attach files"), required=False)
    subject.widget.attrs.update({"data-testid": "portal-new-subject"})
    body.widget.attrs.update({"data-testid": "portal-new-body"})


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=20_000
    )
    attachments = MultipleFileField(label=_("Attach files"), required=False)
    body.widget.attrs.update({"data-testid": "portal-reply-box"})
