"""Vendor accounts in admin: the API secret is write-only (never rendered back)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.sms.models import BalanceReading, VendorAccount


class VendorAccountForm(forms.ModelForm):
    # Write-only: the widget never renders the stored value; leaving it empty keeps the secret.
    api_secret = forms.CharField(
        label=_("API secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the current secret."),
    )

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

    def clean_api_secret(self) -> str:
        value: str = self.cleaned_data.get("api_secret") or ""
        if not value and self.instance.pk:
            return str(self.instance.api_secret or "")
        return value


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
    list_display = ["account", "at", "value", "currency", "shared", "credit_limit"]
    list_filter = ["shared", "currency"]
    raw_id_fields = ["account"]
    date_hierarchy = "at"
