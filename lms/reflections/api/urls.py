from django.urls import path

from lms.params import Router

from . import views

router = Router()
router.register("reflections", views.ReflectionViewSet, basename="reflection")
urlpatterns = [
    path("reflections/counts/", views.ReflectionCountsView.as_view(), name="reflection-counts"),
    *router.urls,
]
