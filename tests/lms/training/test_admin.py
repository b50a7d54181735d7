import datetime as dt

import pytest

from lms.accounts.roles import roles_sync_groups
from lms.training.models import ClassSession
from tests.factories.training import ClassFactory, at, compliant_class, roster_teacher

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 7, 7)


@pytest.fixture(autouse=True)
def _groups(roles):
    from django.contrib.auth.models import Group

    from lms.accounts.roles import SCHOOL_STAFF_GROUP

    roles_sync_groups()
    group = Group.objects.get(name=SCHOOL_STAFF_GROUP)
    for user in (roles.town_a_staff, roles.town_b_staff):
        user.groups.add(group)


def test_admin_lists_only_own_towns_classes(roles, points, login):
    """Department staff read classes in the admin, scoped; school staff are sent to the
    workspace (no second raw UI) and nobody but administrators edits a class here."""
    mine = compliant_class(school=roles.tree.town_a, point=points.a, title="甲镇后台班")
    theirs = compliant_class(school=roles.tree.town_b, point=points.b, title="乙镇后台班")
    client = login(roles.department_a)
    body = client.get("/admin/snippets/training/trainingclass/").content.decode()
    assert "甲镇后台班" in body and "乙镇后台班" not in body
    assert client.get(f"/admin/snippets/training/trainingclass/inspect/{theirs.pk}/").status_code == 404
    assert client.get(f"/admin/snippets/training/trainingclass/inspect/{mine.pk}/").status_code == 200
    assert client.get(f"/admin/snippets/training/trainingclass/edit/{mine.pk}/").status_code in (302, 403)
    staff = login(roles.town_a_staff)
    assert staff.get("/admin/snippets/training/trainingclass/").status_code in (302, 403)
    assert "/training/" in staff.get("/admin/").content.decode()


def test_admin_session_form_applies_the_booking_rules(roles, points, login):
    teacher = roster_teacher(DAY.year, name="赵书记")
    other = ClassFactory(school=roles.tree.town_b, title="乙镇讲座班", start_date=DAY)
    ClassSession.objects.create(
        training_class=other, kind="leader_lecture", starts_at=at(DAY, 9), ends_at=at(DAY, 11), teacher=teacher
    )
    mine = ClassFactory(school=roles.tree.town_a, start_date=DAY)
    client = login(roles.superuser)
    data = {
        "training_class": mine.pk,
        "kind": "leader_lecture",
        "title": "",
        "starts_at": "2026-07-07 10:00",
        "ends_at": "2026-07-07 12:00",
        "room": "",
        "teacher": teacher.pk,
        "teaching_point": "",
    }
    r = client.post("/admin/snippets/training/classsession/add/", data)
    assert r.status_code == 200
    assert "乙镇讲座班" in r.content.decode()
    assert not mine.sessions.exists()
    r = client.post(
        "/admin/snippets/training/classsession/add/",
        {**data, "teacher": "", "teaching_point": points.b.pk, "kind": "teaching_point"},
    )
    assert "本镇街" in r.content.decode()
    r = client.post("/admin/snippets/training/classsession/add/", {**data, "teacher": ""})
    assert r.status_code == 302
    mine.refresh_from_db()
    assert mine.compliance_missing and "缺少必选项目：签到" in mine.compliance_missing
    # school staff do not add sessions in the admin at all (the workspace does)
    staff = login(roles.town_a_staff)
    r = staff.post("/admin/snippets/training/classsession/add/", {**data, "teacher": ""})
    assert r.status_code in (302, 403) and mine.sessions.count() == 1
