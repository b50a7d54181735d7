from django.urls import path

from . import views

app_name = "records"
urlpatterns = [
    path("me/", views.my_archive, name="me"),
    path("me/archive.pdf", views.my_archive_pdf, name="me-pdf"),
    path("me/archive.xlsx", views.my_archive_xlsx, name="me-xlsx"),
    path("certificates/", views.my_certificates, name="certificates"),
    path("certificates/<id:pk>.pdf", views.certificate_pdf_view, name="certificate-pdf"),
    path("certificates/<id:pk>/revoke/", views.certificate_revoke_view, name="certificate-revoke"),
    path("members/<id:member_id>/", views.member_archive, name="member"),
    path("members/<id:member_id>/archive.pdf", views.member_archive_pdf, name="member-pdf"),
    path("members/<id:member_id>/archive.xlsx", views.member_archive_xlsx, name="member-xlsx"),
    path("members/<id:member_id>/print/", views.member_print, name="member-print"),
    path("print/", views.print_centre, name="print"),
    path("branches/<id:branch_id>/", views.branch_detail, name="branch"),
    path("branches/<id:branch_id>/print/", views.branch_print, name="branch-print"),
    path("jobs/<id:pk>/", views.job_detail, name="job"),
    path("jobs/<id:pk>/status/", views.job_status, name="job-status"),
    path("jobs/<id:pk>/download/", views.job_download, name="job-download"),
    path("classes/<id:class_id>/", views.class_certificates, name="class"),
    path("classes/<id:class_id>/issue/", views.class_certificates_issue_view, name="class-issue"),
    path("verify/", views.verify, name="verify-form"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
