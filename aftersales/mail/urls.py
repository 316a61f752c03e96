from django.urls import path

from aftersales.mail import views, views_outbound

app_name = "mail"
urlpatterns = [
    path("problems/", views.problems, name="problems"),
    path("inbound/<int:inbound_id>/raw/", views.raw, name="raw"),
    path("inbound/<int:inbound_id>/retry/", views.retry, name="retry"),
    path("outbound/<int:outbound_id>/retry/", views_outbound.retry, name="outbound_retry"),
]
