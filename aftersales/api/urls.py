"""/api/v1/: the NinjaAPI's URLs (openapi.json, docs, and every endpoint) in the ``api`` namespace."""

from __future__ import annotations

from aftersales.api.main import api

app_name = "api"
urlpatterns = api.urls[0]
