"""Writes for plans, classes, sessions, enrolment and attendance.

Every function takes the acting user and checks the one permission rule for schools
(`school_manage_check`): school staff manage the classes and plans of the schools in their
scope; organization-department staff approve plans; members only sign themselves in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from lms.accounts import policy
from lms.accounts.scope import scope_for, scoped
from lms.audit.services import audit_record
from lms.members.models import Member
from lms.schools.models import PartySchool

from . import conf, signin
from .credit import credited_days_recompute, session_day
from .models import AnnualPlan, Attendance, ClassSession, Enrollment, PlannedClass, TrainingClass
from .rules import room_allowed, session_conflicts, teaching_point_allowed
from .template import check_template, teacher_kind_refusal, template_sessions

NOT_YOUR_SCHOOL = "您无权管理该党校的班次或计划。"
NOT_DEPARTMENT = "只有组织部工作人员可以审批该党校的教学计划。"


# --- permissions -----------------------------------------------------------------------------


def school_manageable(user, school: PartySchool | int) -> bool:
    """School staff manage the schools in their scope (a town school its own, the city school
    itself and the towns under it); superusers manage all."""
    return policy.may_manage_school(user, school)


def school_manage_check(user, school: PartySchool | int) -> None:
    if not school_manageable(user, school):
        raise PermissionDenied(NOT_YOUR_SCHOOL)


def plan_reviewable(user, plan: AnnualPlan) -> bool:
    scope = scope_for(user)
    return scope.is_all or (scope.can_manage_pool and plan.school_id in scope.school_ids)


def roster_teachers_for(year: int):
    """Teachers a school may book this year: the pool's yearly roster. Until the teachers app
    provides `roster_teachers`, every active teacher of the pool."""
    try:
        from teachers.selectors import roster_teachers
    except ImportError:
        from teachers.models import Teacher

        return Teacher.objects.filter(is_active=True)
    return roster_teachers(year)


# --- annual plans ----------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, user, school: PartySchool, year: int, title: str = "", notes: str = "") -> AnnualPlan:
    school_manage_check(user, school)
    if AnnualPlan.objects.filter(school=school, year=year).exists():
        raise ValidationError({"year": f"{school}的{year}年度教学计划已存在。"})
    plan = AnnualPlan(school=school, year=year, title=title or f"{school}{year}年度教学计划", notes=notes)
    plan.full_clean()
    plan.save()
    return plan


def _plan_editable_check(user, plan: AnnualPlan) -> None:
    school_manage_check(user, plan.school_id)
    if not plan.is_editable:
        raise ValidationError(f"计划当前状态为“{plan.get_status_display()}”，不能修改。")


@transaction.atomic
def planned_class_add(
    *,
    user,
    plan: AnnualPlan,
    title: str,
    quarter: int,
    module: str = "general",
    audiences: list[str] | None = None,
    target_trainees: int = 50,
    is_rotation: bool = False,
) -> PlannedClass:
    plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
    _plan_editable_check(user, plan)
    item = PlannedClass(
        plan=plan,
        title=title,
        quarter=quarter,
        module=module,
        audiences=list(audiences or []),
        target_trainees=target_trainees,
        is_rotation=is_rotation,
    )
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def planned_class_delete(*, user, planned_class: PlannedClass) -> None:
    _plan_editable_check(user, planned_class.plan)
    planned_class.delete()


@transaction.atomic
def plan_submit(*, user, plan: AnnualPlan) -> AnnualPlan:
    plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
    _plan_editable_check(user, plan)
    if not plan.planned_classes.exists():
        raise ValidationError("计划中还没有任何班次，不能提交。")
    plan.status = AnnualPlan.Status.SUBMITTED
    plan.submitted_at, plan.submitted_by = timezone.now(), user
    plan.save(update_fields=["status", "submitted_at", "submitted_by"])
    audit_record(actor=user, action="plan_submit", obj=plan, summary=f"提交{plan}")
    return plan


@transaction.atomic
def plan_review(*, user, plan: AnnualPlan, approve: bool, comment: str = "") -> AnnualPlan:
    """Approve, or return with a comment (a comment is required when returning)."""
    plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan_reviewable(user, plan):
        raise PermissionDenied(NOT_DEPARTMENT)
    if plan.status != AnnualPlan.Status.SUBMITTED:
        raise ValidationError(f"只能审批“待审批”的计划（当前：{plan.get_status_display()}）。")
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": "退回计划时请填写审批意见。"})
    before = plan.status
    plan.status = AnnualPlan.Status.APPROVED if approve else AnnualPlan.Status.RETURNED
    plan.review_comment = comment
    plan.reviewed_at, plan.reviewed_by = timezone.now(), user
    plan.save(update_fields=["status", "review_comment", "reviewed_at", "reviewed_by"])
    audit_record(
        actor=user,
        action="plan_approve" if approve else "plan_return",
        obj=plan,
        summary=f"{'批准' if approve else '退回'}{plan}",
        changes={"status": [before, plan.status], "comment": comment},
    )
    return plan


# --- classes and sessions --------------------------------------------------------------------


def compliance_refresh(training_class: TrainingClass) -> None:
    """Store the 5+1+N result on the class (called after every session change)."""
    result = check_template(training_class)
    TrainingClass.objects.filter(pk=training_class.pk).update(is_compliant=result.ok, compliance_missing=result.missing)
    training_class.is_compliant, training_class.compliance_missing = result.ok, result.missing


CLASS_FIELDS = ("title", "module", "audiences", "is_rotation", "start_date", "end_date", "capacity", "place")


@transaction.atomic
def class_create(
    *,
    user,
    school: PartySchool,
    title: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    module: str = "general",
    audiences: list[str] | None = None,
    capacity: int = 60,
    place: str = "",
    is_rotation: bool = False,
    planned_class: PlannedClass | None = None,
    from_template: bool = True,
) -> TrainingClass:
    """Create a draft class; ``from_template`` pre-fills the five mandatory items."""
    school_manage_check(user, school)
    if planned_class is not None and planned_class.plan.school_id != school.pk:
        raise ValidationError({"planned_class": "计划班次不属于该党校的年度计划。"})
    training_class = TrainingClass(
        school=school,
        title=title,
        start_date=start_date,
        end_date=end_date or start_date,
        module=module,
        audiences=list(audiences or []),
        capacity=capacity,
        place=place,
        is_rotation=is_rotation,
        planned_class=planned_class,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    _class_rule_check(training_class)
    training_class.save()
    if from_template:
        ClassSession.objects.bulk_create(template_sessions(training_class))
    compliance_refresh(training_class)
    return training_class


@transaction.atomic
def class_update(*, user, training_class: TrainingClass, **fields) -> TrainingClass:
    school_manage_check(user, training_class.school_id)
    unknown = set(fields) - set(CLASS_FIELDS)
    if unknown:
        raise ValidationError(f"不能修改的字段：{', '.join(sorted(unknown))}")
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    for name, value in fields.items():
        setattr(training_class, name, value)
    _class_rule_check(training_class)
    training_class.save(update_fields=list(fields) or None)
    return training_class


def class_rule_errors(training_class: TrainingClass) -> dict[str, str]:
    """Dates, length and capacity of a class: end not before start, at most
    ``TRAINING_CLASS_MAX_DAYS`` days, capacity between the enrolled count and
    ``TRAINING_CLASS_MAX_CAPACITY``, saved sessions inside the dates. Shared by the
    workspace, the API and the Wagtail admin (through class_create / class_update)."""
    errors: dict[str, str] = {}
    c = training_class
    if c.start_date and c.end_date:
        if c.end_date < c.start_date:
            errors["end_date"] = "结束日期不能早于开始日期。"
        elif (c.end_date - c.start_date).days + 1 > conf.class_max_days():
            errors["end_date"] = f"班次最长{conf.class_max_days()}天，请拆分为多个班次。"
    maximum = conf.class_max_capacity()
    if c.capacity is not None:
        if c.capacity < 1:
            errors["capacity"] = "容量至少为1人。"
        elif c.capacity > maximum:
            errors["capacity"] = f"容量不能超过{maximum}人。"
        elif c.pk:
            enrolled = Enrollment.objects.filter(training_class_id=c.pk).count()
            if c.capacity < enrolled:
                errors["capacity"] = f"已有{enrolled}人报名，容量不能少于{enrolled}人（如需减少请先取消部分报名）。"
    if c.pk and c.start_date and c.end_date and "end_date" not in errors:
        outside = [
            s
            for s in ClassSession.objects.filter(training_class_id=c.pk).only("starts_at", "ends_at", "kind", "title")
            if not (c.start_date <= session_day(s) and timezone.localtime(s.ends_at).date() <= c.end_date)
        ]
        if outside:
            names = "、".join(f"{s.display_title}（{timezone.localtime(s.starts_at):%m-%d}）" for s in outside[:5])
            errors["start_date"] = f"以下课次不在新的班次日期内，请先调整课次：{names}"
    return errors


def _class_rule_check(training_class: TrainingClass) -> None:
    try:
        training_class.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
    else:
        errors = {}
    for name, message in class_rule_errors(training_class).items():
        errors.setdefault(name, [message])
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def class_publish(*, user, training_class: TrainingClass) -> TrainingClass:
    """Publish a class; refused with the exact list of what 5+1+N still misses."""
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    school_manage_check(user, training_class.school_id)
    if training_class.status == TrainingClass.Status.CANCELLED:
        raise ValidationError("已取消的班次不能发布。")
    result = check_template(training_class)
    compliance_refresh(training_class)
    if not result.ok:
        raise ValidationError(result.missing)
    if training_class.status != TrainingClass.Status.PUBLISHED:
        training_class.status = TrainingClass.Status.PUBLISHED
        training_class.published_at = timezone.now()
        training_class.save(update_fields=["status", "published_at"])
        audit_record(actor=user, action="class_publish", obj=training_class, summary=f"发布班次{training_class}")
    return training_class


@transaction.atomic
def class_cancel(*, user, training_class: TrainingClass) -> TrainingClass:
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    school_manage_check(user, training_class.school_id)
    before = training_class.status
    training_class.status = TrainingClass.Status.CANCELLED
    training_class.save(update_fields=["status"])
    audit_record(
        actor=user,
        action="class_cancel",
        obj=training_class,
        summary=f"取消班次{training_class}",
        changes={"status": [before, training_class.status]},
    )
    credited_days_recompute(training_class)
    return training_class


def _lock_bookables(session: ClassSession) -> None:
    """Serialize bookings of the same teacher / teaching point / room so two staff users cannot
    both pass the conflict check at once (row locks on PostgreSQL; SQLite serializes writers)."""
    from lms.schools.models import Room, TeachingPoint
    from teachers.models import Teacher

    if session.teacher_id:
        list(Teacher.objects.select_for_update().filter(pk=session.teacher_id))
    if session.teaching_point_id:
        list(TeachingPoint.objects.select_for_update().filter(pk=session.teaching_point_id))
    if session.venue_id:
        list(Room.objects.select_for_update().filter(pk=session.venue_id))


def _fmt(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def session_rule_errors(session: ClassSession, school: PartySchool) -> dict[str, str]:
    """Place, teacher and time rules of a session (without double bookings); shared by the
    workspace, the API and the Wagtail admin form.

    Times: inside the class's dates, end after start, at most ``TRAINING_SESSION_MAX_HOURS``.
    Place: a town school books its own town's teaching points and its own rooms. Teacher: on
    the year's roster, of the kind the item requires (领导讲课 → 领导干部). Records stay true:
    a session with attendance keeps its times, one with evaluations keeps its teacher."""
    errors: dict[str, str] = {}
    if session.kind == ClassSession.Kind.OPTIONAL and not (session.title or "").strip():
        errors["title"] = "自选动作请填写名称。"
    if session.starts_at and session.ends_at:
        if session.ends_at <= session.starts_at:
            errors["ends_at"] = "结束时间必须晚于开始时间。"
        elif (session.ends_at - session.starts_at) > dt.timedelta(hours=conf.session_max_hours()):
            errors["ends_at"] = f"单个课次最长{conf.session_max_hours():g}小时，请拆分为多个课次。"
        c = session.training_class
        first, last = session_day(session), timezone.localtime(session.ends_at).date()
        if c.start_date and c.end_date and not (c.start_date <= first and last <= c.end_date):
            errors["starts_at"] = (
                f"课次时间须在班次日期内（{c.start_date:%Y-%m-%d} 至 {c.end_date:%Y-%m-%d}），"
                f"当前为 {_fmt(session.starts_at)}–{_fmt(session.ends_at)}。"
            )
    if session.kind == ClassSession.Kind.TEACHING_POINT and not session.teaching_point_id:
        errors["teaching_point"] = "现场教学请选择基层教学点。"
    if session.teaching_point_id and not teaching_point_allowed(school, session.teaching_point):
        errors["teaching_point"] = "镇街党校只能选择本镇街的基层教学点。"
    if session.venue_id and not room_allowed(school, session.venue):
        errors["venue"] = "只能选择本党校的教室。"
    if session.teacher_id and session.starts_at:
        year = timezone.localtime(session.starts_at).year
        if not roster_teachers_for(year).filter(pk=session.teacher_id).exists():
            errors["teacher"] = f"该讲师不在{year}年度师资库名单中，不能安排授课。"
        else:
            refusal = teacher_kind_refusal(session.kind, session.teacher)
            if refusal:
                errors["teacher"] = refusal
    if session.pk:
        errors.update(_history_errors(session))
    return errors


def _history_errors(session: ClassSession) -> dict[str, str]:
    """What a session that already happened may no longer change."""
    from teachers.models import Evaluation

    errors: dict[str, str] = {}
    before = ClassSession.objects.filter(pk=session.pk).values("teacher_id", "starts_at", "ends_at").first()
    if before is None:
        return errors
    if before["teacher_id"] != session.teacher_id and Evaluation.objects.filter(session_id=session.pk).exists():
        errors["teacher"] = "该课次已有学员评价，不能更换讲师（评价须对应实际授课的讲师）。"
    moved = (before["starts_at"], before["ends_at"]) != (session.starts_at, session.ends_at)
    if moved and Attendance.objects.filter(session_id=session.pk).exists():
        errors["starts_at"] = "该课次已有签到或点名记录，不能修改时间。"
    return errors


@transaction.atomic
def session_save(*, user, session: ClassSession) -> ClassSession:
    """Create or change a session: place and teacher rules, no double booking, then the
    class's stored 5+1+N result is refreshed."""
    training_class = TrainingClass.objects.select_related("school").get(pk=session.training_class_id)
    school_manage_check(user, training_class.school)
    session.training_class = training_class
    errors = session_rule_errors(session, training_class.school)
    if errors:
        raise ValidationError(errors)
    session.full_clean()
    _lock_bookables(session)
    errors = session_conflicts(session)
    if errors:
        raise ValidationError(errors)
    session.save()
    compliance_refresh(training_class)
    _credited_days_follow_schedule(training_class)
    return session


@transaction.atomic
def session_delete(*, user, session: ClassSession) -> None:
    training_class = session.training_class
    school_manage_check(user, training_class.school_id)
    if session.attendances.exists():
        raise ValidationError("该课次已有签到记录，不能删除。")
    session.delete()
    compliance_refresh(training_class)
    _credited_days_follow_schedule(training_class)


def _credited_days_follow_schedule(training_class: TrainingClass) -> None:
    """A session added to or removed from a class day changes that day's scheduled time, and so
    whether the attendance already recorded still reaches the share the rule asks for."""
    if Attendance.objects.filter(session__training_class=training_class).exists():
        credited_days_recompute(training_class)


# --- enrolment -------------------------------------------------------------------------------


@transaction.atomic
def enrollment_add(*, user, training_class: TrainingClass, member_ids: Iterable[int]) -> list[Enrollment]:
    """Enrol members (in the user's jurisdiction) up to capacity. The class row is locked so
    concurrent enrolments cannot overfill it. Already-enrolled members are skipped."""
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    school_manage_check(user, training_class.school_id)
    if training_class.status == TrainingClass.Status.CANCELLED:
        raise ValidationError("班次已取消，不能报名。")
    wanted = []
    for raw in member_ids:
        try:
            wanted.append(int(raw))
        except (TypeError, ValueError):
            raise ValidationError(f"党员编号格式不正确：{raw}") from None
    wanted = list(dict.fromkeys(wanted))
    allowed = set(scoped(Member.objects.filter(pk__in=wanted, is_active=True), user).values_list("pk", flat=True))
    refused = [m for m in wanted if m not in allowed]
    if refused:
        raise ValidationError(f"以下党员不存在或不在您的管辖范围内：{', '.join(map(str, refused))}")
    already = set(
        Enrollment.objects.filter(training_class=training_class, member_id__in=wanted).values_list(
            "member_id", flat=True
        )
    )
    new = [m for m in wanted if m not in already]
    taken = Enrollment.objects.filter(training_class=training_class).count()
    free = training_class.capacity - taken
    if len(new) > free:
        raise ValidationError(
            f"名额不足：容量{training_class.capacity}人，已报名{taken}人，本次最多还能报名{max(free, 0)}人。"
        )
    rows = [Enrollment(training_class=training_class, member_id=m, enrolled_by=user) for m in new]
    Enrollment.objects.bulk_create(rows)
    return rows


@transaction.atomic
def enrollment_remove(*, user, enrollment: Enrollment) -> None:
    school_manage_check(user, enrollment.training_class.school_id)
    audit_record(
        actor=user,
        action="enrollment_remove",
        obj=enrollment.training_class,
        summary=f"取消报名：{enrollment.member}",
        changes={"member": enrollment.member_id},
    )
    enrollment.delete()


# --- sign-in and roll call -------------------------------------------------------------------
#
# One sign-in per class day: a scan (QR or code) of any session of the day marks the member
# present at every session of that class day whose sign-in window is open now, and the later
# sessions of the day are marked "当日签到" when they start (attendance_day_carry, run by Celery
# beat and by the roll-call page). Nothing is recorded for a session before its window opens,
# and staff can still mark a member absent at any session by roll call.

NOT_MEMBER = "只有党员账号可以签到。"
NOT_ENROLLED = "您未报名该班次，无法签到。如有疑问请联系主办党校。"
NOT_PUBLISHED = "该班次尚未发布或已取消，无法签到。"
TOO_EARLY = "签到尚未开始：本课次 {start} 开始，开课前 {before} 分钟开放签到。"
TOO_LATE = "签到已结束：本课次于 {end} 结束，签到截止于结束后 {after} 分钟。"
NO_SESSION = "签到码不正确或已过期，或您当前没有正在进行的课次。"
ROLL_CALL_TOO_EARLY = "点名尚未开始：本课次 {start} 开始，开课前 {before} 分钟开放点名。"
ROLL_CALL_NOT_PUBLISHED = "班次尚未发布或已取消，不能点名。"
SCANNED = (Attendance.Source.QR, Attendance.Source.CODE)


class SignInRefused(Exception):
    """Raised with a Chinese reason when a sign-in is not accepted."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def signin_window(session: ClassSession) -> tuple[dt.datetime, dt.datetime]:
    return (
        session.starts_at - dt.timedelta(minutes=conf.signin_open_before_minutes()),
        session.ends_at + dt.timedelta(minutes=conf.signin_close_after_minutes()),
    )


def signin_open(session: ClassSession, now: dt.datetime) -> bool:
    opens, closes = signin_window(session)
    return opens <= now <= closes


def signin_refusal(session: ClassSession, member_id: int, now: dt.datetime | None = None) -> str:
    """Why ``member_id`` may not sign in to ``session`` now ('' when they may)."""
    now = now or timezone.now()
    if session.training_class.status != TrainingClass.Status.PUBLISHED:
        return NOT_PUBLISHED
    opens, closes = signin_window(session)
    if now < opens:
        return TOO_EARLY.format(
            start=f"{timezone.localtime(session.starts_at):%m月%d日 %H:%M}",
            before=int((session.starts_at - opens).total_seconds() // 60),
        )
    if now > closes:
        return TOO_LATE.format(
            end=f"{timezone.localtime(session.ends_at):%m月%d日 %H:%M}",
            after=int((closes - session.ends_at).total_seconds() // 60),
        )
    if not Enrollment.objects.filter(training_class_id=session.training_class_id, member_id=member_id).exists():
        return NOT_ENROLLED
    return ""


def _member_id(user) -> int:
    member_id = policy.member_id_for(user)
    if not member_id:
        raise SignInRefused(NOT_MEMBER)
    return member_id


def day_sessions(session: ClassSession) -> list[ClassSession]:
    """The sessions of ``session``'s class on the same local day, in time order."""
    day = session_day(session)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return [
        s
        for s in ClassSession.objects.filter(
            training_class_id=session.training_class_id,
            starts_at__gte=start,
            starts_at__lt=start + dt.timedelta(days=1),
        ).order_by("starts_at", "id")
    ]


@dataclass
class SignIn:
    """Result of a member's sign-in. Unpacks and indexes as ``(attendance, created)`` for
    older callers."""

    attendance: Attendance  # the row of the scanned session
    created: bool  # the scan newly marked the member present somewhere
    sessions: list[ClassSession] = field(default_factory=list)  # the class day, in time order
    present_ids: set[int] = field(default_factory=set)  # sessions of the day now marked present

    def __iter__(self) -> Iterator:
        return iter((self.attendance, self.created))

    def __getitem__(self, index: int):
        return (self.attendance, self.created)[index]

    @property
    def later(self) -> list[ClassSession]:
        """Sessions of the day not yet started: marked present when they start."""
        return [s for s in self.sessions if s.pk not in self.present_ids and s.starts_at > self.attendance.signed_at]


_INSERT_PRESENT = (
    "INSERT INTO {table} (session_id, member_id, present, source, signed_at, recorded_by_id) "
    "VALUES {values} ON CONFLICT (session_id, member_id) DO NOTHING RETURNING session_id, id"
)


def _insert_present(session_ids: list[int], member_id: int, source: str, now: dt.datetime, recorded_by_id) -> dict:
    """One INSERT … ON CONFLICT DO NOTHING against the unique (session, member) constraint:
    repeated or concurrent scans leave exactly one row per session. Returns {session id: new
    row id} for the sessions that got a new row."""
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(session_ids))
    params: list = []
    for sid in session_ids:
        params += [sid, member_id, True, source, now, recorded_by_id]
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_PRESENT.format(table=connection.ops.quote_name(Attendance._meta.db_table), values=values), params
        )
        return {row[0]: row[1] for row in cursor.fetchall()}


@transaction.atomic
def attendance_mark_present(
    *,
    session: ClassSession,
    member_id: int,
    source: str,
    recorded_by=None,
    also: list[ClassSession] | None = None,
    now: dt.datetime | None = None,
) -> tuple[Attendance, bool]:
    """Idempotent presence at ``session`` (and the sessions in ``also``). Only the first of
    repeated or concurrent calls reports ``created``. A row an earlier roll call marked absent
    is turned present. Credit is recomputed at once only when the day is already over (else
    `credited_days_settle` credits it after the last session ends)."""
    now = now or timezone.now()
    recorded_by_id = getattr(recorded_by, "pk", None)
    targets = [session.pk] + [s.pk for s in also or [] if s.pk != session.pk]
    inserted = _insert_present(targets, member_id, source, now, recorded_by_id)
    created = bool(inserted)
    if session.pk in inserted:
        attendance = Attendance(
            id=inserted[session.pk],
            session=session,
            member_id=member_id,
            present=True,
            source=source,
            signed_at=now,
            recorded_by_id=recorded_by_id,
        )
    else:
        attendance = Attendance.objects.select_for_update().get(session=session, member_id=member_id)
    absent = [t for t in targets if t not in inserted]
    if absent:
        turned = Attendance.objects.filter(session_id__in=absent, member_id=member_id, present=False).update(
            present=True, source=source, recorded_by_id=recorded_by_id
        )
        if turned:
            created = True
            attendance.refresh_from_db()
    if created and session.ends_at <= now:
        credited_days_recompute(session.training_class, [member_id], now=now)
    return attendance, created


_SIGN_IN_FAST = (
    "INSERT INTO {attendance} (session_id, member_id, present, source, signed_at, recorded_by_id) "
    "SELECT s2.id, m.id, %s, %s, %s, NULL "
    "FROM {session} s1 "
    "JOIN {klass} c ON c.id = s1.training_class_id "
    "JOIN {session} s2 ON s2.training_class_id = s1.training_class_id "
    "JOIN {enrollment} e ON e.training_class_id = s1.training_class_id "
    "JOIN {member} m ON m.id = e.member_id "
    "WHERE s1.id = %s AND c.status = %s AND m.user_id = %s "
    "AND s1.starts_at <= %s AND s1.ends_at >= %s AND s2.starts_at <= %s AND s2.ends_at >= %s "
    "ON CONFLICT (session_id, member_id) DO NOTHING RETURNING session_id, id, member_id"
)


def _sign_in_fast(user_id: int, session_id: int, source: str, now: dt.datetime) -> dict:
    """The sign-in's common case as one statement: if the scanned session's class is published,
    its sign-in window is open now and the user's member is enrolled, mark them present at it
    and at every other session of the class whose window is open now. Every rule is checked
    by the statement itself, on current rows. Returns {session id: (row id, member id)} for
    the rows it inserted (nothing when a rule fails or the member was already marked)."""
    q = connection.ops.quote_name
    sql = _SIGN_IN_FAST.format(
        attendance=q(Attendance._meta.db_table),
        session=q(ClassSession._meta.db_table),
        klass=q(TrainingClass._meta.db_table),
        enrollment=q(Enrollment._meta.db_table),
        member=q(Member._meta.db_table),
    )
    opens_by = now + dt.timedelta(minutes=conf.signin_open_before_minutes())
    closes_after = now - dt.timedelta(minutes=conf.signin_close_after_minutes())
    params = [True, source, now, session_id, TrainingClass.Status.PUBLISHED, user_id]
    params += [opens_by, closes_after, opens_by, closes_after]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {sid: (row_id, member_id) for sid, row_id, member_id in cursor.fetchall()}


_DAY_CACHE: dict[int, tuple[float, list[ClassSession]]] = {}
DAY_CACHE_SECONDS = 60


def _day_sessions_for_display(session_id: int) -> list[ClassSession]:
    """The class day of ``session_id`` for the result page, memoised per process for a minute:
    500 phones in one hall ask for the same list. Only for display: every rule was checked
    by the sign-in statement on current rows."""
    import time

    hit = _DAY_CACHE.get(session_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    sessions = _class_day_sessions(session_id)
    if len(_DAY_CACHE) > 1000:
        _DAY_CACHE.clear()
    _DAY_CACHE[session_id] = (time.monotonic() + DAY_CACHE_SECONDS, sessions)
    return sessions


def _class_day_sessions(session_id: int) -> list[ClassSession]:
    """The sessions of ``session_id``'s class on the same local day, with the class (one
    query); empty when the session does not exist."""
    from django.db.models import Subquery

    class_id = ClassSession.objects.filter(pk=session_id).values("training_class_id")
    sessions = list(
        ClassSession.objects.select_related("training_class")
        .filter(training_class_id=Subquery(class_id))
        .order_by("starts_at", "id")
    )
    session = next((s for s in sessions if s.pk == session_id), None)
    if session is None:
        return []
    day = session_day(session)
    same_day = [s for s in sessions if session_day(s) == day]
    for s in same_day:
        s.training_class = session.training_class
    return same_day


def _sign_in(user, session_id: int, source: str) -> SignIn:
    """Sign the user's member in for the class day of ``session_id``.

    Fast path (a first scan — the burst at the start of a class): the user's session and one
    INSERT … SELECT that checks status, windows, membership and enrolment and marks every
    open session of the class. Anything else (a repeat, a refusal to explain, a row roll call
    marked absent) takes the general path, which gives the same answers one check at a time."""
    now = timezone.now()
    inserted = _sign_in_fast(user.pk, session_id, source, now)
    if session_id in inserted:
        sessions = _day_sessions_for_display(session_id)
        session = next((s for s in sessions if s.pk == session_id), None)
        if session is not None:
            row_id, member_id = inserted[session_id]
            if session.ends_at <= now:
                credited_days_recompute(session.training_class, [member_id], now=now)
            present_ids = set(inserted)
            if any(s.pk not in present_ids and signin_window(s)[0] <= now for s in sessions):
                present_ids |= set(
                    Attendance.objects.filter(
                        session_id__in=[s.pk for s in sessions], member_id=member_id, present=True
                    ).values_list("session_id", flat=True)
                )
            attendance = Attendance(
                id=row_id, session=session, member_id=member_id, present=True, source=source, signed_at=now
            )
            return SignIn(attendance=attendance, created=True, sessions=sessions, present_ids=present_ids)
    sessions = _class_day_sessions(session_id)
    session = next((s for s in sessions if s.pk == session_id), None)
    if session is None:
        raise SignInRefused(signin.FORGED)
    member_id = _member_id(user)
    reason = signin_refusal(session, member_id, now)
    if reason:
        raise SignInRefused(reason)
    others = [s for s in sessions if s.pk != session.pk and signin_open(s, now)]
    attendance, created = attendance_mark_present(
        session=session, member_id=member_id, source=source, also=others, now=now
    )
    present_ids = set(
        Attendance.objects.filter(
            session_id__in=[s.pk for s in sessions], member_id=member_id, present=True
        ).values_list("session_id", flat=True)
    )
    return SignIn(attendance=attendance, created=created or bool(inserted), sessions=sessions, present_ids=present_ids)


def attendance_sign_in_token(*, user, token: str, session_id: int | None = None) -> SignIn:
    """A member scanned the QR: check token, session window and enrolment, then sign in for the
    class day. Unpacks as (attendance, newly_marked); raises SignInRefused with the reason."""
    if not getattr(user, "is_authenticated", False):
        raise SignInRefused(NOT_MEMBER)
    result = signin.token_check(token, session_id)
    if not result.ok:
        raise SignInRefused(result.error)
    return _sign_in(user, result.session_id, Attendance.Source.QR)


def attendance_sign_in_code(*, user, code: str) -> SignIn:
    """A member typed the six-digit code: find their enrolled session that is open now and
    whose current code matches, then sign in for the class day."""
    member_id = _member_id(user)
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit() and code.isascii()):
        raise SignInRefused("请输入大屏上显示的6位数字签到码。")
    now = timezone.now()
    candidates = ClassSession.objects.filter(
        training_class__enrollments__member_id=member_id,
        training_class__status=TrainingClass.Status.PUBLISHED,
        starts_at__lte=now + dt.timedelta(minutes=conf.signin_open_before_minutes()),
        ends_at__gte=now - dt.timedelta(minutes=conf.signin_close_after_minutes()),
    ).values_list("pk", flat=True)
    for session_id in candidates:
        if signin.code_matches(session_id, code):
            return _sign_in(user, session_id, Attendance.Source.CODE)
    raise SignInRefused(NO_SESSION)


def attendance_day_carry(*, now: dt.datetime | None = None, session_ids: Iterable[int] | None = None) -> int:
    """Mark "当日签到" presence at sessions that have started, for members who signed in (QR or
    code) to the same class on the same day before the session ended. Never overrides a row
    (a roll call's absence stays). Idempotent; returns the number of rows added."""
    now = now or timezone.now()
    started = ClassSession.objects.filter(
        starts_at__lte=now,
        starts_at__gt=now - dt.timedelta(hours=24),
        training_class__status=TrainingClass.Status.PUBLISHED,
    )
    if session_ids is not None:
        started = started.filter(pk__in=list(session_ids))
    started = list(started)
    if not started:
        return 0
    by_day: dict[tuple[int, dt.date], list[ClassSession]] = {}
    for s in started:
        by_day.setdefault((s.training_class_id, session_day(s)), []).append(s)
    tz = timezone.get_current_timezone()
    rows = []
    for (class_id, day), sessions in by_day.items():
        start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        first_scan: dict[int, dt.datetime] = {}
        for member_id, signed_at in Attendance.objects.filter(
            session__training_class_id=class_id,
            session__starts_at__gte=start,
            session__starts_at__lt=start + dt.timedelta(days=1),
            present=True,
            source__in=SCANNED,
        ).values_list("member_id", "signed_at"):
            if member_id not in first_scan or signed_at < first_scan[member_id]:
                first_scan[member_id] = signed_at
        for s in sessions:
            rows += [
                Attendance(session=s, member_id=m, present=True, source=Attendance.Source.DAY, signed_at=now)
                for m, scanned in first_scan.items()
                if scanned <= s.ends_at
            ]
    if not rows:
        return 0
    before = Attendance.objects.filter(session__in=started).count()
    Attendance.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return Attendance.objects.filter(session__in=started).count() - before


def _day_signed_in(session: ClassSession, member_ids: list[int]) -> set[int]:
    """Which of ``member_ids`` scanned in to ``session``'s class on its day."""
    if not member_ids:
        return set()
    day_ids = [s.pk for s in day_sessions(session)]
    return set(
        Attendance.objects.filter(
            session_id__in=day_ids, member_id__in=member_ids, present=True, source__in=SCANNED
        ).values_list("member_id", flat=True)
    )


def roll_call_refusal(session: ClassSession, now: dt.datetime | None = None) -> str:
    """Why staff may not take the roll of ``session`` now ('' when they may): only for a
    published class, and not before the sign-in window opens."""
    now = now or timezone.now()
    if session.training_class.status != TrainingClass.Status.PUBLISHED:
        return ROLL_CALL_NOT_PUBLISHED
    opens, _ = signin_window(session)
    if now < opens:
        return ROLL_CALL_TOO_EARLY.format(
            start=f"{timezone.localtime(session.starts_at):%m月%d日 %H:%M}",
            before=conf.signin_open_before_minutes(),
        )
    return ""


@transaction.atomic
def attendance_roll_call(*, user, session: ClassSession, present: dict[int, bool]) -> int:
    """Staff set present/absent for enrolled members; every change is audited (who, what,
    from → to). Refused before the session's sign-in window opens. Returns the number of
    changed members."""
    training_class = session.training_class
    school_manage_check(user, training_class.school_id)
    now = timezone.now()
    reason = roll_call_refusal(session, now)
    if reason:
        raise ValidationError(reason)
    enrolled = set(
        Enrollment.objects.filter(training_class=training_class, member_id__in=list(present)).values_list(
            "member_id", flat=True
        )
    )
    strangers = [m for m in present if m not in enrolled]
    if strangers:
        raise ValidationError(f"以下党员未报名本班次：{', '.join(map(str, strangers))}")
    existing = {a.member_id: a for a in Attendance.objects.filter(session=session, member_id__in=list(present))}
    # Members signed in for the day would be carried into this session: an absence is recorded.
    day_signed = _day_signed_in(session, [m for m, p in present.items() if not p and m not in existing])
    changed: list[int] = []
    for member_id, is_present in present.items():
        row = existing.get(member_id)
        before = None if row is None else row.present
        if before == is_present or (row is None and not is_present and member_id not in day_signed):
            continue
        if row is None:
            Attendance.objects.create(
                session=session,
                member_id=member_id,
                present=is_present,
                source=Attendance.Source.ROLL_CALL,
                recorded_by=user,
            )
        else:
            row.present, row.source, row.recorded_by = is_present, Attendance.Source.ROLL_CALL, user
            row.save(update_fields=["present", "source", "recorded_by"])
        changed.append(member_id)
        audit_record(
            actor=user,
            action="attendance_roll_call",
            obj=session,
            summary=f"人工点名：{training_class} / {session.display_title} / 党员{member_id}",
            changes={"member": member_id, "present": [before, is_present]},
        )
    if changed and session.ends_at <= now:
        credited_days_recompute(training_class, changed, now=now)
    return len(changed)
