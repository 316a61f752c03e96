from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """Early warning (issue 7): traffic telemetry in, rollups, monitors, alerts, proactive tickets."""

    name = "aftersales.monitoring"
    label = "monitoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.core.panels import register_sidebar
        from aftersales.monitoring import panels

        register_sidebar("monitoring/_sidebar.html", order=45)
        panels.register()  # "Health" (monitoring-health): customer and ticket pages
