from django.urls import path

from . import views

app_name = "points"
urlpatterns = [
    path("me/", views.my_points, name="me"),
    path("ranking/", views.ranking, name="ranking"),
    path("rules/", views.rules, name="rules"),
]
