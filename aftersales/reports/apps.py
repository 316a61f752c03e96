from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Dashboards and the periodic review (复盘), read from everything, writing nothing but report
    deliveries. Nothing imports ``reports``."""

    name = "aftersales.reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.core.panels import register_sidebar

        register_sidebar("reports/_sidebar.html", order=70)  # Reports: the dashboard (leads, admins, viewers)
