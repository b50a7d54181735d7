from django.urls import path

from . import views

app_name = "courses-api"
urlpatterns = [
    path("courses/", views.CourseListView.as_view(), name="course-list"),
    path("courses/<id:pk>/", views.CourseDetailView.as_view(), name="course-detail"),
    path("lessons/<id:pk>/", views.LessonDetailView.as_view(), name="lesson-detail"),
    path("lessons/<id:pk>/heartbeat/", views.LessonHeartbeatView.as_view(), name="lesson-heartbeat"),
    path("me/progress/", views.MyProgressView.as_view(), name="my-progress"),
]
