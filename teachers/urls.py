from django.urls import path

from . import views

app_name = "teachers"
urlpatterns = [
    path("", views.teacher_list, name="list"),
    path("<int:pk>/", views.teacher_detail, name="detail"),
    path("roster/", views.roster_current, name="roster-current"),
    path("roster/<int:year>/", views.roster, name="roster"),
    path("roster/<int:year>/open/", views.roster_open, name="roster-open"),
    path("roster/<int:year>/add/", views.roster_add, name="roster-add"),
    path("roster/entry/<int:pk>/remove/", views.roster_remove, name="roster-remove"),
    path("me/schedule/", views.my_schedule, name="my-schedule"),
    path("<int:pk>/schedule/", views.schedule, name="schedule"),
    path("evaluate/<int:session_id>/", views.evaluate, name="evaluate"),
    path("evaluations/", views.my_evaluations, name="my-evaluations"),
    path("me/feedback/", views.my_feedback, name="my-feedback"),
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
    path("assessment/", views.assessment, name="assessment"),
    path("assessment.xlsx", views.assessment_xlsx, name="assessment-xlsx"),
]
