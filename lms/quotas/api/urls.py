from django.urls import path

from lms.params import Router

from . import views

router = Router()
router.register("quotas/rules", views.QuotaRuleViewSet, basename="quota-rule")
urlpatterns = [
    path("quotas/progress/me/", views.MyProgressView.as_view(), name="quota-progress-me"),
    path("quotas/progress/members/<id:member_id>/", views.MemberProgressView.as_view(), name="quota-progress-member"),
    path("quotas/coverage/", views.CoverageView.as_view(), name="quota-coverage"),
    path("quotas/warnings/", views.WarningListView.as_view(), name="quota-warnings"),
    *router.urls,
]
