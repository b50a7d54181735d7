import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.training.models import ClassSession, TrainingClass
from teachers.models import Teacher
from tests.factories import MemberFactory
from tests.factories.training import AnnualPlanFactory, compliant_class, enrol, mark, roster_teacher

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_workspace_create_from_template_add_visit_publish(roles, points, login):
    client = login(roles.town_a_staff)
    r = client.post(
        "/training/classes/new/",
        {
            "title": "甲镇2026年第二期党员冬训班",
            "school": roles.tree.town_a.pk,
            "module": "general",
            "audiences": ["ordinary"],
            "start_date": "2026-12-01",
            "end_date": "2026-12-01",
            "capacity": 80,
            "place": "镇党校报告厅",
            "from_template": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    c = TrainingClass.objects.get(title="甲镇2026年第二期党员冬训班")
    assert c.sessions.count() == 5
    r = client.post(f"/training/classes/{c.pk}/publish/", follow=True)
    assert "至少需要一次基层教学点现场教学" in r.content.decode()
    assert "领导讲课尚未安排领导干部讲师" in r.content.decode()
    lecture = c.sessions.get(kind="leader_lecture")
    expert = roster_teacher(2026, name="专家甲")
    Teacher.objects.filter(pk=expert.pk).update(kind="expert")
    form = {"kind": "leader_lecture", "starts_at": "2026-12-01T10:40", "ends_at": "2026-12-01T12:00"}
    r = client.post(f"/training/sessions/{lecture.pk}/edit/", {**form, "teacher": expert.pk})
    assert r.status_code == 200 and "只能由领导干部类讲师讲授" in r.content.decode()
    r = client.post(f"/training/sessions/{lecture.pk}/edit/", {**form, "teacher": roster_teacher(2026).pk})
    assert r.status_code == 302
    r = client.post(
        f"/training/classes/{c.pk}/sessions/new/",
        {
            "kind": "teaching_point",
            "title": "",
            "starts_at": "2026-12-01T14:00",
            "ends_at": "2026-12-01T16:00",
            "teaching_point": points.b.pk,  # another town's point
        },
    )
    assert "只能选择本镇街" in r.content.decode() or "选择一个有效的选项" in r.content.decode()
    r = client.post(
        f"/training/classes/{c.pk}/sessions/new/",
        {
            "kind": "teaching_point",
            "starts_at": "2026-12-01T14:00",
            "ends_at": "2026-12-01T16:00",
            "teaching_point": points.a.pk,
        },
    )
    assert r.status_code == 302
    client.post(f"/training/classes/{c.pk}/publish/")
    c.refresh_from_db()
    assert c.status == "published" and c.is_compliant


def test_class_form_errors_in_chinese(roles, login):
    r = login(roles.town_a_staff).post(
        "/training/classes/new/",
        {"title": "", "school": roles.tree.town_b.pk, "start_date": "2026-13-40", "capacity": "many"},
    )
    body = r.content.decode()
    assert r.status_code == 200 and "必需字段" in body and "输入整数" in body
    assert not TrainingClass.objects.exists()


def test_other_towns_class_is_invisible_and_unchangeable(roles, points, login):
    c = compliant_class(school=roles.tree.town_a, point=points.a, published=False)
    s = c.sessions.first()
    b = login(roles.town_b_staff)
    for url in [
        f"/training/classes/{c.pk}/",
        f"/training/classes/{c.pk}/edit/",
        f"/training/sessions/{s.pk}/edit/",
        f"/training/sessions/{s.pk}/roll-call/",
    ]:
        assert b.get(url).status_code == 404, url
    assert b.post(f"/training/classes/{c.pk}/publish/").status_code == 404
    assert b.post(f"/training/sessions/{s.pk}/delete/").status_code == 404
    assert ClassSession.objects.filter(pk=s.pk).exists()
    # the department reads it but cannot change it
    d = login(roles.department)
    assert d.get(f"/training/classes/{c.pk}/").status_code == 200
    assert d.post(f"/training/classes/{c.pk}/publish/").status_code == 403
    assert d.get(f"/training/classes/{c.pk}/edit/").status_code == 403
    assert TrainingClass.objects.get(pk=c.pk).status == "draft"
    # department of town A's committee does not see town B's classes
    cb = compliant_class(school=roles.tree.town_b, point=points.b)
    assert login(roles.department_a).get(f"/training/classes/{cb.pk}/").status_code == 404


def test_index_query_count_does_not_grow(roles, points, login, django_assert_max_num_queries):
    """The shell (nav, panels of other apps) costs a constant; the list itself one query."""

    def add(n, start):
        for i in range(n):
            c = compliant_class(school=roles.tree.town_a, point=points.a, day=dt.date(2026, 3, start + i))
            enrol(c, MemberFactory(branch=roles.tree.branch_a))

    add(2, 1)
    client = login(roles.town_a_staff)
    client.get("/training/")
    few = _queries(client, "/training/")
    add(6, 10)
    assert _queries(client, "/training/") == few
    with django_assert_max_num_queries(20):
        r = client.get("/training/")
    assert r.content.decode().count("/training/classes/") >= 8


def test_class_detail_query_count_does_not_grow(roles, points, login, django_assert_max_num_queries):
    c = compliant_class(school=roles.tree.town_a, point=points.a)
    members = [MemberFactory(branch=roles.tree.branch_a) for _ in range(2)]
    enrol(c, *members)
    client = login(roles.town_a_staff)
    url = f"/training/classes/{c.pk}/"
    client.get(url)
    few = _queries(client, url)
    more = [MemberFactory(branch=roles.tree.branch_a) for _ in range(8)]
    enrol(c, *more)
    for s in c.sessions.all():
        mark(s, *more[:4])
    assert _queries(client, url) == few
    with django_assert_max_num_queries(25):
        client.get(url)


def test_plan_list_query_count_does_not_grow(roles, login, django_assert_max_num_queries):
    AnnualPlanFactory(school=roles.tree.town_a, year=2019)
    client = login(roles.department)
    client.get("/training/plans/")
    few = _queries(client, "/training/plans/")
    for y in range(2020, 2027):
        AnnualPlanFactory(school=roles.tree.town_b, year=y)
    assert _queries(client, "/training/plans/") == few
    with django_assert_max_num_queries(20):
        r = client.get("/training/plans/")
    assert r.content.decode().count("/training/plans/") >= 8


def test_member_pages(roles, points, login):
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=dt.date.today() + dt.timedelta(days=2))
    enrol(c, roles.member_a)
    client = login(roles.member_a_user)
    assert "我的班次" in client.get("/").content.decode()
    body = client.get("/training/").content.decode()
    assert c.title in body
    assert client.get("/training/classes/new/").status_code == 403
    assert client.get("/training/plans/").status_code == 403
    assert login(roles.member_b_user).get("/training/my/").content.decode().count(c.title) == 0


def test_school_panel_shows_upcoming_and_plan(roles, points, login):
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=dt.date.today() + dt.timedelta(days=3))
    AnnualPlanFactory(school=roles.tree.town_a, year=dt.date.today().year)
    body = login(roles.town_a_staff).get("/").content.decode()
    assert c.title in body and "年度教学计划" in body


def test_my_classes_lists_the_enrolled_classes_and_stacks_sessions_on_a_phone(roles, points, login):
    """The member sees the classes they are enrolled in (not only their sessions), and the
    sessions table carries the column names its phone layout shows beside each cell."""
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=dt.date.today() + dt.timedelta(days=5))
    other = compliant_class(school=roles.tree.town_a, point=points.a, day=dt.date.today() + dt.timedelta(days=6))
    enrol(c, roles.member_a)
    body = login(roles.member_a_user).get("/training/my/").content.decode()
    enrolled = body[body.index('id="my-enrolled"') : body.index("</ul>", body.index('id="my-enrolled"'))]
    assert c.title in enrolled and other.title not in enrolled
    assert c.school.name in enrolled
    assert 'class="stack"' in body and 'data-label="签到"' in body
    assert "目前没有报名的班次" in login(roles.member_b_user).get("/training/my/").content.decode()
