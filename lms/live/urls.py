from django.urls import path

from . import views

app_name = "live"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.watch, name="watch"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/key/", views.key_rotate, name="key_rotate"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("sessions/<int:session_pk>/setup/", views.session_setup, name="session_setup"),
    path("sites/<int:pk>/screen/", views.site_screen, name="site_screen"),
    path("sites/<int:pk>/qr/", views.site_qr, name="site_qr"),
    path("sites/<int:pk>/headcount/", views.site_headcount, name="site_headcount"),
    path("s/<str:token>/", views.signin_token, name="signin"),
]
