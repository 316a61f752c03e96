"""Django admin for configuration only (categories, root causes, tags); daily work happens in the desk."""

from django.contrib import admin

from aftersales.tickets.models import Category, RootCause, Tag


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh", "parent", "order", "is_active")
    list_filter = ("parent", "is_active")
    search_fields = ("code", "name_en", "name_zh")
    ordering = ("order", "code")


@admin.register(RootCause)
class RootCauseAdmin(admin.ModelAdmin):
    """Leads add or rename causes here; a cause in use cannot be deleted (untick "active" instead)."""

    list_display = ("code", "name_en", "name_zh", "order", "is_active")
    list_editable = ("name_en", "name_zh", "order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name_en", "name_zh")
    ordering = ("order", "code")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)
