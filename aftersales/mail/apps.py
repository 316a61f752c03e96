from typing import Any

from django.apps import AppConfig


def _bump_stamp(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    from aftersales.core.stamps import bump
    from aftersales.mail.models import STAMP, Mailbox

    cached = "address" if sender is Mailbox else "mail_domains"
    if update_fields is not None and cached not in update_fields:
        return  # the cached addresses and domains did not change
    bump(STAMP)


class MailConfig(AppConfig):
    name = "aftersales.mail"
    label = "mail"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Mail"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from aftersales.customers.models import Customer
        from aftersales.mail import outbound
        from aftersales.mail.models import Mailbox
        from aftersales.tickets.actions import register_message_hook

        register_message_hook(outbound.queue_reply)

        from aftersales.core.panels import register_sidebar

        register_sidebar("mail/_sidebar.html", order=31)  # under the chat app's "Channels" heading

        # The desk's addresses and the customers' mail domains are cached per process against
        # the "mail" stamp (mail.inbound). Customers are edited through the ORM only (no bulk
        # update of mail_domains exists); a change made outside it is seen after a restart.
        for model in (Mailbox, Customer):
            post_save.connect(_bump_stamp, sender=model, dispatch_uid=f"mail-stamp-save-{model.__name__}")
            post_delete.connect(_bump_stamp, sender=model, dispatch_uid=f"mail-stamp-delete-{model.__name__}")
