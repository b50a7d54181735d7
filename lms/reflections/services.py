"""Writes for reflections: submit (after an attended class or a completed course, one per
subject), edit while pending or returned, and review (通过 / 退回 with a comment) by a
reviewer in scope. An approval earns study points once (lms.points)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lms.audit.services import audit_record

from . import selectors
from .models import Reflection

TITLE_MIN, TITLE_MAX = 2, 60
BODY_MIN, BODY_MAX = 50, 3000
COMMENT_MAX = 500


class Decision:
    APPROVE = "approve"
    RETURN = "return"
    CHOICES = (APPROVE, RETURN)


def _clean_text(title, body) -> tuple[str, str]:
    title = (title or "").strip()
    body = (body or "").replace("\r\n", "\n").strip()
    errors = {}
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        errors["title"] = f"标题须为{TITLE_MIN}至{TITLE_MAX}个字。"
    if len(body) < BODY_MIN:
        errors["body"] = f"心得正文不少于{BODY_MIN}个字（目前{len(body)}个字）。"
    elif len(body) > BODY_MAX:
        errors["body"] = f"心得正文不超过{BODY_MAX}个字（目前{len(body)}个字）。"
    if errors:
        raise ValidationError(errors)
    return title, body


def reflection_submit(
    *, member, title: str, body: str, training_class=None, course=None, now: dt.datetime | None = None
) -> Reflection:
    """A member's reflection on a class they attended or a course they completed."""
    if member is None or not member.is_active:
        raise PermissionDenied("只有在册党员可以提交学习心得。")
    if (training_class is None) == (course is None):
        raise ValidationError("请选择一个班次或一门课程。")
    title, body = _clean_text(title, body)
    if training_class is not None:
        if training_class.status == training_class.Status.CANCELLED or not selectors.class_attended(
            member, training_class
        ):
            raise ValidationError("只能为您参加过（已认定培训日）的班次撰写心得。")
        duplicate = Reflection.objects.filter(member=member, training_class=training_class)
    else:
        if not course.live or not selectors.course_completed(member, course):
            raise ValidationError("只能为您已学完的课程撰写心得。")
        duplicate = Reflection.objects.filter(member=member, course=course)
    message = "您已为该班次或课程提交过心得，可在“我的心得”中查看或修改。"
    if duplicate.exists():
        raise ValidationError(message)
    now = now or timezone.now()
    reflection = Reflection(
        member=member,
        training_class=training_class,
        course=course,
        title=title,
        body=body,
        year=timezone.localtime(now).year,
        submitted_at=now,
    )
    reflection.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            reflection.save()
    except IntegrityError as exc:  # the same reflection submitted twice in parallel
        raise ValidationError(message) from exc
    return reflection


@transaction.atomic
def reflection_edit(*, reflection: Reflection, member, title: str, body: str) -> Reflection:
    """The author edits a pending or returned reflection; a returned one goes back for review."""
    reflection = Reflection.objects.select_for_update().get(pk=reflection.pk)
    if member is None or reflection.member_id != member.pk:
        raise PermissionDenied("只能修改自己的学习心得。")
    if not reflection.is_editable:
        raise ValidationError("心得已通过审核，不能再修改。")
    reflection.title, reflection.body = _clean_text(title, body)
    reflection.status = Reflection.Status.PENDING
    reflection.save(update_fields=["title", "body", "status", "updated_at"])
    return reflection


@transaction.atomic
def reflection_review(*, reflection: Reflection, reviewer, decision: str, comment: str = "") -> Reflection:
    """通过 or 退回 (a comment is required to return). Only pending reflections are reviewed,
    once: a second reviewer (or a retried request) finds it decided and is refused."""
    if decision not in Decision.CHOICES:
        raise ValidationError({"decision": "请选择“通过”或“退回”。"})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": f"审核意见不超过{COMMENT_MAX}个字。"})
    if decision == Decision.RETURN and len(comment) < 2:
        raise ValidationError({"comment": "退回时请填写审核意见，告诉党员需要修改什么。"})
    reflection = Reflection.objects.select_for_update().get(pk=reflection.pk)
    if not selectors.may_review(reviewer, reflection):
        raise PermissionDenied("您无权审核这篇心得。")
    if reflection.status != Reflection.Status.PENDING:
        raise ValidationError(f"这篇心得{reflection.get_status_display()}，无需再审核。")
    approve = decision == Decision.APPROVE
    reflection.status = Reflection.Status.APPROVED if approve else Reflection.Status.RETURNED
    reflection.review_comment = comment
    reflection.reviewed_by = reviewer
    reflection.reviewed_at = timezone.now()
    reflection.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(
        actor=reviewer,
        action="reflection_approve" if approve else "reflection_return",
        obj=reflection,
        summary=f"{'通过' if approve else '退回'}学习心得：{reflection.title}",
    )
    if approve:
        from lms.points.services import points_award, reflection_fact

        fact = reflection_fact(reflection)
        transaction.on_commit(lambda: points_award(fact=fact))
    return reflection
