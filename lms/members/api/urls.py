from django.urls import path

from lms.params import Router

from . import views

router = Router()
router.register("members", views.MemberViewSet, basename="member")
urlpatterns = [path("me/", views.me, name="api-me"), *router.urls]
