"""Telemetry webhooks under /hooks/ (Vonage DLR, inbound, Verify, conversions, the generic feed) and the
probes' heartbeat pings."""

from django.urls import path

from aftersales.monitoring import hooks
from aftersales.monitoring.probes import hooks as probe_hooks

app_name = "monitoring_hooks"
urlpatterns: list = [
    path("vonage/dlr", hooks.vonage_dlr, name="vonage_dlr"),
    path("vonage/inbound", hooks.vonage_inbound, name="vonage_inbound"),
    path("vonage/verify", hooks.vonage_verify, name="vonage_verify"),
    path("conversion", hooks.conversion, name="conversion"),
    path("traffic", hooks.traffic, name="traffic"),
    path("heartbeat/<str:token>", probe_hooks.heartbeat, name="heartbeat"),
    path("heartbeat/<str:token>/", probe_hooks.heartbeat),
]
