from django.urls import path

from .views import attendance, calendar, classes, enrollment, plans

app_name = "training"
urlpatterns = [
    path("", classes.index, name="index"),
    path("my/", classes.my_classes, name="my_classes"),
    path("classes/new/", classes.class_new, name="class_new"),
    path("classes/<id:pk>/", classes.class_detail, name="class_detail"),
    path("classes/<id:pk>/edit/", classes.class_edit, name="class_edit"),
    path("classes/<id:pk>/publish/", classes.class_publish, name="class_publish"),
    path("classes/<id:pk>/cancel/", classes.class_cancel, name="class_cancel"),
    path("classes/<id:pk>/sessions/new/", classes.session_new, name="session_new"),
    path("classes/<id:pk>/enrol/", enrollment.class_enrol, name="class_enrol"),
    path("classes/<id:pk>/teacher-picker/", classes.teacher_picker, name="teacher_picker"),
    path("sessions/<id:pk>/edit/", classes.session_edit, name="session_edit"),
    path("sessions/<id:pk>/delete/", classes.session_delete, name="session_delete"),
    path("sessions/<id:pk>/signin/", attendance.session_signin_screen, name="signin_screen"),
    path("sessions/<id:pk>/signin/qr/", attendance.session_signin_qr, name="signin_qr"),
    path("sessions/<id:pk>/roll-call/", attendance.roll_call, name="roll_call"),
    path("enrollments/<id:pk>/delete/", enrollment.enrollment_delete, name="enrollment_delete"),
    path("s/<str:token>/", attendance.signin_token, name="signin"),
    path("code/", attendance.signin_code, name="signin_code"),
    path("plans/", plans.plan_list, name="plan_list"),
    path("plans/new/", plans.plan_new, name="plan_new"),
    path("plans/<id:pk>/", plans.plan_detail, name="plan_detail"),
    path("plans/<id:pk>/submit/", plans.plan_submit, name="plan_submit"),
    path("plans/<id:pk>/review/", plans.plan_review, name="plan_review"),
    path("planned/<id:pk>/delete/", plans.planned_class_delete, name="planned_class_delete"),
    path("me.ics", calendar.member_ics, name="member_ics"),
    path("teacher.ics", calendar.teacher_ics, name="teacher_ics"),
    path("teacher/feed/", calendar.teacher_feed_link, name="teacher_feed_link"),
    path("teachers/<str:token>/feed.ics", calendar.teacher_ics_token, name="teacher_ics_token"),
]
