"""The /api/v1/ root: each app contributes its own `api/urls.py`."""

from django.urls import include, path

urlpatterns = [
    path("", include("lms.members.api.urls")),
    path("", include("lms.notifications.api.urls")),
    path("", include("lms.training.api.urls")),
    path("", include("lms.live.api.urls")),
    path("", include("lms.quotas.api.urls")),
    path("", include("lms.roster.api.urls")),
    path("", include("courses.api.urls")),
    path("", include("media.api.urls")),
    path("", include("teachers.api.urls")),
    path("", include("search.api.urls")),
]
