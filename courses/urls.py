from django.urls import path

from . import views

app_name = "courses"
urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("me/", views.me, name="me"),
]
