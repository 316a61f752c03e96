"""The phone numbers a customer holds (the seed's "buy 2 UK long numbers"), synced from the vendor
(Vonage Numbers API, ``GET /account/numbers``) or entered by hand, and the state of their inbound
webhook (the seed's "number not receiving inbound SMS: webhook URL misconfigured")."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# Why an inbound webhook does not answer. The check stores a code ("http:502", "timeout:5", "tls" …)
# in ``webhook_message``; each reader sees it in their own language (``PhoneNumber.webhook_reason``).
WEBHOOK_REASONS: dict[str, tuple[str, str]] = {
    "http": (gettext_noop("The address answered HTTP %(status)s (a server error)."), "status"),
    "timeout": (gettext_noop("No answer within %(seconds)s seconds."), "seconds"),
    "tls": (gettext_noop("The address's TLS certificate is not valid or not trusted."), ""),
    "dns": (gettext_noop("The host name does not resolve."), ""),
    "refused": (gettext_noop("The connection was refused: nothing listens at this address."), ""),
    "connect": (gettext_noop("Could not connect to the address."), ""),
    "invalid_url": (gettext_noop("The address is not a valid URL."), ""),
    "error": (gettext_noop("The request failed (%(error)s)."), "error"),
}


def webhook_reason_text(message: str) -> str:
    """``message`` as stored by the webhook check, in the active language; any other text as it is."""
    key, _sep, value = message.partition(":")
    known = WEBHOOK_REASONS.get(key)
    if known is None:
        return message
    template, param = known
    return gettext(template) % {param: value} if param else gettext(template)


class PhoneNumber(models.Model):
    class Type(models.TextChoices):
        LONG = "long", _("Long number")
        MOBILE = "mobile", _("Mobile long number")
        LANDLINE = "landline", _("Landline")
        TOLL_FREE = "toll_free", _("Toll-free")
        SHORT_CODE = "short_code", _("Short code")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PENDING = "pending", _("Pending")
        RELEASED = "released", _("Released")

    class Source(models.TextChoices):
        VENDOR = "vendor", _("Synced from the vendor")
        MANUAL = "manual", _("Entered by hand")

    class Webhook(models.TextChoices):
        UNCHECKED = "", _("Not checked")
        OK = "ok", _("Answers")
        MISSING = "missing", _("No inbound webhook")
        FAILING = "failing", _("Does not answer")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="phone_numbers", verbose_name=_("customer")
    )
    account = models.ForeignKey(
        "sms.VendorAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="phone_numbers",
        verbose_name=_("vendor account"),
    )
    # E.164 without the plus, as vendors write it (Vonage's "msisdn"); short codes as they are.
    msisdn = models.CharField(_("number"), max_length=20)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. GB"))
    type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.LONG)
    features = models.JSONField(_("features"), default=list, blank=True, help_text=_('e.g. ["SMS", "VOICE"]'))
    monthly_cost = models.DecimalField(_("monthly cost"), max_digits=12, decimal_places=4, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    inbound_webhook_url = models.URLField(_("inbound webhook URL"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    bought_at = models.DateField(_("bought"), null=True, blank=True)
    released_at = models.DateField(_("released"), null=True, blank=True)
    webhook_state = models.CharField(
        _("inbound webhook"), max_length=10, choices=Webhook.choices, default=Webhook.UNCHECKED, blank=True
    )
    webhook_message = models.CharField(_("webhook check result"), max_length=300, blank=True)
    webhook_checked_at = models.DateTimeField(_("webhook checked"), null=True, blank=True)
    synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ["customer", "country", "msisdn"]
        constraints = [
            models.UniqueConstraint(
                fields=["msisdn"],
                condition=~models.Q(status="released"),
                name="sms_number_held_once",
            ),
        ]
        indexes = [models.Index(fields=["webhook_state", "status"], name="sms_number_webhook")]

    def __str__(self) -> str:
        return f"+{self.msisdn}" if self.msisdn.isdigit() and len(self.msisdn) > 6 else self.msisdn

    @property
    def webhook_reason(self) -> str:
        """Why the inbound webhook failed, in the reader's language ("" when it answers)."""
        return webhook_reason_text(self.webhook_message)

    @property
    def receives_sms(self) -> bool:
        return "SMS" in (self.features or [])
