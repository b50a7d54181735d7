import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lms.training.models import ClassSession
from lms.training.rules import teacher_conflicts
from lms.training.services.classes import class_cancel
from lms.training.services.sessions import session_save
from tests.factories.training import ClassFactory, at, roster_teacher

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 10)


def _session(c, **kw):
    defaults = {"kind": "leader_lecture", "starts_at": at(DAY, 9), "ends_at": at(DAY, 11)}
    defaults.update(kw)
    return ClassSession(training_class=c, **defaults)


def test_teacher_double_booking_refused_naming_the_other_class(roles):
    teacher = roster_teacher(DAY.year, name="李部长")
    first = ClassFactory(school=roles.tree.town_a, title="甲镇第一期", start_date=DAY)
    other = ClassFactory(school=roles.tree.town_b, title="乙镇第一期", start_date=DAY)
    session_save(user=roles.town_a_staff, session=_session(first, teacher=teacher))
    with pytest.raises(ValidationError) as exc:
        session_save(
            user=roles.town_b_staff,
            session=_session(other, teacher=teacher, starts_at=at(DAY, 10), ends_at=at(DAY, 12)),
        )
    msg = exc.value.message_dict["teacher"][0]
    assert "李部长" in msg and "甲镇第一期" in msg and "不能重复安排" in msg
    assert other.sessions.count() == 0


def test_back_to_back_sessions_do_not_clash(roles):
    teacher = roster_teacher(DAY.year)
    a = ClassFactory(school=roles.tree.town_a, start_date=DAY)
    b = ClassFactory(school=roles.tree.town_b, start_date=DAY)
    session_save(user=roles.town_a_staff, session=_session(a, teacher=teacher))
    session_save(
        user=roles.town_b_staff, session=_session(b, teacher=teacher, starts_at=at(DAY, 11), ends_at=at(DAY, 12))
    )
    assert teacher_conflicts(teacher, at(DAY, 11), at(DAY, 12)).count() == 1


def test_cancelled_class_frees_the_teacher(roles):
    teacher = roster_teacher(DAY.year)
    a = ClassFactory(school=roles.tree.town_a, start_date=DAY)
    session_save(user=roles.town_a_staff, session=_session(a, teacher=teacher))
    class_cancel(user=roles.town_a_staff, training_class=a)
    b = ClassFactory(school=roles.tree.town_b, start_date=DAY)
    session_save(user=roles.town_b_staff, session=_session(b, teacher=teacher))


def test_editing_a_session_does_not_clash_with_itself(roles):
    teacher = roster_teacher(DAY.year)
    a = ClassFactory(school=roles.tree.town_a, start_date=DAY)
    s = session_save(user=roles.town_a_staff, session=_session(a, teacher=teacher))
    s.ends_at = at(DAY, 11, 30)
    session_save(user=roles.town_a_staff, session=s)


def test_teaching_point_double_booking_refused(roles, points):
    a = ClassFactory(school=roles.tree.city, title="市委党校示范班", start_date=DAY)
    b = ClassFactory(school=roles.tree.town_a, title="甲镇班", start_date=DAY)
    tp = {"kind": "teaching_point", "teaching_point": points.a, "starts_at": at(DAY, 14), "ends_at": at(DAY, 16)}
    session_save(user=roles.city_staff, session=_session(a, **tp))
    with pytest.raises(ValidationError) as exc:
        session_save(user=roles.town_a_staff, session=_session(b, **{**tp, "starts_at": at(DAY, 15, 30)}))
    assert "市委党校示范班" in exc.value.message_dict["teaching_point"][0]


def test_town_school_uses_only_its_own_teaching_points(roles, points):
    a = ClassFactory(school=roles.tree.town_a, start_date=DAY)
    with pytest.raises(ValidationError) as exc:
        session_save(
            user=roles.town_a_staff,
            session=_session(
                a, kind="teaching_point", teaching_point=points.b, starts_at=at(DAY, 14), ends_at=at(DAY, 15)
            ),
        )
    assert exc.value.message_dict["teaching_point"] == ["镇街党校只能选择本镇街的基层教学点。"]


def test_city_school_may_use_any_teaching_point(roles, points):
    c = ClassFactory(school=roles.tree.city, start_date=DAY)
    session_save(
        user=roles.city_staff,
        session=_session(c, kind="teaching_point", teaching_point=points.b, starts_at=at(DAY, 14), ends_at=at(DAY, 15)),
    )


def test_teacher_must_be_on_this_years_roster(roles):
    last_year = roster_teacher(DAY.year - 1, name="往年讲师")
    c = ClassFactory(school=roles.tree.town_a, start_date=DAY)
    with pytest.raises(ValidationError) as exc:
        session_save(user=roles.town_a_staff, session=_session(c, teacher=last_year))
    assert "不在2026年度师资库名单中" in exc.value.message_dict["teacher"][0]


def test_optional_item_needs_a_title_and_times_must_be_ordered(roles):
    c = ClassFactory(school=roles.tree.town_a, start_date=DAY)
    with pytest.raises(ValidationError) as exc:
        session_save(user=roles.town_a_staff, session=_session(c, kind="optional", title="", ends_at=at(DAY, 8)))
    assert set(exc.value.message_dict) == {"title", "ends_at"}


def test_other_towns_staff_cannot_add_sessions(roles):
    c = ClassFactory(school=roles.tree.town_a, start_date=DAY)
    with pytest.raises(Exception) as exc:
        session_save(user=roles.town_b_staff, session=_session(c))
    assert "无权" in str(exc.value)
    assert c.sessions.count() == 0
