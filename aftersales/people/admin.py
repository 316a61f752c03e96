from django.contrib import admin

from aftersales.people.models import AgentProfile, ApiToken, Team


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "language", "timezone", "is_away")
    search_fields = ("display_name", "user__username")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "lead")
    filter_horizontal = ("members",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are listed and revoked here; the secret itself is never stored, so never shown."""

    list_display = ("name", "user", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at")
    exclude = ("token_hash",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # created with `aftersales token create` so the raw token is shown once
