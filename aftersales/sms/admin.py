"""Vendor accounts in admin: the API secret is write-only (never rendered back)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import WriteOnlySecretsForm, secret_field
from aftersales.sms.models import BalanceReading, VendorAccount


class VendorAccountForm(WriteOnlySecretsForm):
    api_secret = secret_field(
        _("API secret"), _("Stored encrypted and never shown again. Leave empty to keep the current secret.")
    )
    write_only = ("api_secret",)

    class Meta:
        model = VendorAccount
        fields = [
            "name",
            "kind",
            "api_key",
            "api_secret",
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
