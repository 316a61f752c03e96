from django.urls import path

from aftersales.chat import views

app_name = "chat"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("channels/new/", views.channel_create, name="channel_new"),
    path("channels/<int:channel_id>/edit/", views.channel_edit, name="channel_edit"),
    path("targets/new/", views.target_create, name="target_new"),
    path("targets/<int:target_id>/edit/", views.target_edit, name="target_edit"),
    path("targets/<int:target_id>/test/", views.target_test, name="target_test"),
    path("targets/<int:target_id>/delete/", views.target_delete, name="target_delete"),
]
