"""Teacher picker (issue #14 item 7), timetable order and the enrol form (item 8)."""

import datetime as dt

import pytest

from lms.training.models import ClassSession
from teachers.models import Teacher
from tests.factories.training import ClassFactory, at, roster_teacher

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 10)


def test_picker_shows_kind_unit_school_and_availability(roles, login):
    c = ClassFactory(school=roles.tree.town_a, start_date=DAY, end_date=DAY)
    other = ClassFactory(school=roles.tree.town_b, start_date=DAY, end_date=DAY, title="乙镇班")
    busy = roster_teacher(DAY.year, name="周佳琪")
    twin = roster_teacher(DAY.year, name="周佳琪")
    Teacher.objects.filter(pk=twin.pk).update(kind="expert", unit="市委党校", school=roles.tree.town_a)
    ClassSession.objects.create(
        training_class=other, kind="optional", title="乙镇专题", starts_at=at(DAY, 9), ends_at=at(DAY, 11), teacher=busy
    )
    client = login(roles.town_a_staff)
    url = f"/training/classes/{c.pk}/teacher-picker/"
    rows = client.get(url, {"starts_at": "2026-06-10T10:00", "ends_at": "2026-06-10T12:00", "kind": "leader_lecture"})
    rows = {r["id"]: r for r in rows.json()["teachers"]}
    assert rows[busy.pk]["busy"].startswith("2026-06-10 09:00–11:00") and "乙镇班" in rows[busy.pk]["busy"]
    assert rows[twin.pk]["busy"] == "" and rows[twin.pk]["school"] == roles.tree.town_a.name
    assert rows[busy.pk]["duplicate_name"] and rows[busy.pk]["label"] != rows[twin.pk]["label"]
    assert (rows[busy.pk]["kind_ok"], rows[twin.pk]["kind_ok"]) == (True, False)
    # Free later: no clash once the other session has ended.
    later = client.get(url, {"starts_at": "2026-06-10T11:00", "ends_at": "2026-06-10T12:00"}).json()["teachers"]
    assert all(r["busy"] == "" for r in later)
    # Other towns' staff cannot read this class's picker; members neither.
    assert login(roles.town_b_staff).get(url).status_code == 404
    assert login(roles.member_a_user).get(url).status_code in (403, 404)


def test_session_form_labels_tell_duplicates_apart(roles, login):
    c = ClassFactory(school=roles.tree.town_a, start_date=DAY, end_date=DAY)
    a = roster_teacher(DAY.year, name="韩佳琪")
    b = roster_teacher(DAY.year, name="韩佳琪")
    Teacher.objects.filter(pk=a.pk).update(unit="县委宣传部")
    Teacher.objects.filter(pk=b.pk).update(unit="县纪委")
    body = login(roles.town_a_staff).get(f"/training/classes/{c.pk}/sessions/new/").content.decode()
    assert "韩佳琪（领导干部·县委宣传部" in body and "韩佳琪（领导干部·县纪委" in body
    assert "training/teacher_picker" in body and "cdn" not in body.lower()


def test_timetable_is_in_time_order(roles, login):
    c = ClassFactory(school=roles.tree.town_a, start_date=DAY, end_date=DAY)
    for title, hour in [("下午", 14), ("上午", 9), ("中午", 12)]:
        ClassSession.objects.create(
            training_class=c, kind="optional", title=title, starts_at=at(DAY, hour), ends_at=at(DAY, hour, 50)
        )
    body = login(roles.town_a_staff).get(f"/training/classes/{c.pk}/").content.decode()
    assert body.index("上午") < body.index("中午") < body.index("下午")
