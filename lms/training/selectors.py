"""Reads for the training workspace, panels, feeds and API (scope applied, relations loaded)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, DecimalField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from lms.accounts.scope import scope_for, scoped
from lms.members.models import Member, MemberCategory
from lms.quotas.selectors import members_ranked_by_need
from lms.training.rules import _overlapping, _when
from lms.training.template import TEACHER_KIND_REQUIRED
from teachers.selectors import roster_teachers

from .credit import session_day
from .models import AnnualPlan, Attendance, ClassSession, CreditedDay, Enrollment, PlannedClass, TrainingClass


def classes_visible_to(user) -> QuerySet[TrainingClass]:
    """Classes in the user's scope with their enrolment count (one query for a list page)."""
    qs = TrainingClass.objects.select_related("school").annotate(enrolled_count=Count("enrollments", distinct=True))
    scope = scope_for(user)
    if not scope.is_staff_scope and scope.member_id:
        return qs.filter(enrollments__member_id=scope.member_id)
    return scoped(qs, user)


def class_sessions(training_class: TrainingClass) -> QuerySet[ClassSession]:
    """The timetable in time order (an aggregate drops Meta.ordering, so it is explicit)."""
    return (
        training_class.sessions.select_related("teaching_point", "teacher", "venue")
        .annotate(present_count=Count("attendances", filter=Q(attendances__present=True)))
        .order_by("starts_at", "id")
    )


def class_enrollments(training_class: TrainingClass) -> QuerySet[Enrollment]:
    return training_class.enrollments.select_related("member", "member__branch").order_by("member__member_no")


def class_enrollments_with_credit(training_class: TrainingClass) -> QuerySet[Enrollment]:
    """Enrolled members with what this class credited each of them: credited days, hours and
    sessions attended (subqueries, one query for the page)."""
    credited = CreditedDay.objects.filter(training_class=training_class, member_id=OuterRef("member_id")).order_by()
    days = credited.values("member_id").annotate(n=Count("id")).values("n")
    hours = credited.values("member_id").annotate(h=Sum("hours")).values("h")
    attended = (
        Attendance.objects.filter(session__training_class=training_class, member_id=OuterRef("member_id"), present=True)
        .order_by()
        .values("member_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return class_enrollments(training_class).annotate(
        credited_days=Coalesce(Subquery(days, output_field=IntegerField()), Value(0)),
        credited_hours=Coalesce(
            Subquery(hours, output_field=DecimalField(max_digits=7, decimal_places=2)),
            Value(0, output_field=DecimalField(max_digits=7, decimal_places=2)),
        ),
        sessions_attended=Coalesce(Subquery(attended, output_field=IntegerField()), Value(0)),
    )


def member_session_status(member_id: int, sessions: list[ClassSession], now: dt.datetime | None = None) -> None:
    """Set ``signin_status`` on each of a member's sessions (one query): 已签到 / 未签到 /
    当日已签到·开始后记出席 / 未开始 — what 我的班次 shows next to each session."""
    now = now or timezone.now()
    rows = dict(
        Attendance.objects.filter(member_id=member_id, session_id__in=[s.pk for s in sessions]).values_list(
            "session_id", "present"
        )
    )
    checked_in_days = {(s.training_class_id, session_day(s)) for s in sessions if rows.get(s.pk) and s.starts_at <= now}
    for s in sessions:
        present = rows.get(s.pk)
        if present:
            s.signin_status, s.signin_css = "已签到", "ok"
        elif present is False:
            s.signin_status, s.signin_css = "缺勤", "bad"
        elif s.starts_at > now and (s.training_class_id, session_day(s)) in checked_in_days:
            s.signin_status, s.signin_css = "当日已签到，开始后记出席", "ok"
        elif s.starts_at > now:
            s.signin_status, s.signin_css = "未开始", ""
        else:
            s.signin_status, s.signin_css = "未签到", "warn"


def sessions_for_teacher(teacher, start: dt.datetime, end: dt.datetime) -> QuerySet[ClassSession]:
    """A teacher's sessions between ``start`` and ``end`` (not of cancelled classes)."""
    return (
        ClassSession.objects.filter(teacher=teacher, starts_at__lt=end, ends_at__gt=start)
        .exclude(training_class__status=TrainingClass.Status.CANCELLED)
        .select_related("training_class", "training_class__school", "teaching_point", "teacher", "venue")
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
        .select_related("training_class", "training_class__school", "teaching_point", "teacher", "venue")
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
    ranked = members_ranked_by_need(qs, year)
    if not training_class.is_rotation:
        # Owing a rotation class is a reason to join a rotation class, not this one.
        ranked = ranked.order_by(
            F("five_year_overdue").desc(),
            F("days_missing").desc(),
            F("last_trained_on").asc(nulls_first=True),
            "pk",
        )
    return ranked.select_related("branch")[:limit]


# --- teacher picker --------------------------------------------------------------------------


def teacher_label(teacher, duplicate_names: set[str] | frozenset = frozenset()) -> str:
    """A teacher as staff must see them to choose: name, kind, and — for names the pool holds
    more than once — unit and school, so two 周佳琪 can be told apart."""
    parts = [teacher.get_kind_display()]
    if teacher.name in duplicate_names:
        parts += [p for p in (teacher.unit, teacher.school.name if teacher.school_id else "") if p]
        parts.append(f"编号{teacher.pk}")
    return f"{teacher.name}（{'·'.join(parts)}）"


def duplicate_teacher_names(teachers) -> set[str]:
    seen: set[str] = set()
    dup: set[str] = set()
    for t in teachers:
        (dup if t.name in seen else seen).add(t.name)
    return dup


def teacher_picker_rows(
    training_class: TrainingClass,
    *,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    session_kind: str = "",
    exclude_session: int | None = None,
    query: str = "",
) -> list[dict]:
    """The bookable teachers (the year's roster) for a session of ``training_class``, each with
    kind, unit, school, specialties, whether the kind fits the item (领导讲课 → 领导干部) and
    what they are already booked for at that time. Three queries for the whole pool; free
    teachers of the right kind first."""
    year = timezone.localtime(starts_at).year if starts_at else training_class.start_date.year
    teachers = list(roster_teachers(year).select_related("school"))
    dup = duplicate_teacher_names(teachers)
    busy: dict[int, str] = {}
    if starts_at and ends_at and ends_at > starts_at:
        for s in _overlapping(starts_at, ends_at, exclude_session).filter(teacher__isnull=False):
            busy.setdefault(s.teacher_id, f"{_when(s)} 已安排在“{s.training_class}”的“{s.display_title}”")
    wanted_kind = TEACHER_KIND_REQUIRED.get(session_kind)
    words = [w for w in (query or "").split() if w]
    rows = []
    for t in teachers:
        specialties = [str(sp) for sp in t.specialties.all()]
        school = t.school.name if t.school_id else ""
        haystack = " ".join([t.name, t.get_kind_display(), t.unit, t.title, school, *specialties])
        if any(w not in haystack for w in words):
            continue
        rows.append(
            {
                "id": t.pk,
                "name": t.name,
                "label": teacher_label(t, dup),
                "kind": t.kind,
                "kind_label": t.get_kind_display(),
                "unit": t.unit,
                "title": t.title,
                "school": school,
                "specialties": specialties,
                "duplicate_name": t.name in dup,
                "kind_ok": wanted_kind is None or t.kind == wanted_kind,
                "busy": busy.get(t.pk, ""),
            }
        )
    rows.sort(key=lambda r: (not r["kind_ok"], bool(r["busy"]), r["kind"], r["name"], r["id"]))
    return rows
