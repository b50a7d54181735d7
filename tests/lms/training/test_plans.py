import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lms.training.models import AnnualPlan
from lms.training.selectors import plan_vs_actual
from lms.training.services.plans import plan_create, plan_review, plan_submit, planned_class_add
from tests.factories.training import compliant_class, enrol, mark

pytestmark = pytest.mark.django_db


def _plan(roles, school=None):
    plan = plan_create(user=roles.town_a_staff, school=school or roles.tree.town_a, year=2026)
    planned_class_add(
        user=roles.town_a_staff, plan=plan, title="党章学习班", quarter=2, target_trainees=30, audiences=["ordinary"]
    )
    return plan


def test_workflow_draft_submit_return_resubmit_approve(roles):
    plan = _plan(roles)
    assert plan.status == "draft"
    plan_submit(user=roles.town_a_staff, plan=plan)
    with pytest.raises(ValidationError):  # not editable while submitted
        planned_class_add(user=roles.town_a_staff, plan=plan, title="x", quarter=1)
    with pytest.raises(ValidationError) as exc:
        plan_review(user=roles.department, plan=plan, approve=False, comment="")
    assert "审批意见" in str(exc.value)
    plan = plan_review(user=roles.department, plan=plan, approve=False, comment="请增加第四季度班次")
    assert plan.status == "returned" and plan.review_comment == "请增加第四季度班次"
    planned_class_add(user=roles.town_a_staff, plan=plan, title="冬训班", quarter=4)
    plan_submit(user=roles.town_a_staff, plan=plan)
    plan = plan_review(user=roles.department_a, plan=plan, approve=True)
    assert plan.status == "approved" and plan.reviewed_by == roles.department_a


def test_only_department_of_the_jurisdiction_approves(roles):
    plan = plan_create(user=roles.town_b_staff, school=roles.tree.town_b, year=2026)
    planned_class_add(user=roles.town_b_staff, plan=plan, title="班", quarter=1)
    plan_submit(user=roles.town_b_staff, plan=plan)
    for user in (roles.town_b_staff, roles.city_staff, roles.department_a, roles.member_b_user):
        with pytest.raises(PermissionDenied):
            plan_review(user=user, plan=plan, approve=True)
    assert AnnualPlan.objects.get(pk=plan.pk).status == "submitted"


def test_empty_plan_cannot_be_submitted_and_duplicates_refused(roles):
    plan = plan_create(user=roles.town_a_staff, school=roles.tree.town_a, year=2027)
    with pytest.raises(ValidationError):
        plan_submit(user=roles.town_a_staff, plan=plan)
    with pytest.raises(ValidationError) as exc:
        plan_create(user=roles.town_a_staff, school=roles.tree.town_a, year=2027)
    assert "已存在" in str(exc.value)
    with pytest.raises(PermissionDenied):
        plan_create(user=roles.town_b_staff, school=roles.tree.town_a, year=2028)


def test_plan_vs_actual(roles, points):
    plan = _plan(roles)
    planned = plan.planned_classes.get()
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=dt.date(2026, 5, 5), planned_class=planned)
    compliant_class(school=roles.tree.town_a, point=points.a2, day=dt.date(2026, 6, 5))  # unplanned
    enrol(c, roles.member_a)
    mark(c.sessions.get(kind="sign_in"), roles.member_a)
    report = plan_vs_actual(plan)
    row = report["rows"][0]
    assert (row.target_trainees, row.actual_classes, row.actual_enrolled, row.actual_trainees) == (30, 1, 1, 1)
    assert report["unplanned"]["classes"] == 1
    assert report["totals"]["actual_classes"] == 2


def test_plan_pages(roles, login):
    plan = _plan(roles)
    client = login(roles.town_a_staff)
    r = client.post(
        f"/training/plans/{plan.pk}/", {"title": "", "module": "general", "quarter": "9", "target_trainees": "x"}
    )
    assert r.status_code == 200 and plan.planned_classes.count() == 1
    client.post(f"/training/plans/{plan.pk}/submit/")
    assert AnnualPlan.objects.get(pk=plan.pk).status == "submitted"
    assert login(roles.town_b_staff).get(f"/training/plans/{plan.pk}/").status_code == 404
    r = login(roles.department).post(f"/training/plans/{plan.pk}/review/", {"decision": "approve", "comment": "同意"})
    assert r.status_code == 302 and AnnualPlan.objects.get(pk=plan.pk).status == "approved"
    r = login(roles.department).get("/")
    assert "待审批的年度教学计划" in r.content.decode()
