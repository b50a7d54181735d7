from django.conf import settings
from django.urls import path

from . import views

app_name = "media"
# MEDIA_URL ("/files/") is always answered by the authorising view, DEBUG on or off; never by
# django.views.static.
urlpatterns = [
    path(settings.MEDIA_URL.strip("/") + "/<path:name>", views.media_file, name="file"),
]
