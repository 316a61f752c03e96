from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "aftersales.customers"
    label = "customers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.core.search_views import register_customer_filter, register_status_choices
        from aftersales.customers import search
        from aftersales.customers.models import CustomerStatus, Tier
        from aftersales.sla.conditions import register_condition_choices

        # SLA policies may match a customer tier; sla cannot import customers, so we tell it the tiers.
        register_condition_choices("tiers", lambda: list(Tier.choices))
        # Search (issue 5): the "customer" and "contact" kinds, email and phone lookups, the page's filters.
        search.register()
        register_status_choices("customer", lambda: list(CustomerStatus.choices))
        register_customer_filter(search.customer_ids_for_code)
