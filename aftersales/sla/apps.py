from typing import Any

from django.apps import AppConfig


def _bump_stamp(sender: Any, **kwargs: Any) -> None:
    from aftersales.core.stamps import bump
    from aftersales.sla.models import STAMP

    bump(STAMP)


class SlaConfig(AppConfig):
    name = "aftersales.sla"
    label = "sla"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "SLA"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from aftersales.core.panels import register_sidebar
        from aftersales.sla.models import Calendar, CalendarOverride, Policy

        register_sidebar("sla/_sidebar.html", order=80)
        # Policies and calendars are cached per process against the "sla" stamp (sla.policies).
        for model in (Calendar, CalendarOverride, Policy):
            post_save.connect(_bump_stamp, sender=model, dispatch_uid=f"sla-stamp-save-{model.__name__}")
            post_delete.connect(_bump_stamp, sender=model, dispatch_uid=f"sla-stamp-delete-{model.__name__}")
