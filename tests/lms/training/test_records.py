"""Attendance and credit only for what happened (issue #13 item 3), and one sign-in per class
day (issue #14 item 9). Each attack from the issue is replayed and must now do no harm.

A `clock` fixture pins django.utils.timezone.now so the tests do not depend on the hour."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lms.schools.models import Room
from lms.training import signin
from lms.training.credit import credited_days_settle
from lms.training.models import Attendance, ClassSession, CreditedDay, TrainingClass
from lms.training.services.attendance import SignInRefused, attendance_sign_in_token
from lms.training.services.classes import class_publish, class_update
from lms.training.services.roll_call import attendance_day_carry, attendance_roll_call
from lms.training.services.sessions import session_save
from lms.training.template import check_template
from teachers.models import Teacher
from tests.factories.training import ClassFactory, at, compliant_class, enrol, roster_teacher

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 10)


class Clock:
    def __init__(self, monkeypatch, start: dt.datetime):
        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
        self.now = at(day, hour, minute)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, at(DAY, 7))


@pytest.fixture
def day_class(roles, points):
    """伦镇-style class on DAY: the five template items 08:30–12:00, the visit 14:00–16:30 and an
    evening session 17:30–18:30; member A enrolled, published."""
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=DAY)
    ClassSession.objects.create(
        training_class=c, kind="optional", title="晚间讨论", starts_at=at(DAY, 17, 30), ends_at=at(DAY, 18, 30)
    )
    enrol(c, roles.member_a, roles.member_b)
    return c


def _s(c, kind, title=None):
    qs = c.sessions.filter(kind=kind)
    return qs.get(title=title) if title else qs.get()


# --- roll call and sign-in windows -----------------------------------------------------------


def test_roll_call_nine_days_ahead_is_refused(roles, day_class, clock):
    clock.set(9, day=DAY - dt.timedelta(days=9))
    lecture = _s(day_class, "leader_lecture")
    with pytest.raises(ValidationError, match="点名尚未开始"):
        attendance_roll_call(user=roles.town_a_staff, session=lecture, present={roles.member_a.pk: True})
    assert not Attendance.objects.exists()


def test_evening_session_cannot_be_marked_at_lunchtime_nor_credited_before_it_ends(roles, day_class, clock, login):
    evening = _s(day_class, "optional", "晚间讨论")
    clock.set(13, 5)
    with pytest.raises(ValidationError, match="开课前 30 分钟开放点名"):
        attendance_roll_call(user=roles.town_a_staff, session=evening, present={roles.member_a.pk: True})
    # The page says so too, and refuses the POST without saving.
    client = login(roles.town_a_staff)
    page = client.get(f"/training/sessions/{evening.pk}/roll-call/").content.decode()
    assert "点名尚未开始" in page
    client.post(f"/training/sessions/{evening.pk}/roll-call/", {"present": [roles.member_a.pk]})
    assert not Attendance.objects.filter(session=evening).exists()

    # Morning items and the visit are marked as they happen; no day is credited while a session is left.
    for kind in ("sign_in", "constitution", "leader_lecture"):
        s = _s(day_class, kind)
        clock.now = s.ends_at
        attendance_roll_call(user=roles.town_a_staff, session=s, present={roles.member_a.pk: True})
    clock.set(17, 10)
    attendance_roll_call(
        user=roles.town_a_staff, session=_s(day_class, "teaching_point"), present={roles.member_a.pk: True}
    )
    assert not CreditedDay.objects.exists()
    credited_days_settle()
    assert not CreditedDay.objects.exists()  # the evening session is still ahead

    clock.set(18, 31)  # the day's last session has ended: the periodic settle credits it
    credited_days_settle()
    row = CreditedDay.objects.get(member=roles.member_a)
    assert row.day == DAY and row.hours == Decimal("5.33")  # 30+60+80+150 of 410 scheduled minutes


def test_sign_in_before_the_window_is_refused(roles, day_class, clock):
    visit = _s(day_class, "teaching_point")
    clock.set(13, 29)  # window opens 13:30
    with pytest.raises(SignInRefused, match="签到尚未开始"):
        attendance_sign_in_token(user=roles.member_a_user, token=signin.token_for(visit.pk))
    assert not Attendance.objects.exists()


def test_window_is_a_setting(roles, day_class, clock, settings):
    settings.TRAINING_SIGNIN_OPEN_BEFORE_MINUTES = 10
    visit = _s(day_class, "teaching_point")
    clock.set(13, 45)
    with pytest.raises(ValidationError, match="开课前 10 分钟开放点名"):
        attendance_roll_call(user=roles.town_a_staff, session=visit, present={roles.member_a.pk: True})
    clock.set(13, 50)
    assert attendance_roll_call(user=roles.town_a_staff, session=visit, present={roles.member_a.pk: True})


def test_roll_call_on_a_draft_class_is_refused(roles, points, clock):
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=DAY, published=False)
    enrol(c, roles.member_a)
    clock.set(9)
    with pytest.raises(ValidationError, match="尚未发布"):
        attendance_roll_call(user=roles.town_a_staff, session=_s(c, "constitution"), present={roles.member_a.pk: True})


# --- one sign-in per class day ---------------------------------------------------------------


def test_one_scan_signs_in_for_the_day(roles, day_class, clock, login):
    sign_in, anthem = _s(day_class, "sign_in"), _s(day_class, "anthem")
    clock.set(8, 35)
    result = attendance_sign_in_token(user=roles.member_a_user, token=signin.token_for(sign_in.pk))
    attendance, created = result  # still unpacks like before
    assert created and attendance.session_id == sign_in.pk
    present = set(Attendance.objects.filter(member=roles.member_a, present=True).values_list("session_id", flat=True))
    # 签到 is open, and so is 奏唱国歌 (09:00, window from 08:30): both marked; the rest waits.
    assert present == {sign_in.pk, anthem.pk}
    assert [s.display_title for s in result.later][:2] == ["重温入党誓词", "集体学习党章"]

    # A second scan of any QR that day changes nothing.
    again = attendance_sign_in_token(user=roles.member_a_user, token=signin.token_for(anthem.pk))
    assert not again.created

    # Staff mark member A absent from the lecture (left early); the carry must not override it.
    lecture = _s(day_class, "leader_lecture")
    clock.set(10, 45)
    attendance_roll_call(user=roles.town_a_staff, session=lecture, present={roles.member_a.pk: False})
    attendance_day_carry()
    rows = dict(Attendance.objects.filter(member=roles.member_a).values_list("session__kind", "present"))
    assert rows == {"sign_in": True, "anthem": True, "oath": True, "constitution": True, "leader_lecture": False}
    assert Attendance.objects.get(member=roles.member_a, session__kind="oath").source == "day"

    # Sessions that have not started have no row yet; 我的班次 says what will happen.
    page = login(roles.member_a_user).get("/training/my/").content.decode()
    assert "当日已签到，开始后记出席" in page and "缺勤" in page and "待认定" in page
    assert not Attendance.objects.filter(session__kind="teaching_point").exists()

    clock.set(14, 1)
    assert attendance_day_carry() == 1  # the visit, for member A only (B never signed in)
    assert attendance_day_carry() == 0  # idempotent
    assert not Attendance.objects.filter(member=roles.member_b).exists()


def test_scan_after_a_session_closed_does_not_mark_it(roles, day_class, clock):
    clock.set(10, 50)  # 签到 closed at 09:15, 党章 at 10:45; the lecture is running
    lecture = _s(day_class, "leader_lecture")
    attendance_sign_in_token(user=roles.member_b_user, token=signin.token_for(lecture.pk))
    marked = set(Attendance.objects.filter(member=roles.member_b).values_list("session__kind", flat=True))
    assert marked == {"leader_lecture"}


def test_signin_result_page_lists_the_day(roles, day_class, clock, login):
    clock.set(8, 40)
    r = login(roles.member_a_user).get(f"/training/s/{signin.token_for(_s(day_class, 'sign_in').pk)}/")
    body = r.content.decode()
    assert r.status_code == 200 and "签到成功" in body
    assert "今天的课次" in body and "开始后自动记出席" in body and "一天只需签到一次" in body


# --- sessions: dates, length, rooms, template teachers ----------------------------------------


def _session(c, **kw):
    return ClassSession(training_class=c, kind=kw.pop("kind", "optional"), title=kw.pop("title", "讨论"), **kw)


def test_session_after_the_class_ends_is_refused(roles, points):
    c = ClassFactory(school=roles.tree.town_a, start_date=DAY, end_date=DAY)
    late = _session(c, starts_at=at(DAY + dt.timedelta(days=3), 9), ends_at=at(DAY + dt.timedelta(days=3), 10))
    with pytest.raises(ValidationError) as exc:
        session_save(user=roles.town_a_staff, session=late)
    assert "课次时间须在班次日期内" in exc.value.message_dict["starts_at"][0]


def test_sixteen_hour_session_is_refused(roles, settings):
    c = ClassFactory(school=roles.tree.town_a, start_date=DAY, end_date=DAY + dt.timedelta(days=1))
    long = _session(c, starts_at=at(DAY, 8), ends_at=at(DAY, 8) + dt.timedelta(hours=16))
    with pytest.raises(ValidationError) as exc:
        session_save(user=roles.town_a_staff, session=long)
    assert "单个课次最长8小时" in exc.value.message_dict["ends_at"][0]
    settings.TRAINING_SESSION_MAX_HOURS = 17
    session_save(user=roles.town_a_staff, session=long)


def test_same_room_same_time_is_refused_across_classes(roles):
    hall = Room.objects.create(school=roles.tree.town_a, name="报告厅", capacity=200)
    a = ClassFactory(school=roles.tree.town_a, start_date=DAY, end_date=DAY, title="甲班")
    b = ClassFactory(school=roles.tree.town_a, start_date=DAY, end_date=DAY, title="乙班")
    session_save(user=roles.town_a_staff, session=_session(a, starts_at=at(DAY, 9), ends_at=at(DAY, 11), venue=hall))
    clash = _session(b, starts_at=at(DAY, 10), ends_at=at(DAY, 12), venue=hall)
    with pytest.raises(ValidationError) as exc:
        session_save(user=roles.town_a_staff, session=clash)
    assert "报告厅" in exc.value.message_dict["venue"][0] and "甲班" in exc.value.message_dict["venue"][0]
    # Back to back is fine; a cancelled class frees the room.
    session_save(user=roles.town_a_staff, session=_session(b, starts_at=at(DAY, 11), ends_at=at(DAY, 12), venue=hall))
    TrainingClass.objects.filter(pk=a.pk).update(status="cancelled")
    session_save(user=roles.town_a_staff, session=_session(b, starts_at=at(DAY, 9), ends_at=at(DAY, 10), venue=hall))


def test_another_schools_room_is_refused(roles):
    theirs = Room.objects.create(school=roles.tree.town_b, name="乙镇报告厅")
    c = ClassFactory(school=roles.tree.town_a, start_date=DAY, end_date=DAY)
    with pytest.raises(ValidationError, match="只能选择本党校的教室"):
        session_save(
            user=roles.town_a_staff, session=_session(c, starts_at=at(DAY, 9), ends_at=at(DAY, 10), venue=theirs)
        )


def test_leader_lecture_without_teacher_is_not_compliant(roles, points):
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=DAY, published=False)
    assert check_template(c).ok
    c.sessions.filter(kind="leader_lecture").update(teacher=None)
    assert check_template(c).missing == ["领导讲课尚未安排领导干部讲师"]
    with pytest.raises(ValidationError, match="领导讲课尚未安排领导干部讲师"):
        class_publish(user=roles.town_a_staff, training_class=c)


def test_leader_lecture_takes_a_leading_cadre_only(roles, points):
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=DAY, published=False)
    expert = roster_teacher(DAY.year, name="王教授")
    Teacher.objects.filter(pk=expert.pk).update(kind=Teacher.Kind.EXPERT)
    lecture = ClassSession.objects.get(training_class=c, kind="leader_lecture")
    lecture.teacher = Teacher.objects.get(pk=expert.pk)
    with pytest.raises(ValidationError) as exc:
        session_save(user=roles.town_a_staff, session=lecture)
    assert "只能由领导干部类讲师讲授" in exc.value.message_dict["teacher"][0]
    # Stored before the rule (or written around it): the template check does not count it.
    ClassSession.objects.filter(pk=lecture.pk).update(teacher=expert)
    assert check_template(c).missing == ["领导讲课尚未安排领导干部讲师"]
    # An expert may teach an optional item.
    session_save(
        user=roles.town_a_staff,
        session=_session(
            c, starts_at=at(DAY, 16, 40), ends_at=at(DAY, 17, 30), teacher=Teacher.objects.get(pk=expert.pk)
        ),
    )


def test_session_with_attendance_keeps_its_times(roles, day_class, clock):
    clock.set(9, 50)
    s = _s(day_class, "constitution")
    attendance_roll_call(user=roles.town_a_staff, session=s, present={roles.member_a.pk: True})
    s.starts_at, s.ends_at = at(DAY, 19), at(DAY, 20)
    with pytest.raises(ValidationError, match="不能修改时间"):
        session_save(user=roles.town_a_staff, session=s)


# --- capacity and class dates ----------------------------------------------------------------


def test_capacity_not_below_enrolled_nor_absurd(roles, points, login):
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=DAY, capacity=10)
    from tests.factories import MemberFactory

    enrol(c, *[MemberFactory(branch=roles.tree.branch_a) for _ in range(5)])
    with pytest.raises(ValidationError) as exc:
        class_update(user=roles.town_a_staff, training_class=c, capacity=2)
    assert "已有5人报名，容量不能少于5人" in exc.value.message_dict["capacity"][0]
    client = login(roles.town_a_staff)
    r = client.patch(f"/api/v1/training/classes/{c.pk}/", {"capacity": 2**40}, content_type="application/json")
    assert r.status_code == 400
    r = client.patch(f"/api/v1/training/classes/{c.pk}/", {"capacity": 2}, content_type="application/json")
    assert r.status_code == 400 and "容量不能少于5人" in r.content.decode()
    with pytest.raises(ValidationError, match="容量不能超过1000人"):
        class_update(user=roles.town_a_staff, training_class=c, capacity=5000)
    assert TrainingClass.objects.get(pk=c.pk).capacity == 10
    class_update(user=roles.town_a_staff, training_class=c, capacity=5)
    assert TrainingClass.objects.get(pk=c.pk).capacity == 5


def test_moving_class_dates_away_from_its_sessions_is_refused(roles, points):
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=DAY)
    later = DAY + dt.timedelta(days=7)
    with pytest.raises(ValidationError, match="以下课次不在新的班次日期内"):
        class_update(user=roles.town_a_staff, training_class=c, start_date=later, end_date=later)
    assert TrainingClass.objects.get(pk=c.pk).start_date == DAY
