from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import WriteOnlySecretsForm, secret_field
from aftersales.mail.models import InboundEmail, Mailbox


class MailboxForm(WriteOnlySecretsForm):
    password = secret_field(_("password"), _("Stored encrypted. Leave empty to keep the current password."))
    write_only = ("password",)

    class Meta:
        model = Mailbox
        fields = (
            "name", "address", "imap_host", "imap_port", "imap_security", "username", "password", "folder",
            "move_to_folder", "customer", "team", "is_active", "reopen_resolved",
        )  # fmt: skip


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ("name", "address", "imap_host", "folder", "customer", "team", "is_active", "last_polled_at")
    list_filter = ("is_active",)
    readonly_fields = ("uidvalidity", "last_uid", "last_polled_at", "last_error")


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ("received_at", "source", "mailbox", "state", "sender", "subject", "reason", "ticket")
    list_filter = ("state", "source", "mailbox")
    search_fields = ("sender", "subject", "message_id")
    exclude = ("raw",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
