from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("members", views.MemberViewSet, basename="member")
urlpatterns = [path("me/", views.me, name="api-me"), *router.urls]
