from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "aftersales.sla"
    label = "sla"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "SLA"

    def ready(self) -> None:
        from aftersales.core.panels import register_sidebar

        register_sidebar("sla/_sidebar.html", order=80)
