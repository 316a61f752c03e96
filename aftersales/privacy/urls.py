from django.urls import path

from aftersales.privacy import views

app_name = "privacy"
urlpatterns = [
    path("customers/<slug:code>/export/", views.customer_export, name="customer_export"),
    path("customers/<slug:code>/erase/", views.customer_erase, name="customer_erase"),
]
