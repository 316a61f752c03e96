from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "aftersales.notify"
    label = "notify"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.core.panels import register_sidebar

        register_sidebar("notify/_sidebar.html", order=10)
