"""Writes for annual teaching plans (年度教学计划): create, add/remove planned classes, submit,
and the department's review."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from lms.audit.services import audit_record
from lms.schools.models import PartySchool

from ..models import AnnualPlan, PlannedClass
from .permissions import NOT_DEPARTMENT, plan_reviewable, school_manage_check


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
