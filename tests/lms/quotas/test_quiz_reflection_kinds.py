"""The quiz and reflection rule kinds: evaluated by the one quota evaluation (member page),
the set-based status (coverage, summary rows, exports) and added through quota_rule_add."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lms.members.models import MemberCategory
from lms.quizzes.models import Attempt, Quiz, QuizPass
from lms.quotas.models import MemberYearStatus, RuleKind, RuleStatus
from lms.quotas.rules import evaluate_member
from lms.quotas.selectors import coverage_totals, members_with_quota_status
from lms.quotas.services import quota_rule_add, quota_status_refresh, quota_year_open
from lms.reflections.models import Reflection
from tests.factories import MemberFactory
from tests.factories.courses import make_course, make_index
from tests.factories.quotas import make_class

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2025, 11, 15)


def by_kind(results):
    return {r.kind: r for r in results}


def a_pass(member, quiz, year=2025):
    at = timezone.make_aware(dt.datetime(year, 5, 1, 10))
    attempt = Attempt.objects.create(quiz=quiz, member=member, started_at=at, submitted_at=at, passed=True)
    return QuizPass.objects.create(quiz=quiz, member=member, year=year, attempt=attempt, passed_at=at)


def a_reflection(member, status, year=2025):
    cls = make_class(member.branch.town, D(year, 3, 1))
    return Reflection.objects.create(
        member=member,
        training_class=cls,
        year=year,
        title="心得",
        body="正文" * 30,
        status=status,
        submitted_at=timezone.make_aware(dt.datetime(year, 3, 2, 9)),
    )


@pytest.fixture
def setup(roles):
    quota_year_open(year=2025, actor=roles.department)
    course = make_course(make_index())
    annual = Quiz.objects.create(title="2025年党章党规知识测试", course=course)
    other = Quiz.objects.create(title="乡村振兴小测验", course=course)
    quota_rule_add(
        year=2025,
        category=MemberCategory.ORDINARY,
        kind=RuleKind.QUIZ,
        required=Decimal("1"),
        quiz=annual,
        actor=roles.department,
        source="每年通过党章党规测试",
    )
    quota_rule_add(
        year=2025,
        category=MemberCategory.ORDINARY,
        kind=RuleKind.REFLECTION,
        required=Decimal("2"),
        actor=roles.department,
    )
    return annual, other


def test_quiz_rule_needs_the_named_quiz_in_that_year(roles, setup):
    annual, other = setup
    m = roles.member_a
    r = by_kind(evaluate_member(m, 2025, TODAY))[RuleKind.QUIZ]
    assert r.status == RuleStatus.AT_RISK and "尚未通过" in r.explanation and "党章党规" in r.explanation
    a_pass(m, other)  # another quiz does not count
    a_pass(m, annual, year=2024)  # nor last year's pass
    assert by_kind(evaluate_member(m, 2025, TODAY))[RuleKind.QUIZ].status == RuleStatus.AT_RISK
    a_pass(m, annual)
    r = by_kind(evaluate_member(m, 2025, TODAY))[RuleKind.QUIZ]
    assert r.status == RuleStatus.MET and r.actual == 1 and "已通过" in r.explanation


def test_reflection_rule_counts_only_approved_reflections_of_the_year(roles, setup):
    m = roles.member_a
    a_reflection(m, Reflection.Status.APPROVED)
    a_reflection(m, Reflection.Status.PENDING)
    a_reflection(m, Reflection.Status.RETURNED)
    a_reflection(m, Reflection.Status.APPROVED, year=2024)
    r = by_kind(evaluate_member(m, 2025, TODAY))[RuleKind.REFLECTION]
    assert (r.status, r.actual, r.missing) == (RuleStatus.AT_RISK, 1, 1)
    assert "还差1篇" in r.explanation
    a_reflection(m, Reflection.Status.APPROVED)
    assert by_kind(evaluate_member(m, 2025, TODAY))[RuleKind.REFLECTION].status == RuleStatus.MET


def test_set_based_status_and_summary_agree_with_evaluate_member(roles, setup):
    annual, _ = setup
    a, b = roles.member_a, roles.member_b
    c = MemberFactory(branch=roles.tree.branch_a)
    a_pass(a, annual)
    a_reflection(a, Reflection.Status.APPROVED)
    a_reflection(a, Reflection.Status.APPROVED)
    a_reflection(b, Reflection.Status.APPROVED)
    members = [a, b, c]
    rows = {
        m.pk: m for m in members_with_quota_status(type(a).objects.filter(pk__in=[x.pk for x in members]), 2025, TODAY)
    }
    quota_status_refresh(year=2025, today=TODAY)
    for m in members:
        expected = {r.kind: r.status for r in evaluate_member(m, 2025, TODAY)}
        assert rows[m.pk].status_quiz == expected[RuleKind.QUIZ]
        assert rows[m.pk].status_reflection == expected[RuleKind.REFLECTION]
        stored = MemberYearStatus.objects.get(member=m, year=2025)
        assert (stored.status_quiz, stored.status_reflection) == (expected["quiz"], expected["reflection"])
    assert MemberYearStatus.objects.get(member=a, year=2025).status_quiz == RuleStatus.MET
    totals = coverage_totals(roles.department, 2025)
    assert (totals["quiz_applicable"], totals["quiz_met"]) == (3, 1)
    assert (totals["reflection_applicable"], totals["reflection_met"]) == (3, 1)
    # town B's staff see only member B
    totals_b = coverage_totals(roles.town_b_staff, 2025)
    assert (totals_b["reflection_applicable"], totals_b["reflection_met"]) == (1, 0)


def test_quota_rule_add_checks(roles, setup):
    annual, _ = setup
    with pytest.raises(ValidationError, match="已有同类指标"):
        quota_rule_add(year=2025, category="ordinary", kind="quiz", required=Decimal("1"), actor=roles.department)
    with pytest.raises(ValidationError, match="只能新增"):
        quota_rule_add(year=2025, category="mobile", kind="study_hours", required=Decimal("1"), actor=roles.department)
    with pytest.raises(ValidationError, match="请先开启2026年度"):
        quota_rule_add(year=2026, category="ordinary", kind="reflection", required=Decimal("1"), actor=roles.department)
    # next year's rules copy the quiz rule with its quiz
    quota_year_open(year=2026, actor=roles.department)
    from lms.quotas.models import QuotaRule

    assert QuotaRule.objects.get(year=2026, kind="quiz").quiz == annual


def test_api_adds_a_rule_for_department_only(roles, setup, login):
    payload = {"year": 2025, "category": "branch_secretary", "kind": "reflection", "required": "3"}
    assert (
        login(roles.town_a_staff).post("/api/v1/quotas/rules/", payload, content_type="application/json").status_code
        == 403
    )
    resp = login(roles.department).post("/api/v1/quotas/rules/", payload, content_type="application/json")
    assert resp.status_code == 201, resp.content
    assert resp.json()["kind"] == "reflection"
    secretary = MemberFactory(branch=roles.tree.branch_a, is_branch_secretary=True)
    r = by_kind(evaluate_member(secretary, 2025, TODAY))[RuleKind.REFLECTION]
    assert r.required == 3  # the secretary's stricter rule
