"""Writes for training classes (班次): create (pre-filled from the 5+1+N template), change,
publish (refused with what the template still misses) and cancel; the class's own rules
(dates, length, capacity) shared by the workspace, the API and the Wagtail admin."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lms.audit.services import audit_record
from lms.schools.models import PartySchool

from .. import conf
from ..credit import credited_days_recompute, session_day
from ..models import ClassSession, Enrollment, PlannedClass, TrainingClass
from ..template import check_template, template_sessions
from .permissions import school_manage_check


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
