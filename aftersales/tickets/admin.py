"""Django admin for configuration only (categories, tags); daily work happens in the desk."""

from django.contrib import admin

from aftersales.tickets.models import Category, Tag


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh", "parent", "order", "is_active")
    list_filter = ("parent", "is_active")
    search_fields = ("code", "name_en", "name_zh")
    ordering = ("order", "code")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)
