from django.urls import path

from . import views

app_name = "schools"
urlpatterns = [
    path("", views.exhibition, name="exhibition"),
    path("points/<id:pk>/", views.teaching_point_detail, name="teaching_point"),
]
