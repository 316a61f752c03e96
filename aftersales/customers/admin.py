from django.contrib import admin

from aftersales.customers.models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
