from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "aftersales.mail"
    label = "mail"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Mail"
