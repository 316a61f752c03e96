from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """Early warning (issue 7): traffic telemetry in, rollups, monitors, alerts, proactive tickets."""

    name = "aftersales.monitoring"
    label = "monitoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from aftersales.core.panels import register_sidebar
        from aftersales.monitoring import panels, receiving
        from aftersales.sms.models import VendorAccount

        register_sidebar("monitoring/_sidebar.html", order=45)
        panels.register()  # "Health" (monitoring-health): customer and ticket pages
        # The webhooks cache which account a key names (and its signature secret): forget on change.
        for signal in (post_save, post_delete):
            signal.connect(receiving.forget_signature_accounts, sender=VendorAccount,
                           dispatch_uid=f"monitoring-forget-accounts-{signal is post_save}")
