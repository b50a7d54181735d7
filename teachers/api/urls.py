from django.urls import path

from lms.params import Router

from . import views

router = Router()
router.register("teachers/pool", views.TeacherViewSet, basename="teacher")
router.register("teachers/roster-years", views.RosterYearViewSet, basename="teacher-roster-year")
router.register("teachers/evaluations", views.EvaluationViewSet, basename="teacher-evaluation")
urlpatterns = [
    path(
        "teachers/roster-entries/<id:pk>/remove/", views.RosterEntryRemoveView.as_view(), name="teacher-roster-remove"
    ),
    path("teachers/dimensions/", views.DimensionListView.as_view(), name="teacher-dimensions"),
    path("teachers/assessment/", views.AssessmentView.as_view(), name="teacher-assessment"),
    *router.urls,
]
