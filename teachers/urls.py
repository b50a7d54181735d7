from django.urls import path

from . import views

app_name = "teachers"
urlpatterns = [
    path("", views.teacher_list, name="list"),
    path("<id:pk>/", views.teacher_detail, name="detail"),
    path("roster/", views.roster_current, name="roster-current"),
    path("roster/<year:year>/", views.roster, name="roster"),
    path("roster/<year:year>/open/", views.roster_open, name="roster-open"),
    path("roster/<year:year>/add/", views.roster_add, name="roster-add"),
    path("roster/entry/<id:pk>/remove/", views.roster_remove, name="roster-remove"),
    path("me/schedule/", views.my_schedule, name="my-schedule"),
    path("<id:pk>/schedule/", views.schedule, name="schedule"),
    path("evaluate/<id:session_id>/", views.evaluate, name="evaluate"),
    path("evaluations/", views.my_evaluations, name="my-evaluations"),
    path("me/feedback/", views.my_feedback, name="my-feedback"),
    path("<id:pk>/feedback/", views.feedback, name="feedback"),
    path("assessment/", views.assessment, name="assessment"),
    path("assessment.xlsx", views.assessment_xlsx, name="assessment-xlsx"),
]
