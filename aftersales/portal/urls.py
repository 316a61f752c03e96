from django.urls import path

from aftersales.portal import views, views_csat

app_name = "portal"
urlpatterns = [
    path("", views.sign_in, name="login"),
    path("link/", views.request_link, name="request_link"),
    path("link/<str:token>/", views.link_sign_in, name="link"),
    path("password/", views.password_request, name="password_request"),
    path("password/<str:token>/", views.password_set, name="password_set"),
    path("logout/", views.sign_out, name="logout"),
    path("tickets/", views.ticket_list, name="tickets"),
    path("tickets/new/", views.new_ticket, name="new"),
    path("tickets/<str:ref>/", views.ticket_detail, name="detail"),
    path("tickets/<str:ref>/reply/", views.reply, name="reply"),
    path("tickets/<str:ref>/close/", views.close, name="close"),
    path("tickets/<str:ref>/rate/", views_csat.rate, name="rate"),  # CSAT (issue 8)
    path("tickets/<str:ref>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("help/", views.help_list, name="help"),
    path("help/<slug:slug>/", views.help_article, name="help_article"),
]
