"""Import pages for leads under /imports/."""

from django.urls import path

from aftersales.imports import views

app_name = "imports"
urlpatterns: list = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/preview/", views.preview, name="preview"),
    path("quarantine/", views.quarantine, name="quarantine"),
    path("customers/", views.customers, name="customers"),
    path("customers/<int:pk>/confirm/", views.confirm_customer, name="confirm_customer"),
    path("customers/<int:pk>/merge/", views.merge_customer, name="merge_customer"),
    path("aliases/", views.aliases, name="aliases"),
    path("aliases/<int:pk>/delete/", views.delete_alias, name="delete_alias"),
]
