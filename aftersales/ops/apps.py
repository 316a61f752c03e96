from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "aftersales.ops"
    label = "ops"
    verbose_name = "Operations"
