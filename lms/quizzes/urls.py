from django.urls import path

from . import views

app_name = "quizzes"
urlpatterns = [
    path("<id:pk>/", views.quiz_page, name="quiz"),
    path("<id:pk>/start/", views.quiz_start, name="start"),
    path("attempts/<id:pk>/", views.attempt_page, name="attempt"),
]
