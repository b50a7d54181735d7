from django.urls import path

from . import views

app_name = "accessibility"
urlpatterns = [
    path("elder-mode/", views.elder_mode, name="elder_mode"),
    path("signin/", views.signin_help, name="signin_help"),
]
