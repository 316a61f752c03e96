from django.contrib import admin

from aftersales.notify.models import Delivery, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "ticket_ref")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("notification", "transport", "state", "attempts", "next_attempt_at", "claimed_by", "sent_at")
    list_filter = ("transport", "state")
