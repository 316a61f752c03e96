from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    """Closing the loop (issue 8): satisfaction (CSAT), periodic surveys, relationship check-ins,
    quality reviews of resolved tickets, churn risk per customer."""

    name = "aftersales.feedback"
    label = "feedback"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.feedback import csat

        csat.register()  # CSAT: ask on resolution, ticket panel, workload columns, sidebar, send job
        from aftersales.feedback import quality

        quality.register()  # Quality review: the leads' sidebar link
        from aftersales.feedback import checkins_panels

        checkins_panels.register()  # Check-ins + surveys (NPS): customer panel, sidebar, reminder and send jobs
        from aftersales.feedback import churn_panels

        churn_panels.register()  # Churn risk: customer panel, "Customers at risk" sidebar link
