from lms.params import Router

from . import views

router = Router()
router.register("videos", views.VideoViewSet, basename="video")
urlpatterns = router.urls
