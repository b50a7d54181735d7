from django.urls import path

from . import views

app_name = "records-api"
urlpatterns = [
    path("records/me/archive/", views.MyArchiveView.as_view(), name="my-archive"),
    path("records/members/<id:pk>/archive/", views.ArchiveView.as_view(), name="archive"),
    path("records/members/<id:pk>/archive.pdf", views.ArchivePdfView.as_view(), name="archive-pdf"),
    path("records/members/<id:pk>/archive.xlsx", views.ArchiveXlsxView.as_view(), name="archive-xlsx"),
    path("records/archive-jobs/", views.ArchiveJobCreateView.as_view(), name="archive-job-create"),
    path("records/archive-jobs/<id:pk>/", views.ArchiveJobDetailView.as_view(), name="archive-job"),
    path("records/archive-jobs/<id:pk>/download/", views.ArchiveJobDownloadView.as_view(), name="archive-job-download"),
    path("records/certificates/", views.CertificateListView.as_view(), name="certificates"),
    path("records/certificates/<id:pk>.pdf", views.CertificatePdfView.as_view(), name="certificate-pdf"),
    path("records/certificates/<id:pk>/revoke/", views.CertificateRevokeView.as_view(), name="certificate-revoke"),
    path("records/verify/<str:code>/", views.VerifyView.as_view(), name="verify"),
]
