from django.urls import path

from . import views

app_name = "training"
urlpatterns = [
    path("", views.index, name="index"),
    path("my/", views.my_classes, name="my_classes"),
    path("classes/new/", views.class_new, name="class_new"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("classes/<int:pk>/edit/", views.class_edit, name="class_edit"),
    path("classes/<int:pk>/publish/", views.class_publish, name="class_publish"),
    path("classes/<int:pk>/cancel/", views.class_cancel, name="class_cancel"),
    path("classes/<int:pk>/sessions/new/", views.session_new, name="session_new"),
    path("classes/<int:pk>/enrol/", views.class_enrol, name="class_enrol"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/delete/", views.session_delete, name="session_delete"),
    path("sessions/<int:pk>/signin/", views.session_signin_screen, name="signin_screen"),
    path("sessions/<int:pk>/signin/qr/", views.session_signin_qr, name="signin_qr"),
    path("sessions/<int:pk>/roll-call/", views.roll_call, name="roll_call"),
    path("enrollments/<int:pk>/delete/", views.enrollment_delete, name="enrollment_delete"),
    path("s/<str:token>/", views.signin_token, name="signin"),
    path("code/", views.signin_code, name="signin_code"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/submit/", views.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/review/", views.plan_review, name="plan_review"),
    path("planned/<int:pk>/delete/", views.planned_class_delete, name="planned_class_delete"),
    path("me.ics", views.member_ics, name="member_ics"),
    path("teacher.ics", views.teacher_ics, name="teacher_ics"),
    path("teacher/feed/", views.teacher_feed_link, name="teacher_feed_link"),
    path("teachers/<str:token>/feed.ics", views.teacher_ics_token, name="teacher_ics_token"),
]
