from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for a fresh desk (`aftersales demo`). No models; nothing imports this app."""

    name = "aftersales.demo"
    label = "demo"
    verbose_name = "Demo data"
