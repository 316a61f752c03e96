"""Vendor cases: a problem raised with the vendor (Vonage support), its case number, the times it
was opened, first answered and resolved (stamped when recorded), an owner, notes and vendor updates,
and the customer tickets waiting on it. Mail from a vendor's support address (``VendorSupportAddress``)
threads into the case by the case number in its subject."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from aftersales.sms.models.accounts import VendorAccount


class VendorSupportAddress(models.Model):
    """A vendor's support mailbox: mail from it whose subject names a case number threads into that case."""

    vendor = models.CharField(_("vendor"), max_length=20, choices=VendorAccount.Kind.choices)
    email = models.EmailField(_("email"), unique=True)

    class Meta:
        verbose_name = _("vendor support address")
        verbose_name_plural = _("vendor support addresses")
        ordering = ["vendor", "email"]

    def __str__(self) -> str:
        return self.email


class VendorCase(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WAITING_VENDOR = "waiting_vendor", _("Waiting on vendor")
        WAITING_US = "waiting_us", _("Vendor waits on us")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    vendor = models.CharField(_("vendor"), max_length=20, choices=VendorAccount.Kind.choices)
    case_number = models.CharField(_("case number"), max_length=60)
    subject = models.CharField(_("subject"), max_length=255)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.WAITING_VENDOR)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vendor_cases",
        verbose_name=_("owner"),
    )
    vendor_account = models.ForeignKey(
        VendorAccount,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("vendor account"),
    )
    tickets = models.ManyToManyField(
        "tickets.Ticket", blank=True, related_name="+", verbose_name=_("linked tickets")
    )
    opened_at = models.DateTimeField(_("opened with the vendor"))
    first_vendor_response_at = models.DateTimeField(_("first vendor response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("vendor case")
        verbose_name_plural = _("vendor cases")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "case_number"], name="sms_vendorcase_number_unique"),
        ]
        # Numbers are looked up case-insensitively (``case_number__iexact``: opening a case, the
        # importer's links and continuations, a batch's cases at once): an index, not a scan of every case.
        indexes = [models.Index(Upper("case_number"), name="sms_vendorcase_number_upper")]

    def __str__(self) -> str:
        return f"{self.get_vendor_display()} #{self.case_number}"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.RESOLVED, self.Status.CLOSED)


class VendorCaseNote(models.Model):
    class Kind(models.TextChoices):
        NOTE = "note", _("Internal note")
        TO_VENDOR = "to_vendor", _("Sent to the vendor")
        FROM_VENDOR = "from_vendor", _("Vendor response")
        STATUS = "status", _("Status changed")

    case = models.ForeignKey(VendorCase, on_delete=models.CASCADE, related_name="notes", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NOTE)
    at = models.DateTimeField(_("at"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("by"),
    )
    body = models.TextField(_("text"), blank=True)
    # Posted to every linked ticket's timeline (and, when chosen, to the customers).
    posted_to_tickets = models.BooleanField(_("posted to the linked tickets"), default=False)
    sent_to_customers = models.BooleanField(_("sent to the customers"), default=False)
    # A vendor response that came by mail: the stored inbound message's id (mail.InboundMessage) and Message-ID.
    inbound_id = models.BigIntegerField(null=True, blank=True, editable=False)
    message_id = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        verbose_name = _("vendor case note")
        verbose_name_plural = _("vendor case notes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
