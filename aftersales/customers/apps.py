from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "aftersales.customers"
    label = "customers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.customers.models import Tier
        from aftersales.sla.conditions import register_condition_choices

        # SLA policies may match a customer tier; sla cannot import customers, so we tell it the tiers.
        register_condition_choices("tiers", lambda: list(Tier.choices))
