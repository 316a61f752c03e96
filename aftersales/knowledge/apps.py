from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "aftersales.knowledge"
    label = "knowledge"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.core.search_views import register_status_choices
        from aftersales.knowledge import panels, search
        from aftersales.knowledge.models import ArticleStatus

        search.register()
        panels.register()
        register_status_choices("article", lambda: list(ArticleStatus.choices))  # the /search/ page's filter
