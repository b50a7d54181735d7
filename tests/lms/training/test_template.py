import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lms.training.models import ClassSession, TrainingClass
from lms.training.services.classes import class_create, class_publish
from lms.training.services.sessions import session_delete, session_save
from lms.training.template import MANDATORY_KINDS, check_template
from tests.factories.training import ClassFactory, SessionFactory, at, compliant_class, roster_teacher

pytestmark = pytest.mark.django_db

LABELS = {
    "sign_in": "签到",
    "anthem": "奏唱国歌或国际歌",
    "oath": "重温入党誓词",
    "constitution": "集体学习党章",
    "leader_lecture": "领导讲课",
}


def test_complete_class_passes(tree, points):
    c = compliant_class(school=tree.town_a, point=points.a, published=False)
    result = check_template(c)
    assert result.ok and result.missing == []


@pytest.mark.parametrize("kind", MANDATORY_KINDS)
def test_each_missing_mandatory_item_is_named(tree, points, kind):
    c = compliant_class(school=tree.town_a, point=points.a, published=False)
    c.sessions.filter(kind=kind).delete()
    result = check_template(c)
    assert not result.ok
    assert result.missing == [f"缺少必选项目：{LABELS[kind]}"]


def test_missing_teaching_point_and_everything(tree):
    c = ClassFactory(school=tree.town_a)
    result = check_template(c)
    assert result.missing == [f"缺少必选项目：{LABELS[k]}" for k in MANDATORY_KINDS] + [
        "至少需要一次基层教学点现场教学"
    ]


def test_teaching_point_kind_without_a_point_does_not_count(tree, points):
    c = compliant_class(school=tree.town_a, point=points.a, published=False)
    c.sessions.filter(kind="teaching_point").update(teaching_point=None, room="会议室")
    assert check_template(c).missing == ["至少需要一次基层教学点现场教学"]


def test_optional_items_are_free(tree, points):
    c = compliant_class(school=tree.town_a, point=points.a, published=False)
    SessionFactory(training_class=c, kind="optional", title="观看警示教育片")
    assert check_template(c).ok


def test_new_class_from_template_prefills_five_items_and_stores_result(roles, points):
    c = class_create(
        user=roles.town_a_staff,
        school=roles.tree.town_a,
        title="2026年第一期党员培训班",
        start_date=dt.date(2026, 5, 6),
    )
    kinds = list(c.sessions.order_by("starts_at").values_list("kind", flat=True))
    assert kinds == list(MANDATORY_KINDS)
    c.refresh_from_db()
    assert c.is_compliant is False
    assert c.compliance_missing == ["领导讲课尚未安排领导干部讲师", "至少需要一次基层教学点现场教学"]


def test_publish_blocked_until_teaching_point_then_allowed(roles, points):
    user = roles.town_a_staff
    c = class_create(user=user, school=roles.tree.town_a, title="班", start_date=dt.date(2026, 5, 6))
    with pytest.raises(ValidationError) as exc:
        class_publish(user=user, training_class=c)
    assert exc.value.messages == ["领导讲课尚未安排领导干部讲师", "至少需要一次基层教学点现场教学"]
    c.refresh_from_db()
    assert c.status == TrainingClass.Status.DRAFT
    lecture = c.sessions.get(kind="leader_lecture")
    lecture.teacher = roster_teacher(c.start_date.year)
    session_save(user=user, session=lecture)
    c.refresh_from_db()
    assert c.compliance_missing == ["至少需要一次基层教学点现场教学"]
    s = ClassSession(
        training_class=c,
        kind="teaching_point",
        starts_at=at(c.start_date, 14),
        ends_at=at(c.start_date, 16),
        teaching_point=points.a,
    )
    session_save(user=user, session=s)
    c.refresh_from_db()
    assert c.is_compliant and c.compliance_missing == []
    class_publish(user=user, training_class=c)
    c.refresh_from_db()
    assert c.status == TrainingClass.Status.PUBLISHED and c.published_at


def test_deleting_a_session_updates_stored_compliance(roles, points):
    c = compliant_class(school=roles.tree.town_a, point=points.a, published=False)
    oath = c.sessions.get(kind="oath")
    session_delete(user=roles.town_a_staff, session=oath)
    c.refresh_from_db()
    assert not c.is_compliant
    assert c.compliance_missing == ["缺少必选项目：重温入党誓词"]
