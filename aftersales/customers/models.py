"""Customer accounts (master → sub-account) and their contacts."""

from __future__ import annotations

import zoneinfo

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Product(models.Model):
    """A product a customer uses (SMS, WAP, DDT …): data, not code."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class Tier(models.TextChoices):
    KEY = "key", _("Key account")
    STANDARD = "standard", _("Standard")
    TRIAL = "trial", _("Trial")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CHURNED = "churned", _("Churned")


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("%(value)s is not a known timezone."), params={"value": value}) from exc


class Customer(models.Model):
    code = models.SlugField(_("short code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subaccounts",
        verbose_name=_("master account"),
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.STANDARD)
    status = models.CharField(_("status"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE)
    timezone = models.CharField(_("timezone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone])
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_customers",
        verbose_name=_("account manager"),
    )
    products = models.ManyToManyField(Product, blank=True, related_name="customers", verbose_name=_("products"))
    calendar = models.ForeignKey(
        "sla.Calendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        verbose_name=_("business calendar"),
        help_text=_("Its own working hours and holidays for SLA clocks; empty: the policy's calendar."),
    )
    notes = models.TextField(_("notes"), blank=True)
    # Created by the legacy importer for a name that matched no customer (issue 9): a lead confirms
    # it (it becomes a normal customer) or merges it into an existing one on /imports/customers/.
    provisional = models.BooleanField(
        _("provisional"), default=False, help_text=_("Created by an import; waiting for a lead to confirm or merge it.")
    )
    mail_domains = models.JSONField(
        _("mail domains"),
        default=list,
        blank=True,
        help_text=_("Mail from these domains (e.g. example.cn) is matched to this customer."),
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name

    @property
    def is_subaccount(self) -> bool:
        return self.parent_id is not None

    def clean(self) -> None:
        """Master → sub only: a sub-account cannot have sub-accounts, and nothing is its own parent."""
        if self.parent_id is None:
            return
        if self.pk is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": _("An account cannot be its own master account.")})
        parent = Customer.objects.filter(pk=self.parent_id).only("parent_id").first()
        if parent is not None and parent.parent_id is not None:
            raise ValidationError({"parent": _("A sub-account cannot be a master account.")})
        if self.pk is not None and Customer.objects.filter(parent_id=self.pk).exists():
            raise ValidationError({"parent": _("This account has sub-accounts, so it cannot become one.")})


def normalise_phone(value: str, region: str | None = None) -> str:
    """Return ``value`` in E.164, or raise ValidationError with a clear message."""
    value = value.strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(value)s” is not a phone number; use the international form, e.g. +86 138 0013 8000."),
            params={"value": value},
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a valid phone number."), params={"value": value})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_e164(value: str) -> None:
    if value and normalise_phone(value) != value:
        raise ValidationError(_("Store phone numbers in E.164 form, e.g. +8613800138000."))


class Contact(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_e164], help_text=_("E.164"))
    im_handles = models.JSONField(_("IM handles"), default=dict, blank=True, help_text=_('e.g. {"wecom": "li.hua"}'))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    is_primary = models.BooleanField(_("primary contact"), default=False)
    # The login of this contact in the customer portal (created at the first sign-in; no desk role).
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portal_contact",
        editable=False,
        verbose_name=_("portal login"),
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name
