from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms import params  # noqa: F401  registers the <id:…> and <year:…> path converters first
from lms.accounts.admin_views import site_history, site_history_results
from lms.ops.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Wagtail's site history crosses the scope; ours keeps it (lms/accounts/admin_views.py).
    path("admin/reports/site-history/", site_history, name="lms_site_history"),
    path("admin/reports/site-history/results/", site_history_results, name="lms_site_history_results"),
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("lms.api")),
    path("training/", include("lms.training.urls")),
    path("live/rtmp/", include("lms.live.callback_urls")),
    path("live/", include("lms.live.urls")),
    path("progress/", include("lms.quotas.urls")),
    path("points/", include("lms.points.urls")),
    path("reflections/", include("lms.reflections.urls")),
    path("roster/", include("lms.roster.urls")),
    path("notifications/", include("lms.notifications.urls")),
    path("learn/", include("courses.urls")),
    path("quizzes/", include("lms.quizzes.urls")),
    path("records/", include("lms.records.urls")),
    path("", include("media.urls")),  # MEDIA_URL: every file through the policy
    path("teachers/", include("teachers.urls")),
    path("search/", include("search.urls")),
    path("access/", include("lms.accessibility.urls")),
    path("exhibition/", include("lms.schools.urls")),  # 网上展厅
    path("", include("lms.pwa.urls")),  # manifest, /sw.js (root scope), offline page
    path("", include("lms.portal.urls")),
]

urlpatterns.append(path("", include(wagtail_urls)))

handler400 = "lms.portal.errors.bad_request"
handler403 = "lms.portal.errors.permission_denied"
handler404 = "lms.portal.errors.page_not_found"
handler500 = "lms.portal.errors.server_error"
