from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "aftersales.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.audit import adminaudit

        adminaudit.install()
