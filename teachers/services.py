"""Writes of the teacher pool: teachers and their specialties, the yearly roster, evaluations
and reminders. Pool changes are for department staff only (scope.can_manage_pool)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from lms.accounts import policy
from lms.accounts.models import User
from lms.audit.services import audit_record
from lms.training.models import Attendance, ClassSession

from . import conf
from .models import (
    Evaluation,
    EvaluationDimension,
    EvaluationScore,
    RosterEntry,
    RosterYear,
    Teacher,
    TeacherSpecialty,
)
from .rules import evaluation_refusal

POOL_DENIED = "只有组织部工作人员可以管理师资库。"
TEACHER_FIELDS = ("name", "kind", "unit", "title", "school", "biography", "phone", "email", "user", "is_active")


def pool_manager_require(actor) -> None:
    """Only department staff (and superusers) change the pool; school staff read it."""
    if actor is None or not policy.may_manage_pool(actor):
        raise PermissionDenied(POOL_DENIED)


def _specialties_normalize(specialties) -> list[tuple[str, str]]:
    from courses.modules import Module

    out: list[tuple[str, str]] = []
    for item in specialties or []:
        module, topic = (item["module"], item["topic"]) if isinstance(item, dict) else item
        topic = (topic or "").strip()
        if module not in Module.values:
            raise ValidationError({"specialties": f"课程模块“{module}”无效，应为通识/专业/专题之一。"})
        if not topic:
            raise ValidationError({"specialties": "专长方向不能为空。"})
        if (module, topic) not in out:
            out.append((module, topic))
    return out


@transaction.atomic
def teacher_create(*, actor, specialties=None, **fields) -> Teacher:
    pool_manager_require(actor)
    unknown = set(fields) - set(TEACHER_FIELDS) - {"photo"}
    if unknown:
        raise ValidationError(f"未知字段：{', '.join(sorted(unknown))}")
    teacher = Teacher(**fields)
    teacher.full_clean()
    teacher.save()
    pairs = _specialties_normalize(specialties)
    TeacherSpecialty.objects.bulk_create(TeacherSpecialty(teacher=teacher, module=m, topic=t) for m, t in pairs)
    audit_record(actor=actor, action="create", obj=teacher, summary=f"新增讲师 {teacher.name}")
    return teacher


@transaction.atomic
def teacher_update(*, actor, teacher: Teacher, specialties=None, **fields) -> Teacher:
    pool_manager_require(actor)
    changes = {}
    for name, value in fields.items():
        if name not in TEACHER_FIELDS and name != "photo":
            raise ValidationError(f"未知字段：{name}")
        if getattr(teacher, name) != value:
            changes[name] = str(value)
            setattr(teacher, name, value)
    teacher.full_clean()
    if changes:
        teacher.save(update_fields=list(changes))
    if specialties is not None:
        teacher_specialties_set(actor=actor, teacher=teacher, specialties=specialties)
    if changes:
        changes.pop("phone", None)
        audit_record(actor=actor, action="update", obj=teacher, summary=f"修改讲师 {teacher.name}", changes=changes)
    return teacher


@transaction.atomic
def teacher_specialties_set(*, actor, teacher: Teacher, specialties) -> list[TeacherSpecialty]:
    pool_manager_require(actor)
    pairs = _specialties_normalize(specialties)
    current = {(s.module, s.topic): s for s in teacher.specialties.all()}
    TeacherSpecialty.objects.filter(pk__in=[s.pk for key, s in current.items() if key not in pairs]).delete()
    TeacherSpecialty.objects.bulk_create(
        TeacherSpecialty(teacher=teacher, module=m, topic=t) for m, t in pairs if (m, t) not in current
    )
    return list(teacher.specialties.all())


# --- yearly roster ----------------------------------------------------------------------------


@transaction.atomic
def roster_year_open(*, year: int, actor, note: str = "") -> RosterYear:
    """Open the roster of `year`, copying the active entries of the latest earlier roster.
    Idempotent: opening a year that exists returns it unchanged (no duplicate entries)."""
    pool_manager_require(actor)
    if year < 2000 or year > 2100:
        raise ValidationError("年度无效。")
    existing = RosterYear.objects.select_for_update().filter(year=year).first()
    if existing:
        return existing
    previous = RosterYear.objects.filter(year__lt=year).order_by("-year").first()
    try:
        with transaction.atomic():
            roster = RosterYear.objects.create(year=year, copied_from=previous, opened_by=actor, note=note)
    except IntegrityError:  # opened concurrently by someone else
        return RosterYear.objects.get(year=year)
    if previous:
        teacher_ids = (
            previous.entries.filter(removed_at__isnull=True, teacher__is_active=True)
            .values_list("teacher_id", flat=True)
            .distinct()
        )
        reason = f"沿用{previous.year}年度名录"
        RosterEntry.objects.bulk_create(
            [RosterEntry(roster=roster, teacher_id=tid, reason=reason, added_by=actor) for tid in teacher_ids],
            batch_size=1000,
        )
    audit_record(
        actor=actor,
        action="create",
        obj=roster,
        summary=f"开启{year}年度师资名录" + (f"（沿用{previous.year}年度）" if previous else ""),
    )
    return roster


def _reason_clean(reason: str, label: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"请填写{label}。"})
    if len(reason) > 200:
        raise ValidationError({"reason": f"{label}不能超过 200 字。"})
    return reason


@transaction.atomic
def roster_entry_add(*, year: int, teacher: Teacher, actor, reason: str) -> RosterEntry:
    pool_manager_require(actor)
    reason = _reason_clean(reason, "入库原因")
    roster = RosterYear.objects.select_for_update().filter(year=year).first()
    if roster is None:
        raise ValidationError(f"{year}年度师资名录尚未开启，请先开启。")
    if not teacher.is_active:
        raise ValidationError(f"讲师 {teacher.name} 已不在库，不能加入名录。")
    if roster.entries.filter(teacher=teacher, removed_at__isnull=True).exists():
        raise ValidationError(f"讲师 {teacher.name} 已在{year}年度名录中。")
    entry = RosterEntry(roster=roster, teacher=teacher, reason=reason, added_by=actor)
    entry.full_clean()
    entry.save()
    audit_record(actor=actor, action="create", obj=entry, summary=f"{teacher.name} 加入{year}年度名录：{reason}")
    return entry


@transaction.atomic
def roster_entry_remove(*, entry: RosterEntry, actor, reason: str) -> RosterEntry:
    pool_manager_require(actor)
    reason = _reason_clean(reason, "调出原因")
    entry = RosterEntry.objects.select_for_update().select_related("teacher", "roster").get(pk=entry.pk)
    if entry.removed_at is not None:
        raise ValidationError(f"讲师 {entry.teacher.name} 已于 {entry.removed_at:%Y-%m-%d} 调出该年度名录。")
    entry.removed_at = timezone.now()
    entry.removed_by = actor
    entry.removal_reason = reason
    entry.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    audit_record(
        actor=actor,
        action="update",
        obj=entry,
        summary=f"{entry.teacher.name} 调出{entry.roster.year}年度名录：{reason}",
    )
    return entry


# --- evaluations ------------------------------------------------------------------------------


def _scores_clean(scores, dimensions: list[EvaluationDimension]) -> dict[int, int]:
    """Map every active dimension to a score 1–5. Accepts keys by dimension id or code."""
    if not isinstance(scores, dict):
        raise ValidationError({"scores": "评分格式无效。"})
    by_key = {}
    for d in dimensions:
        by_key[str(d.pk)] = d
        by_key[d.code] = d
    cleaned: dict[int, int] = {}
    for key, value in scores.items():
        dim = by_key.get(str(key))
        if dim is None:
            raise ValidationError({"scores": f"评价维度“{key}”不存在或已停用。"})
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise ValidationError({"scores": f"“{dim.name}”的评分必须是 1–5 的整数。"}) from None
        if str(number) != str(value).strip() or not 1 <= number <= 5:
            raise ValidationError({"scores": f"“{dim.name}”的评分必须是 1–5 的整数。"})
        cleaned[dim.pk] = number
    missing = [d.name for d in dimensions if d.pk not in cleaned]
    if missing:
        raise ValidationError({"scores": f"请为以下维度评分：{'、'.join(missing)}。"})
    return cleaned


def mean_of(values) -> Decimal:
    values = list(values)
    return (Decimal(sum(values)) / Decimal(len(values))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def evaluation_submit(
    *, member, session: ClassSession, scores: dict, comment: str = "", now: dt.datetime | None = None
) -> Evaluation:
    """Record the member's questionnaire for the session; a second submission edits the first."""
    refusal = evaluation_refusal(member=member, session=session, now=now)
    if refusal:
        raise ValidationError(refusal)
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise ValidationError({"comment": "意见建议不能超过 1000 字。"})
    dimensions = list(EvaluationDimension.objects.filter(is_active=True).order_by("order", "id"))
    if not dimensions:
        raise ValidationError("尚未配置评价维度，请联系组织部。")
    cleaned = _scores_clean(scores, dimensions)
    mean = mean_of(cleaned.values())
    evaluation = Evaluation.objects.select_for_update().filter(member=member, session=session).first()
    if evaluation is None:
        try:
            with transaction.atomic():
                evaluation = Evaluation.objects.create(
                    member=member, session=session, teacher_id=session.teacher_id, comment=comment, mean_score=mean
                )
        except IntegrityError:  # a concurrent first submission won; edit it instead
            evaluation = Evaluation.objects.select_for_update().get(member=member, session=session)
    # An edit keeps the evaluation bound to the teacher it was first given to (anonymity
    # thresholds count per teacher; see teachers.selectors.teacher_feedback).
    if evaluation.comment != comment or evaluation.mean_score != mean:
        evaluation.comment, evaluation.mean_score = comment, mean
        evaluation.save(update_fields=["comment", "mean_score", "updated_at"])
    existing = {s.dimension_id: s for s in evaluation.scores.all()}
    EvaluationScore.objects.filter(evaluation=evaluation).exclude(dimension_id__in=cleaned).delete()
    changed = []
    for dim_id, value in cleaned.items():
        row = existing.get(dim_id)
        if row is None:
            EvaluationScore.objects.create(evaluation=evaluation, dimension_id=dim_id, score=value)
        elif row.score != value:
            row.score = value
            changed.append(row)
    if changed:
        EvaluationScore.objects.bulk_update(changed, ["score"])
    return evaluation


def evaluation_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind attendees of recently ended sessions to evaluate the teacher. Idempotent: one
    notification per member and session (notification key), however often it runs."""
    from lms.notifications.models import Notification
    from lms.notifications.services import notification_send

    now = now or timezone.now()
    window = dt.timedelta(days=conf.evaluation_window_days())
    sessions = {
        s.pk: s
        for s in ClassSession.objects.filter(
            teacher__isnull=False, ends_at__lte=now, ends_at__gte=now - window
        ).select_related("teacher", "training_class")
    }
    if not sessions:
        return 0
    pending = (
        Attendance.objects.filter(session_id__in=sessions, present=True, member__user__isnull=False)
        .exclude(Exists(Evaluation.objects.filter(member_id=OuterRef("member_id"), session_id=OuterRef("session_id"))))
        .values_list("session_id", "member__user_id")
    )
    pairs = list(pending)
    keys = {f"teacher-eval:{sid}" for sid, _ in pairs}
    already = set(
        Notification.objects.filter(key__in=keys, user_id__in={uid for _, uid in pairs}).values_list("user_id", "key")
    )
    sent = 0
    users = User.objects.in_bulk({uid for _, uid in pairs})
    for sid, uid in pairs:
        key = f"teacher-eval:{sid}"
        if (uid, key) in already:
            continue
        session = sessions[sid]
        closes = timezone.localtime(session.ends_at + window)
        notification_send(
            user=users[uid],
            kind="teacher_evaluation",
            title=f"请评价：{session.training_class.title} · {session} （{session.teacher.name}）",
            body=f"请在 {closes:%m月%d日 %H:%M} 前完成授课评价，评价匿名汇总后反馈给讲师。",
            key=key,
            url=reverse("teachers:evaluate", args=[sid]),
        )
        sent += 1
    return sent


def dimensions_ensure_defaults() -> None:
    """Create the five default questionnaire dimensions if none exist (the migration does this
    on a new database; flushed test databases and demo runs call it again)."""
    if EvaluationDimension.objects.exists():
        return
    EvaluationDimension.objects.bulk_create(
        EvaluationDimension(code=code, name=name, description=description, order=i)
        for i, (code, name, description) in enumerate(conf.DEFAULT_DIMENSIONS, start=1)
    )
