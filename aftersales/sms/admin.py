"""The SMS records in admin. Vendor accounts: the API secret is write-only (never rendered back).
Records with their own pages and actions (registrations, numbers, vendor cases) are read-mostly here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import WriteOnlySecretsForm, secret_field
from aftersales.sms.models import (
    BalanceAlertSettings,
    BalanceIncident,
    BalanceReading,
    LeadTime,
    PhoneNumber,
    SenderIdRegistration,
    VendorAccount,
    VendorCase,
    VendorCaseNote,
    VendorSupportAddress,
)


class VendorAccountForm(WriteOnlySecretsForm):
    api_secret = secret_field(
        _("API secret"), _("Stored encrypted and never shown again. Leave empty to keep the current secret.")
    )
    signature_secret = secret_field(
        _("webhook signature secret"),
        _("Delivery receipts and inbound messages for this key must then be signed. Stored encrypted; "
          "leave empty to keep the current one."),
    )
    write_only = ("api_secret", "signature_secret")

    class Meta:
        model = VendorAccount
        fields = [
            "name",
            "kind",
            "api_key",
            "api_secret",
            "signature_secret",
            "signature_method",
            "customer",
            "parent",
            "options",
            "active",
            "next_check_at",
        ]


@admin.register(VendorAccount)
class VendorAccountAdmin(admin.ModelAdmin):
    form = VendorAccountForm
    list_display = ["name", "kind", "masked_key", "customer", "parent", "state", "last_checked_at", "active"]
    list_filter = ["kind", "state", "active"]
    search_fields = ["name", "api_key", "customer__name", "customer__code"]
    raw_id_fields = ["customer", "parent"]
    readonly_fields = ["state", "state_message", "last_checked_at"]
    fields = [*VendorAccountForm.Meta.fields, *readonly_fields]

    @admin.display(description=_("API key"))
    def masked_key(self, obj: VendorAccount) -> str:
        return f"{obj.api_key[:4]}…"


@admin.register(BalanceReading)
class BalanceReadingAdmin(admin.ModelAdmin):
    """Readings are measurements: listed, never typed in or edited."""

    list_display = ["account", "at", "value", "currency", "shared", "credit_limit"]
    list_filter = ["shared", "currency"]
    raw_id_fields = ["account"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BalanceAlertSettings)
class BalanceAlertSettingsAdmin(admin.ModelAdmin):
    list_display = ["customer", "below_amount", "runway_hours", "notify_customer", "billing_contact", "auto_resolve"]
    raw_id_fields = ["customer", "billing_contact"]


@admin.register(BalanceIncident)
class BalanceIncidentAdmin(admin.ModelAdmin):
    """Incidents are opened and closed by the balance check: listed, never edited."""

    list_display = ["account", "ticket", "reason", "opened_at", "recovered_at", "last_value", "last_runway_hours"]
    list_filter = ["reason"]
    raw_id_fields = ["account", "ticket"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Sender-ID registrations -------------------------------------------------------------------
# Registrations change only through their pages (sms.registrations: events, audit, due dates);
# the admin lists and shows them. The lead-time table is edited here or on /sms/lead-times/.


@admin.register(LeadTime)
class LeadTimeAdmin(admin.ModelAdmin):
    list_display = ["country", "type", "expected_days", "observed_median_days", "observed_count", "note"]
    list_filter = ["type"]
    search_fields = ["country", "note"]
    readonly_fields = ["observed_median_days", "observed_count"]


@admin.register(SenderIdRegistration)
class SenderIdRegistrationAdmin(admin.ModelAdmin):
    list_display = ["sender_id", "country", "type", "customer", "status", "owner", "submitted_at", "due_at"]
    list_filter = ["status", "type", "country"]
    search_fields = ["sender_id", "vendor_reference", "customer__name", "customer__code"]
    list_select_related = ["customer", "owner"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False





@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin):
    """Numbers are added on the desk's numbers page (validated, audited) or synced from the vendor;
    admin lists them and can correct one (the change is audited)."""

    list_display = ["__str__", "customer", "country", "type", "status", "source", "webhook_state", "webhook_checked_at"]
    list_filter = ["status", "source", "type", "webhook_state", "country"]
    search_fields = ["msisdn", "customer__name", "customer__code", "inbound_webhook_url"]
    raw_id_fields = ["customer", "account"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["source", "webhook_state", "webhook_message", "webhook_checked_at", "synced_at", "created_at",
                       "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PhoneNumber, form: Any, change: bool) -> None:
        from aftersales.audit.log import record
        from aftersales.core import clock

        obj.updated_at = clock.now()
        super().save_model(request, obj, form, change)
        record(actor=request.user, action="sms.number.admin_change", obj=obj,
               after={name: str(form.cleaned_data.get(name)) for name in form.changed_data})


# --- Vendor cases: changed on the desk's case pages (audited, tickets kept in step); admin reads them
# and keeps the vendors' support addresses, whose mail threads into the cases.


@admin.register(VendorSupportAddress)
class VendorSupportAddressAdmin(admin.ModelAdmin):
    list_display = ["email", "vendor"]
    list_filter = ["vendor"]
    search_fields = ["email"]


_NOTE_FIELDS = ("at", "kind", "author", "body", "posted_to_tickets", "sent_to_customers", "message_id")
_CASE_FIELDS = (
    "vendor", "case_number", "subject", "status", "owner", "vendor_account", "tickets", "opened_at",
    "first_vendor_response_at", "resolved_at", "created_at", "updated_at",
)  # fmt: skip


class VendorCaseNoteInline(admin.TabularInline):
    model = VendorCaseNote
    fields = _NOTE_FIELDS
    readonly_fields = _NOTE_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(VendorCase)
class VendorCaseAdmin(admin.ModelAdmin):
    """Read-only: cases are opened, linked and moved on /sms/cases/ so the linked tickets follow."""

    list_display = ["__str__", "subject", "status", "owner", "opened_at", "first_vendor_response_at", "resolved_at"]
    list_filter = ["vendor", "status"]
    search_fields = ["case_number", "subject"]
    date_hierarchy = "opened_at"
    fields = _CASE_FIELDS
    readonly_fields = _CASE_FIELDS
    inlines = [VendorCaseNoteInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
