"""Feedback pages of the agent UI under /feedback/."""

from django.urls import path  # noqa: F401 - the parts add their paths

app_name = "feedback"
urlpatterns: list = []
