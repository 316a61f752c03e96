from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "aftersales.sms"
    label = "sms"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.core.panels import register_sidebar

        register_sidebar("sms/_sidebar.html", order=40)

        from aftersales.sms import panels

        panels.register()
