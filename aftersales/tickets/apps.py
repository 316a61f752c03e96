from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "aftersales.tickets"
    label = "tickets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.tickets import deadlines, panels

        panels.register()
        deadlines.register()
