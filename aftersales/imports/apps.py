from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """The legacy log importer (issue 9): old hand-kept spreadsheets, Markdown notes and chat
    exports become customers, tickets and timeline entries, with nothing lost."""

    name = "aftersales.imports"
    label = "imports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.core.panels import register_sidebar

        register_sidebar("imports/_sidebar.html", order=66)  # leads: "Import old logs"
