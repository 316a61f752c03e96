"""Forms for customers and contacts. They only parse input; ``customers.actions`` validates and saves."""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.core.access import WRITE_ROLES
from aftersales.customers.models import Contact, Customer, CustomerStatus, Product, Tier
from aftersales.sla.models import Calendar

DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def customers_in_hierarchy_order(queryset: QuerySet[Customer] | None = None) -> QuerySet[Customer]:
    """Masters by name, each followed by its sub-accounts: "Starriver", "Starriver › Sub 2", …"""
    queryset = Customer.objects.all() if queryset is None else queryset
    return queryset.select_related("parent").order_by(
        Coalesce("parent__name", "name"), Coalesce("parent_id", "id"), F("parent_id").asc(nulls_first=True), "name"
    )


def customer_label(customer: Customer) -> str:
    return f"{customer.parent.name} › {customer.name}" if customer.parent_id else customer.name  # type: ignore[union-attr]


class CustomerChoiceField(forms.ModelChoiceField):
    """A select of every account, sub-accounts shown as "Master › Sub"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", customers_in_hierarchy_order())
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return f"{customer_label(obj)} ({obj.code})"


def agents_queryset() -> QuerySet[Any]:
    """People who can own tickets: active users with a write role."""
    user_model = get_user_model()
    return (
        user_model.objects.filter(Q(groups__name__in=WRITE_ROLES) | Q(is_superuser=True), is_active=True)
        .distinct()
        .select_related("agent_profile")
        .order_by("agent_profile__display_name", "username")
    )


def agent_label(user: Any) -> str:
    profile = getattr(user, "agent_profile", None)
    return profile.display_name if profile else user.get_username()


class AgentChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", agents_queryset())
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return agent_label(obj)


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"]


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *CustomerStatus.choices]
    )


class CustomerForm(forms.Form):
    code = forms.SlugField(
        label=pgettext_lazy("customer", "Short code"), max_length=40,
        help_text=_("Letters, digits and dashes, e.g. starriver"),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    parent = forms.ModelChoiceField(
        label=_("Master account"), required=False,
        queryset=Customer.objects.filter(parent__isnull=True).order_by("name"),
        empty_label=_("— none (this is a master account) —"),
    )
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices, initial=Tier.STANDARD)
    status = forms.ChoiceField(label=_("Status"), choices=CustomerStatus.choices, initial=CustomerStatus.ACTIVE)
    timezone = forms.ChoiceField(label=_("Timezone"), initial="Asia/Shanghai")
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="zh-hans")
    account_manager = AgentChoiceField(label=_("Account manager"), required=False, empty_label=_("— nobody —"))
    calendar = forms.ModelChoiceField(
        label=_("Business calendar"), required=False, queryset=Calendar.objects.order_by("name"),
        empty_label=_("— the SLA policy's calendar —"),
        help_text=_("For a customer in another timezone or with other holidays: its SLA clocks follow it."),
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Products"), required=False, queryset=Product.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    mail_domains = forms.CharField(
        label=_("Mail domains"), required=False, max_length=500,
        help_text=_("Mail from these domains is matched to this customer, comma-separated, e.g. starriver.example"),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def clean_mail_domains(self) -> list[str]:
        parts = re.split(r"[,，;\s]+", self.cleaned_data["mail_domains"])
        domains = [part.strip().lower().lstrip("@") for part in parts if part.strip()]
        for domain in domains:
            if not DOMAIN.fullmatch(domain):
                raise ValidationError(_("“%(domain)s” is not a domain name."), params={"domain": domain})
        return list(dict.fromkeys(domains))

    def __init__(self, *args: Any, instance: Customer | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": instance.code, "name": instance.name, "parent": instance.parent_id, "tier": instance.tier,
                "status": instance.status, "timezone": instance.timezone, "language": instance.language,
                "account_manager": instance.account_manager_id, "notes": instance.notes,
                "calendar": instance.calendar_id, "mail_domains": ", ".join(instance.mail_domains),
                "products": [product.pk for product in instance.products.all()],
            }
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()  # type: ignore[attr-defined]
        if instance is not None:
            self.fields["parent"].queryset = (  # type: ignore[attr-defined]
                Customer.objects.filter(parent__isnull=True).exclude(pk=instance.pk).order_by("name")
            )


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(
        label=_("Phone"), required=False, max_length=40,
        help_text=_("International form, e.g. +86 138 0013 8000"),
    )
    im_handles = forms.CharField(
        label=_("IM handles"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, app: handle — e.g. wecom: li.hua"),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="zh-hans")
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)

    def __init__(self, *args: Any, instance: Contact | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name, "email": instance.email, "phone": instance.phone,
                "im_handles": "\n".join(f"{app}: {handle}" for app, handle in (instance.im_handles or {}).items()),
                "language": instance.language, "is_primary": instance.is_primary,
            }
        super().__init__(*args, **kwargs)

    def clean_im_handles(self) -> dict[str, str]:
        text = self.cleaned_data.get("im_handles") or ""
        handles: dict[str, str] = {}
        for line in text.splitlines():
            if not line.strip():
                continue
            app, separator, handle = line.partition(":")
            if not separator or not app.strip() or not handle.strip():
                raise forms.ValidationError(
                    _("Write each handle as “app: handle”, e.g. wecom: li.hua (problem: %(line)s)"),
                    params={"line": line.strip()},
                )
            handles[app.strip().lower()] = handle.strip()
        return handles
