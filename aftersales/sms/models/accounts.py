"""Vendor accounts and their balance readings.

A :class:`VendorAccount` is one API key at an SMS vendor, mapped to one customer. A master
account's key maps to the master customer; a vendor sub-account gets its own VendorAccount row
(usually without a secret: the master's connector reads it) with ``parent`` pointing at the
master's row and ``customer`` at the sub-account customer. ``check_account`` on a master stores
a reading for the master and for each sub-account whose key has such a row.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.fields import EncryptedTextField

STATE_OK = "ok"


class VendorAccount(models.Model):
    class Kind(models.TextChoices):
        VONAGE = "vonage", _("Vonage")
        SIMULATOR = "simulator", _("Simulator")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("vendor"), max_length=20, choices=Kind.choices, default=Kind.VONAGE)
    api_key = models.CharField(_("API key"), max_length=100, db_index=True)
    # Encrypted at rest; never shown back (the admin form field is write-only) and never logged.
    api_secret = EncryptedTextField(_("API secret"), blank=True, default="")
    options = models.JSONField(_("options"), default=dict, blank=True)
    # Signed webhooks (Vonage "signature secret"): delivery receipts and inbound messages for this key
    # must carry a valid ``sig``; empty: signatures are not checked. Encrypted like the API secret.
    signature_secret = EncryptedTextField(_("webhook signature secret"), blank=True, default="")
    signature_method = models.CharField(
        _("webhook signature method"),
        max_length=10,
        default="md5hash",
        choices=[("md5hash", "MD5 hash"), ("md5", "HMAC-MD5"), ("sha1", "HMAC-SHA1"), ("sha256", "HMAC-SHA256"),
                 ("sha512", "HMAC-SHA512")],
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="vendor_accounts", verbose_name=_("customer")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subaccounts",
        verbose_name=_("master account"),
    )
    # "ok" or the code of the last vendor error (auth, forbidden, rate_limited, unavailable, …).
    state = models.CharField(_("state"), max_length=40, blank=True, default="")
    state_message = models.TextField(_("state message"), blank=True, default="")
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True, db_index=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("vendor account")
        verbose_name_plural = _("vendor accounts")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "api_key"], name="sms_vendoraccount_kind_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.api_key[:4]}…)"

    @property
    def is_ok(self) -> bool:
        return self.state == STATE_OK


class BalanceReading(models.Model):
    account = models.ForeignKey(
        VendorAccount, on_delete=models.CASCADE, related_name="readings", verbose_name=_("account")
    )
    at = models.DateTimeField(_("read at"))
    # For a sub-account that shares the master's balance: the master's balance at that moment.
    value = models.DecimalField(_("balance"), max_digits=18, decimal_places=8)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    shared = models.BooleanField(_("shares the master's balance"), default=False)
    credit_limit = models.DecimalField(_("credit limit"), max_digits=18, decimal_places=8, null=True, blank=True)

    class Meta:
        verbose_name = _("balance reading")
        verbose_name_plural = _("balance readings")
        ordering = ["account", "at"]
        indexes = [models.Index(fields=["account", "at"], name="sms_reading_account_at")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.at:%Y-%m-%d %H:%M} {self.value} {self.currency}"


class BalanceAlertSettings(models.Model):
    """A customer's balance thresholds (absent: the desk's defaults from settings).

    Crossing either threshold opens (or updates) the account's one open balance incident ticket.
    ``notify_customer`` also writes to ``billing_contact`` in their language.
    """

    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="balance_alert_settings",
        verbose_name=_("customer"),
    )
    below_amount = models.DecimalField(
        _("alert below balance"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("In the account's currency; empty: no absolute threshold."),
    )
    runway_hours = models.PositiveIntegerField(
        _("alert when runway is under (hours)"),
        null=True,
        blank=True,
        help_text=_("Empty: the desk's default (72 hours = 3 days)."),
    )
    notify_customer = models.BooleanField(
        _("email the billing contact"),
        default=False,
        help_text=_("The customer agreed to hear about low balances from us."),
    )
    billing_contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("billing contact"),
    )
    auto_resolve = models.BooleanField(
        _("resolve the ticket when the balance recovers"), default=True
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("balance alert settings")
        verbose_name_plural = _("balance alert settings")

    def __str__(self) -> str:
        return str(self.customer)


class BalanceIncident(models.Model):
    """A vendor account's low-balance episode and its ticket. At most one open per account
    (a partial unique constraint), so every alert about the account lands on the same ticket."""

    class Reason(models.TextChoices):
        BELOW_AMOUNT = "below_amount", _("Balance below threshold")
        RUNWAY = "runway", _("Runway below threshold")
        ALERT = "alert", _("Early-warning alert")

    account = models.ForeignKey(
        VendorAccount, on_delete=models.CASCADE, related_name="incidents", verbose_name=_("account")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="+", verbose_name=_("ticket")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    opened_at = models.DateTimeField(_("opened"))
    updated_at = models.DateTimeField(_("updated"))
    recovered_at = models.DateTimeField(_("recovered"), null=True, blank=True)
    # The figures behind the last update: balance, currency, runway hours (None: not burning).
    last_value = models.DecimalField(_("balance"), max_digits=18, decimal_places=8, null=True, blank=True)
    last_runway_hours = models.FloatField(_("runway (hours)"), null=True, blank=True)
    customer_notified_at = models.DateTimeField(_("customer notified"), null=True, blank=True)

    class Meta:
        verbose_name = _("balance incident")
        verbose_name_plural = _("balance incidents")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(recovered_at__isnull=True),
                name="sms_one_open_balance_incident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.opened_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.recovered_at is None
