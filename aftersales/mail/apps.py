from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "aftersales.mail"
    label = "mail"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Mail"

    def ready(self) -> None:
        from aftersales.mail import outbound
        from aftersales.tickets.actions import register_message_hook

        register_message_hook(outbound.queue_reply)

        from aftersales.core.panels import register_sidebar

        register_sidebar("mail/_sidebar.html", order=31)  # under the chat app's "Channels" heading
