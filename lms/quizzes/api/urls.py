from django.urls import path

from . import views

app_name = "quizzes-api"
urlpatterns = [
    path("quizzes/", views.QuizListView.as_view(), name="quiz-list"),
    path("quizzes/<id:pk>/", views.QuizDetailView.as_view(), name="quiz-detail"),
    path("quizzes/<id:pk>/attempts/", views.AttemptStartView.as_view(), name="attempt-start"),
    path("quiz-attempts/<id:pk>/", views.AttemptDetailView.as_view(), name="attempt-detail"),
    path("quiz-attempts/<id:pk>/submit/", views.AttemptSubmitView.as_view(), name="attempt-submit"),
]
