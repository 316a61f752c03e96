from django.urls import path

from aftersales.reports import views, views_dashboard, views_review

app_name = "reports"

urlpatterns = [
    path("", views_dashboard.dashboard, name="dashboard"),
    path("tickets/", views.ticket_list, name="tickets"),
    path("review/", views_review.review, name="review"),
    path("review/export/", views_review.review_export, name="review_export"),
    path("schedules/", views_review.schedules, name="review_schedules"),
    path("schedules/<int:pk>/delete/", views_review.schedule_delete, name="review_schedule_delete"),
]
