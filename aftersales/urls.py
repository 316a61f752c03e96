from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("aftersales.core.urls")),
    path("", include("aftersales.ops.urls")),
    path("tickets/", include("aftersales.tickets.urls")),
    path("customers/", include("aftersales.customers.urls")),
    path("me/", include("aftersales.people.urls")),
    path("sla/", include("aftersales.sla.urls")),
    path("routing/", include("aftersales.routing.urls")),
    path("notifications/", include("aftersales.notify.urls")),
    path("mail/", include("aftersales.mail.urls")),
    path("chat/", include("aftersales.chat.urls")),
    path("hooks/chat/", include("aftersales.chat.hooks_urls")),
    path("hooks/", include("aftersales.monitoring.hooks_urls")),
    path("api/v1/", include("aftersales.api.urls")),
    path("portal/", include("aftersales.portal.urls")),
    path("knowledge/", include("aftersales.knowledge.urls")),
    path("sms/", include("aftersales.sms.urls")),
    path("monitoring/", include("aftersales.monitoring.urls")),
    path("feedback/", include("aftersales.feedback.urls")),
    path("reports/", include("aftersales.reports.urls")),
    path("imports/", include("aftersales.imports.urls")),
    path("audit/", include("aftersales.audit.urls")),
    path("privacy/", include("aftersales.privacy.urls")),
    path("admin/", admin.site.urls),
]

# The database unreachable → 503 with Retry-After (aftersales.core.errors); anything else → Django's 500.
handler500 = "aftersales.core.errors.server_error"
