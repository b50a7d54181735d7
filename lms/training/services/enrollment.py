"""Writes for enrolment (报名): staff enrol members of their jurisdiction up to the class's
capacity, and remove them (audited)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from lms.accounts.scope import scoped
from lms.audit.services import audit_record
from lms.members.models import Member

from ..models import Enrollment, TrainingClass
from .permissions import school_manage_check


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
