from django.urls import path

from aftersales.chat import views

app_name = "chat_hooks"
urlpatterns = [path("<slug:slug>", views.webhook, name="webhook")]
