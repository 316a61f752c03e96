from django.urls import path

from aftersales.tickets import views, views_root_causes, views_workload

app_name = "tickets"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.new_ticket, name="new"),
    path("new/contacts/", views.new_ticket_contacts, name="new_contacts"),
    path("workload/", views_workload.workload_page, name="workload"),
    path("root-causes/", views_root_causes.root_causes, name="root_causes"),
    path("root-causes/<int:pk>/", views_root_causes.edit_root_cause, name="root_cause_edit"),
    path("<str:ref>/", views.ticket_detail, name="detail"),
    path("<str:ref>/reply/", views.reply, name="reply"),
    path("<str:ref>/status/", views.change_status, name="status"),
    path("<str:ref>/assign/", views.assign, name="assign"),
    path("<str:ref>/assign-to-me/", views.assign_to_me, name="assign_to_me"),
    path("<str:ref>/properties/", views.update_properties, name="properties"),
    path("<str:ref>/customer/", views.set_customer, name="set_customer"),
    path("<str:ref>/merge/", views.merge, name="merge"),
    path("<str:ref>/link/", views.link, name="link"),
    path("<str:ref>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
