from django.urls import path
from django.views.i18n import set_language

from aftersales.core import panel_views, search_views, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("search/", search_views.search_page, name="search"),
    path("panels/<str:page>/<slug:key>/<str:ref>/", panel_views.panel, name="panel"),
]
