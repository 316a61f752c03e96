from django.contrib import admin

from aftersales.routing.models import RoutingRule, RoutingSettings


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("order", "name", "is_active", "customer", "team", "owner", "strategy")
    list_display_links = ("name",)
    ordering = ("order", "id")


@admin.register(RoutingSettings)
class RoutingSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "triage_team")
