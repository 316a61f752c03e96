"""Monitoring pages of the agent UI under /monitoring/."""

from django.urls import path

from aftersales.monitoring import views_alerts, views_ingestion, views_notices, views_probes, views_pulls

app_name = "monitoring"
urlpatterns: list = [
    path("", views_alerts.overview, name="overview"),
    path("alerts/", views_alerts.alert_list, name="alerts"),
    path("alerts/<int:pk>/", views_alerts.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/suspend-subaccount/", views_alerts.alert_suspend, name="alert_suspend"),
    path("alerts/<int:pk>/actions/<slug:action>/", views_alerts.alert_act, name="alert_act"),
    path("customers/<slug:code>/", views_alerts.customer_health, name="customer_health"),
    path("customers/<slug:code>/notice/", views_notices.customer_notice, name="customer_notice"),
    path("unmapped/", views_ingestion.unmapped, name="unmapped"),
    path("unmapped/map/", views_ingestion.map_key, name="unmapped_map"),
    path("pulls/", views_pulls.pulls, name="pulls"),
    path("probes/", views_probes.probe_list, name="probes"),
    path("probes/new/", views_probes.probe_create, name="probe_create"),
    path("probes/<int:pk>/", views_probes.probe_detail, name="probe_detail"),
    path("probes/<int:pk>/edit/", views_probes.probe_edit, name="probe_edit"),
    path("probes/<int:pk>/run/", views_probes.probe_run, name="probe_run"),
    path("probes/<int:pk>/new-token/", views_probes.probe_token, name="probe_token"),
    path("probes/<int:pk>/delete/", views_probes.probe_delete, name="probe_delete"),
]
