from lms.params import Router

from . import views

router = Router()
router.register("notifications", views.NotificationViewSet, basename="notification")
urlpatterns = router.urls
