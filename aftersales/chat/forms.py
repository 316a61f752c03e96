"""Forms for chat channels and IM targets. They only parse input; ``chat.actions`` saves."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from aftersales.chat.models import ImEvent, ImKind
from aftersales.customers.forms import CustomerChoiceField
from aftersales.people.models import Team


class ChannelForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(
        label=_("Slug"), max_length=60, help_text=_("The bridge posts to /hooks/chat/<slug>, e.g. wecom-starriver")
    )
    kind = forms.ChoiceField(
        label=_("IM"),
        choices=ImKind.choices,
        help_text=_("Senders are matched to contacts by their handle for this IM."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("HMAC-SHA256 key shared with the bridge. Leave empty to keep the current one."),
    )
    customer = CustomerChoiceField(
        label=_("Customer"),
        required=False,
        empty_label=_("— unknown senders wait for a customer —"),
        help_text=_("Whose messages these are when the sender is not a known contact."),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        required=False,
        queryset=Team.objects.order_by("name"),
        empty_label=_("— routing rules decide —"),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class TargetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=ImKind.choices)
    url = forms.URLField(
        label=_("Webhook address"), max_length=500, assume_scheme="https",
        help_text=_("The robot's or bot's address, including its key or token."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("DingTalk and Feishu signing secret, or the generic webhook's HMAC key. Leave empty to keep it."),
    )
    clear_secret = forms.BooleanField(label=_("Remove the signing secret"), required=False)
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.order_by("name"), empty_label=_("— every team —")
    )
    events = forms.MultipleChoiceField(
        label=_("Tell it when"), required=False, choices=ImEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="zh-hans")
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
