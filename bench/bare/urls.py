from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/bare/<int:pk>/", views.bare_update, name="bench-bare"),
    path("", include("lms.urls")),
]
