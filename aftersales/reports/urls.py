from django.urls import path

from aftersales.reports import views

app_name = "reports"

urlpatterns = [
    path("tickets/", views.ticket_list, name="tickets"),
]
