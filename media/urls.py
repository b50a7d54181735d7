from django.urls import path

from . import views

app_name = "media"
urlpatterns = [
    path("files/<path:name>", views.video_file, name="file"),
]
