from django.urls import path

from aftersales.mail import views

app_name = "mail"
urlpatterns = [
    path("problems/", views.problems, name="problems"),
    path("inbound/<int:inbound_id>/raw/", views.raw, name="raw"),
    path("inbound/<int:inbound_id>/retry/", views.retry, name="retry"),
]
