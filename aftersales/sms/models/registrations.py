"""Sender-ID registrations: one per customer × country × sender ID × type, moving
draft → submitted to vendor → vendor review → carrier review → needs info → approved | rejected |
cancelled, each move a time-stamped, owned :class:`RegistrationEvent`; documents attached; the
expected lead time per country and type in :class:`LeadTime` (seeded from sms-domain.md, editable,
with the observed median fed back from approved registrations)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistrationType(models.TextChoices):
    ALPHANUMERIC = "alphanumeric", _("Alphanumeric sender ID")
    LONG_NUMBER = "long_number", _("Long number")
    SHORT_CODE = "short_code", _("Short code")
    TEMPLATE = "template", _("Template (India DLT, China signature)")


class RegistrationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to vendor")
    VENDOR_REVIEW = "vendor_review", _("Vendor review")
    CARRIER_REVIEW = "carrier_review", _("Carrier review")
    NEEDS_INFO = "needs_info", _("Needs information")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


FINAL_STATUSES = frozenset({RegistrationStatus.APPROVED, RegistrationStatus.REJECTED, RegistrationStatus.CANCELLED})


class LeadTime(models.Model):
    """How long a registration of ``type`` in ``country`` is expected to take, in calendar days."""

    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. AE"))
    type = models.CharField(_("type"), max_length=20, choices=RegistrationType.choices)
    expected_days = models.PositiveIntegerField(_("expected lead time (days)"))
    observed_median_days = models.FloatField(_("observed median (days)"), null=True, blank=True, editable=False)
    observed_count = models.PositiveIntegerField(_("approved registrations measured"), default=0, editable=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("registration lead time")
        verbose_name_plural = _("registration lead times")
        ordering = ["country", "type"]
        constraints = [models.UniqueConstraint(fields=["country", "type"], name="sms_leadtime_country_type")]

    def __str__(self) -> str:
        return f"{self.country} {self.type}: {self.expected_days}"


class SenderIdRegistration(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="sender_registrations", verbose_name=_("customer")
    )
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. AE"))
    sender_id = models.CharField(_("sender ID"), max_length=40)
    type = models.CharField(_("type"), max_length=20, choices=RegistrationType.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=RegistrationStatus.choices, default=RegistrationStatus.DRAFT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sender_registrations",
        verbose_name=_("owner"),
    )
    vendor_account = models.ForeignKey(
        "sms.VendorAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sender_registrations",
        verbose_name=_("vendor account"),
    )
    vendor_reference = models.CharField(_("vendor's reference"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # Submitted + the lead time in force when it was submitted; overdue when passed and not final.
    due_at = models.DateTimeField(_("expected by"), null=True, blank=True, db_index=True)
    overdue_reminded_at = models.DateTimeField(_("overdue reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("sender-ID registration")
        verbose_name_plural = _("sender-ID registrations")
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["status", "due_at"], name="sms_registration_due")]

    def __str__(self) -> str:
        return f"{self.sender_id} ({self.country})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class RegistrationEvent(models.Model):
    registration = models.ForeignKey(
        SenderIdRegistration, on_delete=models.CASCADE, related_name="events", verbose_name=_("registration")
    )
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("by"),
    )
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("registration event")
        verbose_name_plural = _("registration events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.registration_id} {self.from_status}→{self.to_status}"


def registration_document_path(instance: RegistrationDocument, filename: str) -> str:
    return f"registrations/{instance.registration_id}/{filename}"


class RegistrationDocument(models.Model):
    registration = models.ForeignKey(
        SenderIdRegistration, on_delete=models.CASCADE, related_name="documents", verbose_name=_("registration")
    )
    file = models.FileField(_("file"), upload_to=registration_document_path, max_length=400)
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("registration document")
        verbose_name_plural = _("registration documents")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name
