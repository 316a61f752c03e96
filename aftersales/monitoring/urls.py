"""Monitoring pages of the agent UI under /monitoring/."""

from django.urls import path  # noqa: F401

app_name = "monitoring"
urlpatterns: list = []
