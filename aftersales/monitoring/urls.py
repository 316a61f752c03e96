"""Monitoring pages of the agent UI under /monitoring/."""

from django.urls import path

from aftersales.monitoring import views_alerts, views_ingestion

app_name = "monitoring"
urlpatterns: list = [
    path("", views_alerts.overview, name="overview"),
    path("alerts/", views_alerts.alert_list, name="alerts"),
    path("alerts/<int:pk>/", views_alerts.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/suspend-subaccount/", views_alerts.alert_suspend, name="alert_suspend"),
    path("customers/<slug:code>/", views_alerts.customer_health, name="customer_health"),
    path("unmapped/", views_ingestion.unmapped, name="unmapped"),
    path("unmapped/map/", views_ingestion.map_key, name="unmapped_map"),
]
