"""Reflections: who may write about what, one per subject, edits while pending or returned,
review by the member's own branch secretary only, points once on approval."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from courses.models import StudyProgress
from lms.points.models import PointEntry
from lms.points.selectors import member_points_total
from lms.reflections import selectors
from lms.reflections.models import Reflection
from lms.reflections.services import reflection_edit, reflection_review, reflection_submit
from tests.factories.courses import make_course, make_index, make_lesson
from tests.factories.quotas import make_class

from .conftest import BODY

pytestmark = pytest.mark.django_db


def submit(w, **kw):
    return reflection_submit(member=w.roles.member_a, training_class=w.cls, title="冬训心得", body=BODY, **kw)


def test_submit_after_attended_class_once(world):
    r = submit(world)
    assert r.status == Reflection.Status.PENDING and r.year == timezone.localdate().year
    with pytest.raises(ValidationError, match="已为该班次或课程提交过心得"):
        submit(world)
    assert Reflection.objects.count() == 1


def test_cannot_write_about_class_not_attended(world):
    other = make_class(world.roles.tree.town_a, dt.date(2025, 7, 1))
    with pytest.raises(ValidationError, match="参加过"):
        reflection_submit(member=world.roles.member_a, training_class=other, title="心得", body=BODY)
    with pytest.raises(ValidationError, match="参加过"):  # member B never attended town A's class
        reflection_submit(member=world.roles.member_b, training_class=world.cls, title="心得", body=BODY)


def test_length_limits_in_chinese(world):
    with pytest.raises(ValidationError) as exc:
        reflection_submit(member=world.roles.member_a, training_class=world.cls, title="心", body="太短")
    assert "标题须为2至60个字" in str(exc.value) and "不少于50个字" in str(exc.value)
    with pytest.raises(ValidationError, match="不超过3000个字"):
        reflection_submit(member=world.roles.member_a, training_class=world.cls, title="心得", body="学" * 3001)
    assert not Reflection.objects.exists()


def test_course_reflection_needs_every_lesson_completed(world):
    course = make_course(make_index())
    l1, l2 = make_lesson(course), make_lesson(course)
    m = world.roles.member_a
    StudyProgress.objects.create(member=m, lesson=l1, watched_seconds=100, completed_at=timezone.now())
    with pytest.raises(ValidationError, match="已学完"):
        reflection_submit(member=m, course=course, title="课程心得", body=BODY)
    assert selectors.writable_courses(m) == []
    StudyProgress.objects.create(member=m, lesson=l2, watched_seconds=100, completed_at=timezone.now())
    assert selectors.writable_courses(m) == [course]
    r = reflection_submit(member=m, course=course, title="课程心得", body=BODY)
    assert r.course_id == course.pk and selectors.writable_courses(m) == []


def test_review_flow_return_edit_approve_points_once(world, django_capture_on_commit_callbacks):
    r = submit(world)
    sec = world.secretary_a_user
    with pytest.raises(ValidationError, match="退回时请填写审核意见"):
        reflection_review(reflection=r, reviewer=sec, decision="return", comment="")
    reflection_review(reflection=r, reviewer=sec, decision="return", comment="请结合本村实际再谈谈")
    r.refresh_from_db()
    assert r.status == Reflection.Status.RETURNED and r.review_comment == "请结合本村实际再谈谈"
    with pytest.raises(ValidationError, match="已退回，无需再审核"):
        reflection_review(reflection=r, reviewer=sec, decision="approve")
    reflection_edit(reflection=r, member=world.roles.member_a, title="冬训心得（修改）", body=BODY + "结合本村实际。")
    r.refresh_from_db()
    assert r.status == Reflection.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        reflection_review(reflection=r, reviewer=sec, decision="approve", comment="很好")
    r.refresh_from_db()
    assert r.status == Reflection.Status.APPROVED and r.reviewed_by == sec
    assert PointEntry.objects.filter(event_key=f"reflection_approved:{r.pk}").count() == 1
    assert member_points_total(world.roles.member_a, r.reviewed_at.year) == 5
    with pytest.raises(ValidationError, match="已通过审核，不能再修改"):
        reflection_edit(reflection=r, member=world.roles.member_a, title="再改", body=BODY)
    with pytest.raises(ValidationError, match="无需再审核"):  # a retried approval
        reflection_review(reflection=r, reviewer=sec, decision="approve")
    assert PointEntry.objects.filter(member=world.roles.member_a).count() == 1


def test_only_own_branch_secretary_or_department_in_scope_reviews(world):
    r = submit(world)
    roles = world.roles
    for outsider in (world.secretary_b_user, roles.member_b_user, roles.town_a_staff, roles.nobody):
        with pytest.raises(PermissionDenied):
            reflection_review(reflection=r, reviewer=outsider, decision="approve")
    with pytest.raises(PermissionDenied):  # a department of town B's subtree? county dept sees A; test A-only dept
        reflection_review(reflection=r, reviewer=_dept_b(roles), decision="approve")
    assert Reflection.objects.get(pk=r.pk).status == Reflection.Status.PENDING
    assert selectors.may_review(roles.department_a, r) and selectors.may_review(world.secretary_a_user, r)
    # the secretary does not review their own reflection
    credit_sec = make_class(roles.tree.town_a, dt.date(2025, 6, 2))
    from tests.factories.quotas import credit

    credit(world.secretary_a, dt.date(2025, 6, 2), credit_sec)
    own = reflection_submit(member=world.secretary_a, training_class=credit_sec, title="书记心得", body=BODY)
    assert not selectors.may_review(world.secretary_a_user, own)


def test_only_author_edits(world):
    r = submit(world)
    with pytest.raises(PermissionDenied):
        reflection_edit(reflection=r, member=world.secretary_a, title="改", body=BODY)


def test_counts_by_branch_in_scope(world):
    r = submit(world)
    reflection_review(reflection=r, reviewer=world.secretary_a_user, decision="approve")
    roles = world.roles
    year = r.year
    rows = list(selectors.counts_by_branch(roles.department, year))
    assert [(x["branch_name"], x["submitted"], x["approved"], x["pending"], x["returned"]) for x in rows] == [
        ("甲镇一村党支部", 1, 1, 0, 0)
    ]
    assert list(selectors.counts_by_branch(roles.town_b_staff, year)) == []
    assert list(selectors.counts_by_branch(_dept_b(roles), year)) == []


def _dept_b(roles):
    from tests.factories import StaffUserFactory

    return StaffUserFactory(
        username="dept_b", assignment__role="department", assignment__organization=roles.tree.committee_b
    )
