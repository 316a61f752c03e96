from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "aftersales.knowledge"
    label = "knowledge"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.knowledge import panels, search

        search.register()
        panels.register()
