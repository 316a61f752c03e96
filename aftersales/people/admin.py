from django.contrib import admin

from aftersales.people import twofactor
from aftersales.people.models import AgentProfile, ApiToken, SecurityPolicy, Team, TotpDevice


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


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(admin.ModelAdmin):
    """One row: whether every staff member must use a second factor. Saving is audited."""

    list_display = ("__str__", "require_two_factor", "updated_at")
    fields = ("require_two_factor",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return not SecurityPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        saved = twofactor.set_policy(require=obj.require_two_factor, actor=request.user)
        obj.pk = saved.pk


@admin.register(TotpDevice)
class TotpDeviceAdmin(admin.ModelAdmin):
    """Who uses an authenticator app. Deleting one resets a lost phone (audited); the secret is never shown."""

    list_display = ("user", "created_at", "last_used_at")
    search_fields = ("user__username",)
    fields = ("user", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        twofactor.disable(user=obj.user, actor=request.user)

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        for device in queryset.select_related("user"):
            twofactor.disable(user=device.user, actor=request.user)
