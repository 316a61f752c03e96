from django.urls import path

from aftersales.sms import views, views_balances
from aftersales.sms import views_cases as cases
from aftersales.sms import views_numbers as numbers
from aftersales.sms import views_registrations as registrations

app_name = "sms"
urlpatterns = [
    path("template-check/", views.template_check, name="template_check"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/new/", cases.case_new, name="case_new"),
    path("cases/figures/", cases.case_figures, name="case_figures"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/link/", cases.case_link, name="case_link"),
    path("cases/<int:pk>/unlink/", cases.case_unlink, name="case_unlink"),
    path("cases/<int:pk>/updates/", cases.case_update, name="case_update"),
    path("cases/<int:pk>/responses/", cases.case_response, name="case_response"),
    path("cases/<int:pk>/status/", cases.case_status, name="case_status"),
    path("cases/<int:pk>/notes/", cases.case_note, name="case_note"),
    path("customers/<slug:code>/balance-alerts/", views_balances.balance_alerts, name="balance_alerts"),
    path("registrations/", registrations.dashboard, name="registrations"),
    path("registrations/new/", registrations.registration_new, name="registration_new"),
    path("registrations/<int:pk>/", registrations.registration_detail, name="registration_detail"),
    path("registrations/<int:pk>/move/", registrations.registration_transition, name="registration_transition"),
    path("registrations/<int:pk>/owner/", registrations.registration_owner, name="registration_owner"),
    path(
        "registrations/<int:pk>/vendor-reference/",
        registrations.registration_vendor_reference,
        name="registration_vendor_reference",
    ),
    path(
        "registrations/<int:pk>/documents/", registrations.registration_document_add, name="registration_document_add"
    ),
    path(
        "registrations/<int:pk>/documents/<int:document_id>/",
        registrations.registration_document,
        name="registration_document",
    ),
    path("lead-times/", registrations.lead_times, name="lead_times"),
    path("numbers/", numbers.number_list, name="numbers"),
    path("numbers/new/", numbers.number_create, name="number_new"),
    path("numbers/<int:number_id>/edit/", numbers.number_edit, name="number_edit"),
    path("numbers/<int:number_id>/release/", numbers.number_release, name="number_release"),
    path("numbers/sync/<int:account_id>/", numbers.number_sync, name="number_sync"),
]
