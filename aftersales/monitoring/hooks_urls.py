"""Telemetry webhooks under /hooks/ (Vonage DLR, inbound, Verify, conversions, the generic feed)."""

from django.urls import path

from aftersales.monitoring import hooks

app_name = "monitoring_hooks"
urlpatterns: list = [
    path("vonage/dlr", hooks.vonage_dlr, name="vonage_dlr"),
    path("vonage/inbound", hooks.vonage_inbound, name="vonage_inbound"),
    path("vonage/verify", hooks.vonage_verify, name="vonage_verify"),
    path("conversion", hooks.conversion, name="conversion"),
    path("traffic", hooks.traffic, name="traffic"),
]
