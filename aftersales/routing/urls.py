from django.urls import path

from aftersales.routing import views

app_name = "routing"
urlpatterns = [
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_create, name="rule_new"),
    path("rules/<int:rule_id>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path("rules/<int:rule_id>/move/", views.rule_move, name="rule_move"),
    path("settings/", views.routing_settings, name="settings"),
]
