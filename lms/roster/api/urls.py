from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("roster/imports", views.ImportJobViewSet, basename="roster-import")
urlpatterns = [path("roster/export/", views.ExportView.as_view(), name="roster-export"), *router.urls]
