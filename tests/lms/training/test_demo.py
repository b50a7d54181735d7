import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from lms.training.credit import credited_days_recompute
from lms.training.models import AnnualPlan, ClassSession, CreditedDay, Enrollment, TrainingClass
from lms.training.rules import session_conflicts

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_seed_builds_plans_classes_and_attendance():
    call_command(
        "seed_demo",
        members=400,
        years=2,
        seed=11,
        skip=["courses.demo", "teachers.demo_evaluations", "lms.quotas.demo", "search.demo"],
    )
    year = timezone.localdate().year
    per_year = dict(
        TrainingClass.objects.exclude(title__contains="演示").values_list("start_date__year").annotate(n=Count("id"))
    )
    assert per_year == {year - 1: 129, year: 129}
    assert AnnualPlan.objects.filter(status="approved").count() == 2 * 12
    assert AnnualPlan.objects.filter(status="submitted", year=year + 1).count() == 2
    noncompliant = TrainingClass.objects.filter(is_compliant=False)
    assert noncompliant.exists() and not noncompliant.filter(status="published").exists()
    assert all(c.compliance_missing for c in noncompliant)
    last_year = Enrollment.objects.filter(training_class__start_date__year=year - 1).count()
    assert 0.8 * 2.8 * 400 < last_year < 1.2 * 2.8 * 400  # demo: ~2.8 trainings per member and year
    # the stored credited days are exactly what the rule derives from the attendance rows
    sample = TrainingClass.objects.filter(start_date__year=year - 1, status="published").order_by("id")[:5]
    before = CreditedDay.objects.count()
    assert before > 0
    for c in sample:
        credited_days_recompute(c)
    assert CreditedDay.objects.count() == before
    # no double bookings
    booked = ClassSession.objects.exclude(teacher=None, teaching_point=None).select_related(
        "teacher", "teaching_point", "training_class"
    )
    assert not any(session_conflicts(s) for s in booked)
    # dangyuan has a class running today
    today = timezone.localdate()
    assert ClassSession.objects.filter(
        training_class__enrollments__member__user__username="dangyuan",
        training_class__status="published",
        starts_at__date__gte=today,
    ).exists()
