from typing import Any

from django.apps import AppConfig


def _bump_stamp(sender: Any, **kwargs: Any) -> None:
    from aftersales.core.stamps import bump
    from aftersales.routing.models import STAMP

    bump(STAMP)


class RoutingConfig(AppConfig):
    name = "aftersales.routing"
    label = "routing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from aftersales.routing.models import RoutingRule, RoutingSettings

        # Rules and settings are cached per process against the "routing" stamp (routing.engine).
        for model in (RoutingRule, RoutingSettings):
            post_save.connect(_bump_stamp, sender=model, dispatch_uid=f"routing-stamp-save-{model.__name__}")
            post_delete.connect(_bump_stamp, sender=model, dispatch_uid=f"routing-stamp-delete-{model.__name__}")
