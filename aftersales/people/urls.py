from django.urls import path

from aftersales.people import views

app_name = "people"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("language/", views.set_language, name="language"),
]
