from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "aftersales.privacy"
    label = "privacy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.privacy import panels

        panels.register()  # "Personal data" on the customer page: export, erase (admins only)
