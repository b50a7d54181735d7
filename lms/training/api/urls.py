from django.urls import path

from lms.params import Router

from . import views

router = Router()
router.register("training/plans", views.PlanViewSet, basename="training-plan")
router.register("training/planned-classes", views.PlannedClassViewSet, basename="training-planned-class")
router.register("training/classes", views.ClassViewSet, basename="training-class")
router.register("training/sessions", views.SessionViewSet, basename="training-session")
router.register("training/enrollments", views.EnrollmentViewSet, basename="training-enrollment")
router.register("training/attendance", views.AttendanceViewSet, basename="training-attendance")
router.register("training/credited-days", views.CreditedDayViewSet, basename="training-credited-day")
urlpatterns = [path("training/signin/", views.SignInView.as_view(), name="training-signin"), *router.urls]
