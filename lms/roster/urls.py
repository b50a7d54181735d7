from django.urls import path

from . import views

app_name = "roster"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<id:pk>/", views.job_detail, name="job"),
    path("jobs/<id:pk>/status.json", views.job_status, name="job-status"),
    path("jobs/<id:pk>/mapping/", views.job_mapping, name="job-mapping"),
    path("jobs/<id:pk>/confirm/", views.job_confirm, name="job-confirm"),
    path("jobs/<id:pk>/errors.xlsx", views.job_errors, name="job-errors"),
    path("jobs/<id:pk>/file/", views.job_file, name="job-file"),
    path("export/<str:kind>.<str:fmt>", views.export, name="export"),
]
