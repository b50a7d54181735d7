from django.urls import path

from lms.params import Router

from . import views

router = Router()
router.register("roster/imports", views.ImportJobViewSet, basename="roster-import")
urlpatterns = [path("roster/export/", views.ExportView.as_view(), name="roster-export"), *router.urls]
