import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from teachers.models import AssessmentPolicy, Teacher, TeacherSpecialty
from teachers.selectors import teacher_assessment
from tests.factories import MemberFactory
from tests.factories.teachers import (
    ClassSessionFactory,
    RosterEntryFactory,
    RosterYearFactory,
    TeacherFactory,
    attend,
    evaluate,
)

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


def at(year, month, day):
    return dt.datetime(year, month, day, 9, 0, tzinfo=TZ)


@pytest.fixture
def small(tree):
    """Hand-computed figures are in the test below; see the comments there."""
    m = [MemberFactory(branch=tree.branch_a) for _ in range(6)]
    a = TeacherFactory(name="甲讲师", kind=Teacher.Kind.LEADER)
    b = TeacherFactory(name="乙讲师", kind=Teacher.Kind.LEADER)
    c = TeacherFactory(name="丙讲师", kind=Teacher.Kind.LEADER)
    d = TeacherFactory(name="丁讲师", kind=Teacher.Kind.EXPERT)
    e = TeacherFactory(name="戊讲师", kind=Teacher.Kind.EXPERT)
    roster = RosterYearFactory(year=2025)
    for t in (a, b, c, d, e):
        RosterEntryFactory(roster=roster, teacher=t)
    TeacherSpecialty.objects.create(teacher=a, module="thematic", topic="乡村振兴")

    a1 = ClassSessionFactory(teacher=a, starts_at=at(2025, 3, 1))
    attend(a1, *m[:4])
    attend(a1, m[4], present=False)
    evaluate(a1, m[0], 5, "联系实际好")
    evaluate(a1, m[1], 4)
    evaluate(a1, m[2], [3, 4, 5, 4, 4], "希望多举案例")
    a2 = ClassSessionFactory(teacher=a, starts_at=at(2025, 6, 1))
    attend(a2, *m[:2])
    evaluate(a2, m[0], 3)
    a_prev = ClassSessionFactory(teacher=a, starts_at=at(2024, 6, 1))
    attend(a_prev, *m[:3])
    for x in m[:3]:
        evaluate(a_prev, x, 3)

    b1 = ClassSessionFactory(teacher=b, starts_at=at(2025, 4, 1))
    attend(b1, *m[:3])
    for x in m[:3]:
        evaluate(b1, x, 2)

    c1 = ClassSessionFactory(teacher=c, starts_at=at(2025, 4, 2))
    c2 = ClassSessionFactory(teacher=c, starts_at=at(2025, 4, 3))
    attend(c1, m[0])
    attend(c2, m[1])
    evaluate(c1, m[0], 5)
    evaluate(c2, m[1], 5)

    for day in (5, 6):
        s = ClassSessionFactory(teacher=e, starts_at=at(2025, 5, day))
        attend(s, *m[:3])
        if day == 5:
            for x in m[:3]:
                evaluate(s, x, 5)
    # Sessions in another year do not count for 2025.
    ClassSessionFactory(teacher=d, starts_at=at(2026, 1, 1))
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def test_assessment_figures_match_hand_computed_values(small, settings):
    settings.TEACHER_ASSESSMENT_MIN_SESSIONS = 2
    result = teacher_assessment(2025)
    rows = {r.teacher.name: r for r in result.rows}
    assert [d.name for d in result.dimensions] == ["政治站位", "内容质量", "联系实际", "教学方法", "总体满意"]

    a = rows["甲讲师"]
    # 2 sessions; attendees 4 + 2 present; 4 responses; scores 25 + 20 + 20 + 15 = 80 over 20 answers.
    assert (a.sessions, a.attendees, a.responses) == (2, 6, 4)
    assert a.response_rate == Decimal("0.6667")
    assert a.overall == Decimal("4.00")
    assert a.dimension_means == [Decimal("3.75"), Decimal("4.00"), Decimal("4.25"), Decimal("4.00"), Decimal("4.00")]
    assert a.previous_overall == Decimal("3.00") and a.change == Decimal("1.00")
    assert a.rank == 1 and a.kind_size == 3 and a.flags == []

    b = rows["乙讲师"]
    assert (b.sessions, b.responses, b.overall, b.rank) == (1, 3, Decimal("2.00"), 2)
    assert b.response_rate == Decimal("1.0000")
    assert b.flags == ["综合得分低于3.50", "授课少于2次"]
    assert b.previous_overall is None and b.change is None

    c = rows["丙讲师"]  # 2 responses < minimum 3: no score, no rank, no score flag
    assert (c.sessions, c.responses, c.overall, c.rank, c.flags) == (2, 2, None, None, [])
    assert c.dimension_means == [Decimal("5.00")] * 5

    d = rows["丁讲师"]
    assert (d.sessions, d.attendees, d.response_rate, d.overall, d.rank) == (0, 0, None, None, None)
    assert d.flags == ["授课少于2次"]

    e = rows["戊讲师"]
    assert (e.sessions, e.attendees, e.responses, e.overall, e.rank, e.kind_size) == (2, 6, 3, Decimal("5.00"), 1, 2)
    assert e.response_rate == Decimal("0.5000")

    assert sorted(r.teacher.name for r in result.flagged) == ["丁讲师", "乙讲师"]


def test_assessment_filters_and_policy_as_data(small):
    experts = teacher_assessment(2025, kind="expert")
    assert [r.teacher.name for r in experts.rows] == ["戊讲师", "丁讲师"]
    assert experts.rows[0].rank == 1
    rural = teacher_assessment(2025, module="thematic", topic="乡村")
    assert [r.teacher.name for r in rural.rows] == ["甲讲师"]
    # Rank stays the rank within the whole kind, not within the filtered list.
    AssessmentPolicy.objects.create(year=2025, score_threshold=Decimal("4.50"), min_sessions=1, min_responses=2)
    rows = {r.teacher.name: r for r in teacher_assessment(2025).rows}
    assert rows["甲讲师"].flags == ["综合得分低于4.50"]
    assert rows["丙讲师"].overall == Decimal("5.00") and rows["丙讲师"].rank == 1
    assert rows["甲讲师"].rank == 2
    assert rows["丁讲师"].flags == ["全年未授课"]


def test_assessment_query_count_is_bounded_for_263_teachers(tree, django_assert_max_num_queries):
    Teacher.objects.bulk_create([Teacher(name=f"讲师{i}", kind=Teacher.Kind.values[i % 3]) for i in range(263)])
    teachers = list(Teacher.objects.all())
    roster = RosterYearFactory(year=2025)
    for t in teachers:
        RosterEntryFactory(roster=roster, teacher=t)
    members = [MemberFactory(branch=tree.branch_a) for _ in range(4)]
    for i, t in enumerate(teachers[:30]):
        s = ClassSessionFactory(teacher=t, starts_at=at(2025, 1 + i % 12, 1 + i % 27))
        attend(s, *members)
        for j, mem in enumerate(members[: 1 + i % 4]):
            evaluate(s, mem, 1 + (i + j) % 5)
    with django_assert_max_num_queries(9):
        result = teacher_assessment(2025)
        assert len(result.rows) == 263
        assert all(r.teacher.specialty_labels is not None for r in result.rows)
