from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "aftersales.sms"
    label = "sms"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales.core.intake import register_mail_claimer
        from aftersales.core.panels import register_sidebar
        from aftersales.sms import cases, panels, panels_cases, panels_numbers, panels_registrations

        register_sidebar("sms/_sidebar.html", order=40)
        panels.register()  # SMS balance: customer and ticket pages
        panels_numbers.register()  # numbers and their inbound webhooks: customer page
        panels_registrations.register()  # sender-ID registrations: customer page
        panels_cases.register()  # vendor cases: ticket page
        register_mail_claimer(cases.claim_vendor_mail)  # vendor answers thread into their case
