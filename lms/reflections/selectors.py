"""Reads for reflections: who may write about what, who may review which reflections (the
branch secretary for their branch; department staff within their subtree), and the
department's counts by branch (GROUP BY in the database)."""

from __future__ import annotations

from django.apps import apps
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from lms.accounts import policy
from lms.accounts.scope import scoped
from lms.members.models import Member

from .models import Reflection


def _with_related(qs: QuerySet[Reflection]) -> QuerySet[Reflection]:
    return qs.select_related("member", "member__branch", "training_class", "course", "reviewed_by")


def secretary_of(user) -> Member | None:
    """The user's member record if they are an active branch secretary (支部书记)."""
    member = policy.member_for(user)
    if member is None or not member.is_active or not member.is_branch_secretary:
        return None
    return member


def reviewable_reflections(user) -> QuerySet[Reflection]:
    """Reflections `user` may review: a branch secretary those of the other members of their
    branch; department staff (and administrators) those in their scope. School staff read
    reflections in their town but do not review them."""
    qs = Reflection.objects.none()
    secretary = secretary_of(user)
    if secretary is not None:
        qs = Reflection.objects.filter(member__branch_id=secretary.branch_id).exclude(member_id=secretary.pk)
    if policy.may_manage_pool(user):
        qs = qs | scoped(Reflection.objects.all(), user)
    return qs


def may_review(user, reflection: Reflection) -> bool:
    return reviewable_reflections(user).filter(pk=reflection.pk).exists()


def visible_reflections(user) -> QuerySet[Reflection]:
    """Own reflections, the ones the user reviews, and staff's scope."""
    return _with_related(scoped(Reflection.objects.all(), user) | reviewable_reflections(user)).distinct()


def my_reflections(member) -> QuerySet[Reflection]:
    return _with_related(Reflection.objects.filter(member=member)).order_by("-submitted_at", "-id")


def review_queue(user, *, status: str = Reflection.Status.PENDING) -> QuerySet[Reflection]:
    return _with_related(reviewable_reflections(user).filter(status=status)).order_by("submitted_at", "id")


def class_attended(member, training_class) -> bool:
    """A member may write about a class once at least one of its days was credited to them."""
    from lms.training.models import CreditedDay

    return CreditedDay.objects.filter(member=member, training_class=training_class).exists()


def course_completed(member, course) -> bool:
    """Every live lesson of the course completed (and the course's required quizzes passed)."""
    from courses.models import LessonPage, StudyProgress

    lessons = LessonPage.objects.live().descendant_of(course)
    if not lessons.exists():
        return False
    done = StudyProgress.objects.filter(member=member, lesson=OuterRef("pk"), completed_at__isnull=False)
    if lessons.filter(~Exists(done)).exists():
        return False
    if apps.is_installed("lms.quizzes"):
        from lms.quizzes.selectors import required_quizzes_passed

        required, passed = required_quizzes_passed(member, [course.pk])[course.pk]
        return passed or not required
    return True


def writable_classes(member) -> QuerySet:
    """Classes the member attended (a credited day) and has not written about yet."""
    from lms.training.models import CreditedDay, TrainingClass

    attended = CreditedDay.objects.filter(member=member, training_class=OuterRef("pk"))
    written = Reflection.objects.filter(member=member, training_class=OuterRef("pk"))
    return (
        TrainingClass.objects.filter(Exists(attended))
        .exclude(Exists(written))
        .exclude(status=TrainingClass.Status.CANCELLED)
        .select_related("school")
        .order_by("-start_date")
    )


def writable_courses(member, limit: int = 20) -> list:
    """Courses the member completed and has not written about yet (most recent study first)."""
    from courses.models import CoursePage, StudyProgress

    written = Reflection.objects.filter(member=member, course__isnull=False).values("course_id")
    studied = (
        StudyProgress.objects.filter(member=member, completed_at__isnull=False)
        .values_list("lesson__path", flat=True)
        .order_by("-completed_at")
    )
    paths = {p[: len(p) - CoursePage.steplen] for p in studied}
    candidates = CoursePage.objects.live().filter(path__in=paths).exclude(pk__in=written)
    return [c for c in candidates[:limit] if course_completed(member, c)]


def counts_by_branch(user, year: int, *, town_id: int | None = None) -> QuerySet:
    """Per branch in the user's scope: reflections submitted, pending, approved and returned in
    `year` (one GROUP BY)."""
    qs = scoped(Reflection.objects.filter(year=year), user)
    if town_id:
        qs = qs.filter(member__branch__town_id=town_id)
    return (
        qs.values(branch_id=F("member__branch_id"), branch_name=F("member__branch__name"))
        .annotate(
            submitted=Count("id"),
            pending=Count("id", filter=Q(status=Reflection.Status.PENDING)),
            approved=Count("id", filter=Q(status=Reflection.Status.APPROVED)),
            returned=Count("id", filter=Q(status=Reflection.Status.RETURNED)),
        )
        .order_by("branch_name")
    )


def approved_count(member, year: int) -> int:
    return Reflection.objects.filter(member=member, year=year, status=Reflection.Status.APPROVED).count()
