from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "aftersales.people"
    label = "people"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from aftersales.people import twofactor

        user_logged_in.connect(twofactor.on_login, dispatch_uid="people.two_factor.on_login")
