from django.urls import path

from . import views

app_name = "training"
urlpatterns = [
    path("", views.index, name="index"),
    path("my/", views.my_classes, name="my_classes"),
    path("classes/new/", views.class_new, name="class_new"),
    path("classes/<id:pk>/", views.class_detail, name="class_detail"),
    path("classes/<id:pk>/edit/", views.class_edit, name="class_edit"),
    path("classes/<id:pk>/publish/", views.class_publish, name="class_publish"),
    path("classes/<id:pk>/cancel/", views.class_cancel, name="class_cancel"),
    path("classes/<id:pk>/sessions/new/", views.session_new, name="session_new"),
    path("classes/<id:pk>/enrol/", views.class_enrol, name="class_enrol"),
    path("classes/<id:pk>/teacher-picker/", views.teacher_picker, name="teacher_picker"),
    path("sessions/<id:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<id:pk>/delete/", views.session_delete, name="session_delete"),
    path("sessions/<id:pk>/signin/", views.session_signin_screen, name="signin_screen"),
    path("sessions/<id:pk>/signin/qr/", views.session_signin_qr, name="signin_qr"),
    path("sessions/<id:pk>/roll-call/", views.roll_call, name="roll_call"),
    path("enrollments/<id:pk>/delete/", views.enrollment_delete, name="enrollment_delete"),
    path("s/<str:token>/", views.signin_token, name="signin"),
    path("code/", views.signin_code, name="signin_code"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<id:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<id:pk>/submit/", views.plan_submit, name="plan_submit"),
    path("plans/<id:pk>/review/", views.plan_review, name="plan_review"),
    path("planned/<id:pk>/delete/", views.planned_class_delete, name="planned_class_delete"),
    path("me.ics", views.member_ics, name="member_ics"),
    path("teacher.ics", views.teacher_ics, name="teacher_ics"),
    path("teacher/feed/", views.teacher_feed_link, name="teacher_feed_link"),
    path("teachers/<str:token>/feed.ics", views.teacher_ics_token, name="teacher_ics_token"),
]
