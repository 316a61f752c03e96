from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """Early warning (issue 7): traffic telemetry in, rollups, monitors, alerts, proactive tickets."""

    name = "aftersales.monitoring"
    label = "monitoring"
    default_auto_field = "django.db.models.BigAutoField"
