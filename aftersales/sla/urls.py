from django.urls import path
from django.views.generic import RedirectView

from aftersales.sla import views

app_name = "sla"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="sla:calendars"), name="index"),
    path("calendars/", views.calendar_list, name="calendars"),
    path("calendars/new/", views.calendar_create, name="calendar_new"),
    path("calendars/<int:pk>/", views.calendar_detail, name="calendar"),
    path("calendars/<int:pk>/edit/", views.calendar_edit, name="calendar_edit"),
    path("calendars/<int:pk>/overrides/", views.override_create, name="override_new"),
    path("calendars/<int:pk>/overrides/<int:override_id>/delete/", views.override_delete, name="override_delete"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/new/", views.policy_create, name="policy_new"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
]
