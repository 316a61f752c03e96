from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "aftersales.chat"
    label = "chat"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.chat import notices, transports
        from aftersales.core.panels import register_sidebar

        transports.register()
        notices.register()
        register_sidebar("chat/_sidebar.html", order=30)
