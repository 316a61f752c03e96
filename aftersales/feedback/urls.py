"""Feedback pages of the agent UI under /feedback/."""

from django.urls import path

from aftersales.feedback import churn_views, csat_views, quality_views, views_checkins, views_surveys

app_name = "feedback"
urlpatterns: list = [
    # CSAT (satisfaction)
    path("csat/", csat_views.csat_list, name="csat_list"),
    path("csat/<str:token>/", csat_views.csat_answer, name="csat_answer"),
    # Quality review
    path("quality/", quality_views.quality_page, name="quality"),
    path("quality/<str:ref>/review/", quality_views.review, name="quality_review"),
    # Check-ins and periodic surveys (NPS)
    path("checkins/", views_checkins.checkin_list, name="checkins"),
    path("checkins/create-missing/", views_checkins.create_missing_plans, name="checkin_plans_create"),
    path("checkins/<slug:code>/log/", views_checkins.log_checkin, name="checkin_log"),
    path("checkins/<slug:code>/plan/", views_checkins.edit_plan, name="checkin_plan"),
    path("surveys/", views_surveys.survey_list, name="surveys"),
    path("surveys/new/", views_surveys.survey_create, name="survey_create"),
    path("surveys/<int:pk>/", views_surveys.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/send/", views_surveys.survey_send, name="survey_send"),
    path("s/<str:token>/", views_surveys.survey_answer, name="survey_answer"),
    # Churn risk
    path("churn/", churn_views.churn_list, name="churn"),
]
