import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from lms.notifications.models import Notification
from teachers.models import Evaluation, EvaluationScore
from teachers.selectors import evaluations_pending_for
from teachers.services import evaluation_reminders_send, evaluation_submit
from tests.factories.teachers import ClassSessionFactory, attend

pytestmark = pytest.mark.django_db

ALL_FOURS = {"political": 4, "content": 4, "practice": 4, "method": 4, "overall": 4}


@pytest.fixture
def session(roles):
    s = ClassSessionFactory(training_class__school=roles.tree.town_a)
    attend(s, roles.member_a)
    return s


def test_attendee_submits_once_and_resubmitting_edits(roles, session):
    first = evaluation_submit(member=roles.member_a, session=session, scores=ALL_FOURS, comment="讲得好")
    second = evaluation_submit(
        member=roles.member_a, session=session, scores={**ALL_FOURS, "overall": 5, "method": "3"}, comment=""
    )
    assert first.pk == second.pk
    assert Evaluation.objects.count() == 1
    second.refresh_from_db()
    assert second.comment == "" and str(second.mean_score) == "4.00"
    assert sorted(EvaluationScore.objects.values_list("score", flat=True)) == [3, 4, 4, 4, 5]
    assert second.teacher == session.teacher


def test_non_attendee_and_absent_member_are_refused(roles, session):
    with pytest.raises(ValidationError, match="只有参加了本次课程的学员"):
        evaluation_submit(member=roles.member_b, session=session, scores=ALL_FOURS)
    attend(session, roles.member_b, present=False)
    with pytest.raises(ValidationError, match="只有参加了本次课程的学员"):
        evaluation_submit(member=roles.member_b, session=session, scores=ALL_FOURS)
    with pytest.raises(ValidationError, match="只有党员"):
        evaluation_submit(member=None, session=session, scores=ALL_FOURS)
    assert not Evaluation.objects.exists()


def test_session_not_ended_is_refused(roles):
    s = ClassSessionFactory(starts_at=timezone.now() - dt.timedelta(minutes=30))
    attend(s, roles.member_a)
    with pytest.raises(ValidationError, match="课程尚未结束"):
        evaluation_submit(member=roles.member_a, session=s, scores=ALL_FOURS)


def test_window_closes(roles, session):
    late = session.ends_at + dt.timedelta(days=7, minutes=1)
    with pytest.raises(ValidationError, match="评价已截止"):
        evaluation_submit(member=roles.member_a, session=session, scores=ALL_FOURS, now=late)
    assert evaluation_submit(
        member=roles.member_a, session=session, scores=ALL_FOURS, now=late - dt.timedelta(minutes=2)
    )
    with override_settings(TEACHER_EVALUATION_WINDOW_DAYS=10):
        evaluation_submit(member=roles.member_a, session=session, scores=ALL_FOURS, now=late)


def test_session_without_teacher_is_refused(roles):
    s = ClassSessionFactory(teacher=None, kind="sign_in")
    attend(s, roles.member_a)
    with pytest.raises(ValidationError, match="没有授课讲师"):
        evaluation_submit(member=roles.member_a, session=s, scores=ALL_FOURS)


@pytest.mark.parametrize(
    "scores,message",
    [
        ({**ALL_FOURS, "overall": 6}, "1–5"),
        ({**ALL_FOURS, "overall": 0}, "1–5"),
        ({**ALL_FOURS, "overall": "很好"}, "1–5"),
        ({**ALL_FOURS, "overall": 4.5}, "1–5"),
        ({k: v for k, v in ALL_FOURS.items() if k != "method"}, "教学方法"),
        ({**ALL_FOURS, "bogus": 3}, "不存在"),
        ([4, 4, 4, 4, 4], "格式无效"),
    ],
)
def test_malformed_scores_store_nothing(roles, session, scores, message):
    evaluation_submit(member=roles.member_a, session=session, scores=ALL_FOURS, comment="原意见")
    with pytest.raises(ValidationError, match=message):
        evaluation_submit(member=roles.member_a, session=session, scores=scores, comment="新意见")
    ev = Evaluation.objects.get()
    assert ev.comment == "原意见" and ev.scores.count() == 5


def test_pending_list_and_reminders_are_idempotent(roles, session):
    other = ClassSessionFactory()
    attend(other, roles.member_b)
    attend(session, roles.member_b)
    assert list(evaluations_pending_for(roles.member_a)) == [session]
    assert evaluation_reminders_send() == 3
    assert evaluation_reminders_send() == 0
    assert Notification.objects.filter(user=roles.member_a_user, kind="teacher_evaluation").count() == 1
    n = Notification.objects.get(user=roles.member_a_user)
    assert n.url == f"/teachers/evaluate/{session.pk}/"
    evaluation_submit(member=roles.member_a, session=session, scores=ALL_FOURS)
    assert list(evaluations_pending_for(roles.member_a)) == []
    # A session long past is no longer pending and is not reminded.
    old = ClassSessionFactory(starts_at=timezone.now() - dt.timedelta(days=30))
    attend(old, roles.member_a)
    assert evaluation_reminders_send() == 0
    assert list(evaluations_pending_for(roles.member_a)) == []
