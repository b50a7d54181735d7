import datetime as dt

import pytest
from django.utils import timezone

from lms.training.models import ClassSession, Enrollment, TrainingClass
from tests.factories.training import ClassFactory, compliant_class, enrol, mark, roster_teacher

pytestmark = pytest.mark.django_db
J = "application/json"


def test_create_from_template_publish_refused_then_add_visit(roles, points, login):
    client = login(roles.town_a_staff)
    r = client.post(
        "/api/v1/training/classes/",
        {"title": "API班", "school": roles.tree.town_a.pk, "start_date": "2026-09-01", "end_date": "2026-09-01"},
        content_type=J,
    )
    assert r.status_code == 201, r.json()
    cid = r.json()["id"]
    both = ["领导讲课尚未安排领导干部讲师", "至少需要一次基层教学点现场教学"]
    assert r.json()["compliance_missing"] == both
    r = client.post(f"/api/v1/training/classes/{cid}/publish/", content_type=J)
    assert r.status_code == 400 and r.json()["missing"] == both
    lecture = ClassSession.objects.get(training_class_id=cid, kind="leader_lecture")
    r = client.patch(f"/api/v1/training/sessions/{lecture.pk}/", {"teacher": roster_teacher(2026).pk}, content_type=J)
    assert r.status_code == 200, r.json()
    r = client.post(
        "/api/v1/training/sessions/",
        {
            "training_class": cid,
            "kind": "teaching_point",
            "starts_at": "2026-09-01T14:00:00+08:00",
            "ends_at": "2026-09-01T16:00:00+08:00",
            "teaching_point": points.b.pk,
        },
        content_type=J,
    )
    assert r.status_code == 400 and "本镇街" in r.json()["teaching_point"][0]
    r = client.post(
        "/api/v1/training/sessions/",
        {
            "training_class": cid,
            "kind": "teaching_point",
            "starts_at": "2026-09-01T14:00:00+08:00",
            "ends_at": "2026-09-01T16:00:00+08:00",
            "teaching_point": points.a.pk,
        },
        content_type=J,
    )
    assert r.status_code == 201
    r = client.post(f"/api/v1/training/classes/{cid}/publish/", content_type=J)
    assert r.status_code == 200 and r.json()["status"] == "published" and r.json()["is_compliant"]


def test_cross_town_denials(roles, points, login):
    c = compliant_class(school=roles.tree.town_a, point=points.a, published=False)
    b = login(roles.town_b_staff)
    assert b.get(f"/api/v1/training/classes/{c.pk}/").status_code == 404
    assert b.post(f"/api/v1/training/classes/{c.pk}/publish/").status_code == 404
    assert b.patch(f"/api/v1/training/classes/{c.pk}/", {"title": "改"}, content_type=J).status_code == 404
    r = b.post(
        "/api/v1/training/classes/",
        {"title": "越权", "school": roles.tree.town_a.pk, "start_date": "2026-09-01"},
        content_type=J,
    )
    assert r.status_code == 403
    s = c.sessions.first()
    assert b.delete(f"/api/v1/training/sessions/{s.pk}/").status_code == 404
    r = b.post(
        "/api/v1/training/sessions/",
        {
            "training_class": c.pk,
            "kind": "optional",
            "title": "x",
            "starts_at": "2026-09-01T09:00:00+08:00",
            "ends_at": "2026-09-01T10:00:00+08:00",
        },
        content_type=J,
    )
    assert r.status_code == 403
    assert not TrainingClass.objects.filter(title="越权").exists()
    assert ClassSession.objects.filter(training_class=c).count() == 6
    # department reads, cannot write
    d = login(roles.department)
    assert d.get(f"/api/v1/training/classes/{c.pk}/").status_code == 200
    assert d.post(f"/api/v1/training/classes/{c.pk}/publish/").status_code == 403


def test_enrol_api_capacity_and_scope(roles, login):
    c = ClassFactory(school=roles.tree.town_a, capacity=1)
    client = login(roles.town_a_staff)
    r = client.post(f"/api/v1/training/classes/{c.pk}/enrol/", {"members": [roles.member_b.pk]}, content_type=J)
    assert r.status_code == 400 and "管辖范围" in str(r.json())
    r = client.post(f"/api/v1/training/classes/{c.pk}/enrol/", {"members": ["x"]}, content_type=J)
    assert r.status_code == 400
    r = client.post(f"/api/v1/training/classes/{c.pk}/enrol/", {"members": [roles.member_a.pk]}, content_type=J)
    assert r.status_code == 201 and r.json()[0]["member"] == roles.member_a.pk
    assert Enrollment.objects.count() == 1


def test_members_see_only_their_own_records(roles, points, login):
    c = compliant_class(school=roles.tree.city, point=points.a)
    enrol(c, roles.member_a, roles.member_b)
    mark(c.sessions.get(kind="sign_in"), roles.member_a, roles.member_b)
    client = login(roles.member_a_user)
    rows = client.get("/api/v1/training/enrollments/").json()["results"]
    assert [r["member"] for r in rows] == [roles.member_a.pk]
    rows = client.get("/api/v1/training/attendance/").json()["results"]
    assert [r["member"] for r in rows] == [roles.member_a.pk]
    assert client.get("/api/v1/training/plans/").json()["results"] == []
    r = client.post(
        "/api/v1/training/attendance/roll-call/",
        {"session": c.sessions.first().pk, "present": {str(roles.member_b.pk): False}},
        content_type=J,
    )
    assert r.status_code == 404


def test_roll_call_api(roles, points, login):
    # Yesterday's class: roll call opens 30 minutes before a session, so today's would fail
    # when the suite runs early in the morning.
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=timezone.localdate() - dt.timedelta(days=1))
    enrol(c, roles.member_a)
    s = c.sessions.get(kind="leader_lecture")
    client = login(roles.town_a_staff)
    r = client.post(
        "/api/v1/training/attendance/roll-call/",
        {"session": s.pk, "present": {str(roles.member_a.pk): True}},
        content_type=J,
    )
    assert r.status_code == 200 and r.json() == {"changed": 1}, r.content.decode()
    r = client.post(
        "/api/v1/training/attendance/roll-call/",
        {"session": s.pk, "present": {str(roles.member_b.pk): True}},
        content_type=J,
    )
    assert r.status_code == 400 and "未报名" in str(r.json())


def test_plan_api_workflow(roles, login):
    a = login(roles.town_a_staff)
    r = a.post("/api/v1/training/plans/", {"school": roles.tree.town_a.pk, "year": 2027}, content_type=J)
    assert r.status_code == 201
    pid = r.json()["id"]
    r = a.post("/api/v1/training/plans/", {"school": roles.tree.town_a.pk, "year": 2027}, content_type=J)
    assert r.status_code == 400
    r = a.post(
        "/api/v1/training/planned-classes/",
        {"plan": pid, "title": "党章班", "quarter": 1, "target_trainees": 20},
        content_type=J,
    )
    assert r.status_code == 201
    assert a.post(f"/api/v1/training/plans/{pid}/submit/").json()["status"] == "submitted"
    assert a.post(f"/api/v1/training/plans/{pid}/review/", {"approve": True}, content_type=J).status_code == 403
    d = login(roles.department)
    r = d.post(f"/api/v1/training/plans/{pid}/review/", {"approve": True, "comment": "同意"}, content_type=J)
    assert r.json()["status"] == "approved"
    assert d.get(f"/api/v1/training/plans/{pid}/vs-actual/").json()[0]["target_trainees"] == 20


def test_class_list_query_count_constant(roles, points, login, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(roles.department)
    compliant_class(school=roles.tree.town_a, point=points.a)
    client.get("/api/v1/training/classes/")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/training/classes/")
    for _ in range(5):
        compliant_class(school=roles.tree.town_b, point=points.b)
    with django_assert_max_num_queries(len(few)):
        r = client.get("/api/v1/training/classes/")
    assert r.json()["count"] == 6


def test_schema_lists_training_endpoints(roles, login):
    r = login(roles.superuser).get("/api/schema/?format=json")
    paths = r.json()["paths"]
    for p in [
        "/api/v1/training/classes/",
        "/api/v1/training/classes/{id}/publish/",
        "/api/v1/training/sessions/",
        "/api/v1/training/plans/{id}/review/",
        "/api/v1/training/signin/",
        "/api/v1/training/attendance/roll-call/",
    ]:
        assert p in paths, p
