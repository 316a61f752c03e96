"""Telemetry webhooks under /hooks/ (Vonage DLR, inbound, Verify, conversions, the generic feed)."""

from django.urls import path  # noqa: F401

app_name = "monitoring_hooks"
urlpatterns: list = []
