from django.urls import path

from . import views

app_name = "roster"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/status.json", views.job_status, name="job-status"),
    path("jobs/<int:pk>/mapping/", views.job_mapping, name="job-mapping"),
    path("jobs/<int:pk>/confirm/", views.job_confirm, name="job-confirm"),
    path("jobs/<int:pk>/errors.xlsx", views.job_errors, name="job-errors"),
    path("jobs/<int:pk>/file/", views.job_file, name="job-file"),
    path("export/<str:kind>.<str:fmt>", views.export, name="export"),
]
