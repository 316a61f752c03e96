from django.urls import path

from aftersales.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="new"),
    path("<slug:code>/", views.customer_detail, name="detail"),
    path("<slug:code>/edit/", views.customer_edit, name="edit"),
    path("<slug:code>/contacts/new/", views.contact_create, name="contact_new"),
    path("<slug:code>/contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
]
