from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("videos", views.VideoViewSet, basename="video")
urlpatterns = router.urls
