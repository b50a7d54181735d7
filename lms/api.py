"""The /api/v1/ root: each app contributes its own `api/urls.py` (routers: `lms.params.Router`).
Anything else under /api/v1/ is a JSON 404, not the site's HTML page."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt  # answers 404 to every method and changes nothing: no token to check
def not_found(request, rest=""):
    return JsonResponse({"detail": "未找到该接口或对象。"}, status=404, json_dumps_params={"ensure_ascii": False})


urlpatterns = [
    path("", include("lms.members.api.urls")),
    path("", include("lms.notifications.api.urls")),
    path("", include("lms.training.api.urls")),
    path("", include("lms.live.api.urls")),
    path("", include("lms.quotas.api.urls")),
    path("", include("lms.points.api.urls")),
    path("", include("lms.reflections.api.urls")),
    path("", include("lms.roster.api.urls")),
    path("", include("courses.api.urls")),
    path("", include("lms.quizzes.api.urls")),
    path("", include("lms.records.api.urls")),
    path("", include("media.api.urls")),
    path("", include("teachers.api.urls")),
    path("", include("search.api.urls")),
    re_path(r"^(?P<rest>.*)$", not_found),
]
