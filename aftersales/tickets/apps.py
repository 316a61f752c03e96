from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "aftersales.tickets"
    label = "tickets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.core.search_views import register_jump, register_status_choices
        from aftersales.sla.conditions import register_condition_choices
        from aftersales.tickets import deadlines, panels, search
        from aftersales.tickets.models import Category, Channel, Priority, Status

        panels.register()
        deadlines.register()
        search.register()  # the "ticket" search source and the reference lookup (issue 5)
        register_jump(search.jump)
        register_status_choices("ticket", lambda: list(Status.choices))
        # SLA policies match on these; sla cannot import tickets, so tickets offers the choices.
        register_condition_choices("channels", lambda: list(Channel.choices))
        register_condition_choices("priorities", lambda: list(Priority.choices))
        register_condition_choices(
            "category_codes",
            lambda: [(c.code, str(c)) for c in Category.objects.filter(is_active=True).select_related("parent")],
        )
