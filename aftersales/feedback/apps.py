from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    """Closing the loop (issue 8): satisfaction (CSAT), periodic surveys, relationship check-ins,
    quality reviews of resolved tickets."""

    name = "aftersales.feedback"
    label = "feedback"
    default_auto_field = "django.db.models.BigAutoField"
