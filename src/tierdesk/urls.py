"""URL map: the API under /api/v1, the admin, the agent console, the portal."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tierdesk.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("portal/", include("tierdesk.portal.urls")),
    path("", include("tierdesk.tickets.urls")),
    path("", include("tierdesk.queues.urls")),
    path("", include("tierdesk.routing.urls")),
    path("", include("tierdesk.triage.urls")),
    path("", include("tierdesk.escalations.urls")),
    path("", include("tierdesk.engineering.urls")),
    path("", include("tierdesk.macros.urls")),
    path("", include("tierdesk.mail.urls")),
    path("", include("tierdesk.chat.urls")),
    path("", include("tierdesk.phone.urls")),
    path("", include("tierdesk.sla.urls")),
    path("", include("tierdesk.knowledge.urls")),
    path("", include("tierdesk.search.urls")),
    path("", include("tierdesk.suggestions.urls")),
    path("", include("tierdesk.measures.urls")),
    path("", include("tierdesk.surveys.urls")),
    path("", include("tierdesk.staffing.urls")),
    path("", include("tierdesk.web.urls")),
]
admin.site.site_header = "tierdesk"
admin.site.site_title = "tierdesk"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
