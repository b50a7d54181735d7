"""Reads for the training workspace, panels, feeds and API (scope applied, relations loaded)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from lms.accounts.scope import scope_for, scoped
from lms.members.models import Member, MemberCategory

from .models import AnnualPlan, Attendance, ClassSession, CreditedDay, Enrollment, PlannedClass, TrainingClass


def classes_visible_to(user) -> QuerySet[TrainingClass]:
    """Classes in the user's scope with their enrolment count (one query for a list page)."""
    qs = TrainingClass.objects.select_related("school").annotate(enrolled_count=Count("enrollments", distinct=True))
    scope = scope_for(user)
    if not scope.is_staff_scope and scope.member_id:
        return qs.filter(enrollments__member_id=scope.member_id)
    return scoped(qs, user)


def class_sessions(training_class: TrainingClass) -> QuerySet[ClassSession]:
    return training_class.sessions.select_related("teaching_point", "teacher").annotate(
        present_count=Count("attendances", filter=Q(attendances__present=True))
    )


def class_enrollments(training_class: TrainingClass) -> QuerySet[Enrollment]:
    return training_class.enrollments.select_related("member", "member__branch").order_by("member__member_no")


def sessions_for_teacher(teacher, start: dt.datetime, end: dt.datetime) -> QuerySet[ClassSession]:
    """A teacher's sessions between ``start`` and ``end`` (not of cancelled classes)."""
    return (
        ClassSession.objects.filter(teacher=teacher, starts_at__lt=end, ends_at__gt=start)
        .exclude(training_class__status=TrainingClass.Status.CANCELLED)
        .select_related("training_class", "training_class__school", "teaching_point", "teacher")
        .order_by("starts_at")
    )


def sessions_for_member(member_id: int, start: dt.datetime, end: dt.datetime) -> QuerySet[ClassSession]:
    """Sessions of the published classes a member is enrolled in. The member's few class ids
    are read first so the session query never has to guess how selective the join is."""
    class_ids = list(Enrollment.objects.filter(member_id=member_id).values_list("training_class_id", flat=True))
    return (
        ClassSession.objects.filter(
            training_class_id__in=class_ids,
            training_class__status=TrainingClass.Status.PUBLISHED,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .select_related("training_class", "training_class__school", "teaching_point", "teacher")
        .order_by("starts_at")
    )


def upcoming_classes_for_member(member_id: int, today: dt.date | None = None, limit: int = 10):
    today = today or timezone.localdate()
    return (
        TrainingClass.objects.filter(
            enrollments__member_id=member_id, status=TrainingClass.Status.PUBLISHED, end_date__gte=today
        )
        .select_related("school")
        .order_by("start_date")[:limit]
    )


def member_attendance(member_id: int) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(member_id=member_id)
        .select_related("session", "session__training_class")
        .order_by("-session__starts_at")
    )


def member_credited_days(member_id: int) -> QuerySet[CreditedDay]:
    return CreditedDay.objects.filter(member_id=member_id).select_related("training_class").order_by("-day")


def plans_visible_to(user) -> QuerySet[AnnualPlan]:
    return scoped(
        AnnualPlan.objects.select_related("school").annotate(planned_count=Count("planned_classes", distinct=True)),
        user,
    )


def plan_vs_actual(plan: AnnualPlan) -> dict:
    """Planned classes with what actually happened: classes published, trainees enrolled and
    trainees who attended (distinct members), aggregated in SQL; plus the school's classes of
    that year that were not linked to any planned class."""
    published = Q(classes__status=TrainingClass.Status.PUBLISHED)
    rows = list(
        PlannedClass.objects.filter(plan=plan)
        .annotate(
            actual_classes=Count("classes", filter=published, distinct=True),
            actual_enrolled=Count("classes__enrollments", filter=published, distinct=True),
            actual_trainees=Count(
                "classes__sessions__attendances__member",
                filter=published & Q(classes__sessions__attendances__present=True),
                distinct=True,
            ),
        )
        .order_by("quarter", "id")
    )
    unplanned = TrainingClass.objects.filter(
        school_id=plan.school_id,
        start_date__year=plan.year,
        planned_class__isnull=True,
        status=TrainingClass.Status.PUBLISHED,
    ).aggregate(
        classes=Count("id", distinct=True),
        enrolled=Count("enrollments", distinct=True),
        trainees=Count("sessions__attendances__member", filter=Q(sessions__attendances__present=True), distinct=True),
    )
    totals = {
        "planned_classes": len(rows),
        "target_trainees": sum(r.target_trainees for r in rows),
        "actual_classes": sum(r.actual_classes for r in rows) + unplanned["classes"],
        "actual_enrolled": sum(r.actual_enrolled for r in rows) + unplanned["enrolled"],
    }
    return {"rows": rows, "unplanned": unplanned, "totals": totals}


def plans_awaiting_review(user) -> QuerySet[AnnualPlan]:
    return plans_visible_to(user).filter(status=AnnualPlan.Status.SUBMITTED)


def suggested_trainees(user, training_class: TrainingClass, limit: int = 50) -> QuerySet[Member]:
    """Members in the user's jurisdiction (and the class's audiences) not yet enrolled,
    most in need first — the need ranking is the quotas app's one function."""
    from lms.quotas.selectors import members_ranked_by_need

    qs = scoped(Member.objects.filter(is_active=True), user)
    audiences = [a for a in (training_class.audiences or []) if a != MemberCategory.ORDINARY]
    if audiences and MemberCategory.ORDINARY not in (training_class.audiences or []):
        cond = Q()
        for cat in audiences:
            field = Member.CATEGORY_FIELDS.get(cat)
            if field:
                cond |= Q(**{field: True})
        if cond:
            qs = qs.filter(cond)
    if training_class.school.tier == "town":
        qs = qs.filter(branch__town_id=training_class.school_id)
    enrolled = Enrollment.objects.filter(training_class=training_class, member=OuterRef("pk"))
    qs = qs.filter(~Exists(enrolled))
    year = training_class.start_date.year
    return members_ranked_by_need(qs, year).select_related("branch")[:limit]
