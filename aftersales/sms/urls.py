from django.urls import path

from aftersales.sms import views

app_name = "sms"
urlpatterns = [
    path("template-check/", views.template_check, name="template_check"),
]
