from django.contrib import admin

from aftersales.chat.models import ChatChannel, ChatInbound, ImTarget


@admin.register(ChatChannel)
class ChatChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "customer", "team", "is_active")
    exclude = ("secret",)


@admin.register(ChatInbound)
class ChatInboundAdmin(admin.ModelAdmin):
    list_display = ("received_at", "channel", "state", "message_id", "reason", "ticket")
    list_filter = ("state", "channel")
    exclude = ("raw",)
    readonly_fields = (
        "channel", "received_at", "sha256", "message_id", "conversation_id", "sender_id", "ticket", "ticket_message",
    )


@admin.register(ImTarget)
class ImTargetAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "team", "is_active")
    exclude = ("secret",)
