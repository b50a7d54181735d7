"""nginx-rtmp's callbacks (mounted at /live/rtmp/ outside the public API)."""

from django.urls import path

from .api.views import NginxCallbackView

app_name = "live-rtmp"
urlpatterns = [
    path("<str:secret>/<slug:call>/", NginxCallbackView.as_view(), name="callback"),
]
