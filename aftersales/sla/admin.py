"""Django admin: a read-mostly view for operators; leads use the pages under /sla/."""

from django.contrib import admin

from aftersales.sla.models import Calendar, CalendarOverride, Policy


class CalendarOverrideInline(admin.TabularInline):
    model = CalendarOverride
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone", "country", "is_default")
    inlines = [CalendarOverrideInline]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "order", "is_active", "is_default", "calendar", "first_response", "resolution")
    list_filter = ("is_active", "calendar")
