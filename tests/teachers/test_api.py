import pytest

from teachers.models import Evaluation, RosterEntry, Teacher
from tests.factories import UserFactory
from tests.factories.teachers import ClassSessionFactory, RosterEntryFactory, RosterYearFactory, TeacherFactory, attend

pytestmark = pytest.mark.django_db

SCORES = {"political": 5, "content": 4, "practice": 4, "method": 3, "overall": 4}


def test_members_see_public_profiles_staff_see_contact(roles, login):
    TeacherFactory(name="公开讲师", phone="13911112222")
    data = login(roles.member_a_user).get("/api/v1/teachers/pool/").json()
    row = data["results"][0]
    assert row["name"] == "公开讲师" and "phone" not in row and "email" not in row
    row = login(roles.town_a_staff).get("/api/v1/teachers/pool/").json()["results"][0]
    assert row["phone"] == "13911112222"
    assert login(roles.nobody).get("/api/v1/teachers/pool/").json()["results"] == []


def test_department_creates_teacher_school_staff_cannot(roles, login):
    body = {"name": "新讲师", "kind": "expert", "specialties": [{"module": "general", "topic": "党的二十大精神"}]}
    r = login(roles.town_a_staff).post("/api/v1/teachers/pool/", body, content_type="application/json")
    assert r.status_code == 403
    r = login(roles.department).post("/api/v1/teachers/pool/", body, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["specialties"][0]["topic"] == "党的二十大精神"
    r = login(roles.department).post(
        "/api/v1/teachers/pool/", {"name": "x", "kind": "wizard"}, content_type="application/json"
    )
    assert r.status_code == 400
    teacher = Teacher.objects.get(name="新讲师")
    r = login(roles.town_a_staff).patch(
        f"/api/v1/teachers/pool/{teacher.pk}/", {"name": "改名"}, content_type="application/json"
    )
    assert r.status_code == 403
    r = login(roles.department).patch(
        f"/api/v1/teachers/pool/{teacher.pk}/", {"title": "教授"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["title"] == "教授"


def test_roster_api(roles, login):
    teacher = TeacherFactory()
    RosterEntryFactory(roster=RosterYearFactory(year=2025), teacher=teacher)
    dept = login(roles.department)
    r = dept.post("/api/v1/teachers/roster-years/2026/open/", {}, content_type="application/json")
    assert r.status_code == 201 and r.json()["active_count"] == 1 and r.json()["copied_from_year"] == 2025
    entry = RosterEntry.objects.get(roster__year=2026)
    r = dept.post(
        f"/api/v1/teachers/roster-entries/{entry.pk}/remove/", {"reason": ""}, content_type="application/json"
    )
    assert r.status_code == 400
    r = dept.post(
        f"/api/v1/teachers/roster-entries/{entry.pk}/remove/", {"reason": "退休"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["removal_reason"] == "退休"
    r = dept.post(
        "/api/v1/teachers/roster-years/2026/add/",
        {"teacher": teacher.pk, "reason": "返聘"},
        content_type="application/json",
    )
    assert r.status_code == 201
    r = dept.post(
        "/api/v1/teachers/roster-years/2026/add/",
        {"teacher": teacher.pk, "reason": "返聘"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "已在2026年度名录中" in r.content.decode()
    school = login(roles.town_a_staff)  # the same test client, now logged in as school staff
    assert school.get("/api/v1/teachers/roster-years/2026/entries/").json()["count"] == 1
    assert (
        school.post("/api/v1/teachers/roster-years/2027/open/", {}, content_type="application/json").status_code == 403
    )
    assert (
        school.post(
            f"/api/v1/teachers/roster-entries/{entry.pk}/remove/", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert login(roles.member_a_user).get("/api/v1/teachers/roster-years/").status_code == 403
    history = login(roles.department).get(f"/api/v1/teachers/pool/{teacher.pk}/roster-history/").json()
    assert [(h["year"], h["reason"], h["removal_reason"]) for h in history] == [
        (2025, "年度调整入库", ""),
        (2026, "沿用2025年度名录", "退休"),
        (2026, "返聘", ""),
    ]


def test_evaluation_api_create_then_edit_and_denials(roles, login):
    session = ClassSessionFactory()
    attend(session, roles.member_a)
    member = login(roles.member_a_user)
    assert [p["session"] for p in member.get("/api/v1/teachers/evaluations/pending/").json()] == [session.pk]
    body = {"session": session.pk, "scores": SCORES, "comment": "好"}
    r = member.post("/api/v1/teachers/evaluations/", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["mean_score"] == "4.00"
    r = member.post(
        "/api/v1/teachers/evaluations/", {**body, "scores": {**SCORES, "method": 5}}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["scores"]["method"] == 5
    assert Evaluation.objects.count() == 1
    for bad in (
        {**body, "scores": {**SCORES, "method": 7}},
        {**body, "session": 999999},
        {**body, "session": "abc"},
        {"session": session.pk},
    ):
        assert member.post("/api/v1/teachers/evaluations/", bad, content_type="application/json").status_code == 400
    r = login(roles.member_b_user).post("/api/v1/teachers/evaluations/", body, content_type="application/json")
    assert r.status_code == 400 and "只有参加了本次课程的学员" in r.content.decode()
    assert (
        login(roles.town_a_staff)
        .post("/api/v1/teachers/evaluations/", body, content_type="application/json")
        .status_code
        == 403
    )
    assert Evaluation.objects.count() == 1


def test_feedback_and_assessment_permissions(roles, login):
    user = UserFactory()
    mine = TeacherFactory(user=user)
    other = TeacherFactory()
    client = login(user)
    assert client.get(f"/api/v1/teachers/pool/{mine.pk}/feedback/").status_code == 200
    assert client.get(f"/api/v1/teachers/pool/{other.pk}/feedback/").status_code == 404
    assert client.get(f"/api/v1/teachers/pool/{other.pk}/sessions/").status_code == 404
    assert client.get(f"/api/v1/teachers/pool/{mine.pk}/").json()["phone"] == mine.phone
    assert client.get("/api/v1/teachers/assessment/").status_code == 403
    assert login(roles.town_a_staff).get("/api/v1/teachers/assessment/").status_code == 403
    r = login(roles.department).get("/api/v1/teachers/assessment/", {"year": 2026})
    assert r.status_code == 200 and len(r.json()["dimensions"]) == 5
    assert login(roles.department).get("/api/v1/teachers/assessment/", {"year": "x"}).status_code == 400
    assert login(roles.department).get(f"/api/v1/teachers/pool/{other.pk}/feedback/").status_code == 200


def test_admin_snippets(roles, login):
    teacher = TeacherFactory()
    from django.contrib.auth.models import Group

    from lms.accounts.roles import DEPARTMENT_STAFF_GROUP, SCHOOL_STAFF_GROUP, roles_sync_groups

    roles_sync_groups()
    roles.department.groups.add(Group.objects.get(name=DEPARTMENT_STAFF_GROUP))
    roles.town_a_staff.groups.add(Group.objects.get(name=SCHOOL_STAFF_GROUP))
    entry = RosterEntryFactory(teacher=teacher)
    dept = login(roles.department)
    assert dept.get("/admin/snippets/teachers/teacher/").status_code == 200
    assert dept.get(f"/admin/snippets/teachers/teacher/edit/{teacher.pk}/").status_code == 200
    assert dept.get("/admin/snippets/teachers/rosterentry/").status_code == 200
    assert dept.get(f"/admin/snippets/teachers/rosterentry/edit/{entry.pk}/").status_code in (302, 403)
    school = login(roles.town_a_staff)
    assert school.get("/admin/snippets/teachers/teacher/").status_code == 200
    assert school.get(f"/admin/snippets/teachers/teacher/edit/{teacher.pk}/").status_code in (302, 403)


def test_forged_ids_are_not_found(roles, login):
    client = login(roles.department)
    for url in (
        "/api/v1/teachers/pool/abc/feedback/",
        "/api/v1/teachers/pool/abc/",
        "/api/v1/teachers/pool/99999999999999999999/roster-history/",
        "/api/v1/teachers/roster-years/1999/",
    ):
        assert client.get(url).status_code == 404, url
    r = client.post(
        "/api/v1/teachers/roster-years/2026/add/", {"teacher": "abc", "reason": "x"}, content_type="application/json"
    )
    assert r.status_code == 400
