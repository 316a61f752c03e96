from django.urls import path

from aftersales.people import twofactor_views, views

app_name = "people"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("language/", views.set_language, name="language"),
    path("two-factor/", twofactor_views.manage, name="two_factor"),
    path("two-factor/verify/", twofactor_views.verify, name="two_factor_verify"),
]
